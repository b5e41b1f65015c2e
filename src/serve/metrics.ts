// Prometheus metrics of `latentkit serve` (prom-client, one registry per server): requests and their latency by route
// and status, examples scored, errors, forward passes shared by micro-batching, the model's identity, and Node's own.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LatentModelInfo } from '../tasks/latent-model.js';
import type { MicroBatcher } from './micro-batch.js';

export interface ServeMetrics {
  registry: Registry;
  /** Records one answered request. */
  observe(route: string, status: number, seconds: number, examples: number): void;
}

export function serveMetrics(info: LatentModelInfo, batcher: MicroBatcher): ServeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'latentkit_requests_total', help: 'Requests answered, by route and status', labelNames: ['route', 'status'], registers: [registry] });
  const errors = new Counter({ name: 'latentkit_errors_total', help: 'Requests answered with a 4xx or 5xx status, by route', labelNames: ['route'], registers: [registry] });
  const examples = new Counter({ name: 'latentkit_examples_total', help: 'Examples in answered requests (inputs, codes or samples), by route', labelNames: ['route'], registers: [registry] });
  const latency = new Histogram({
    name: 'latentkit_request_duration_seconds', help: 'Time from request to answer, by route', labelNames: ['route'], registers: [registry],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  new Gauge({
    name: 'latentkit_forward_passes', help: 'Forward passes run for micro-batched requests (fewer than the requests when they share passes)', registers: [registry],
    collect() {
      this.set(batcher.stats.passes);
    },
  });
  const model = new Gauge({ name: 'latentkit_model_info', help: 'The served model (always 1)', labelNames: ['kind', 'latent_dim', 'features', 'source'], registers: [registry] });
  model.set({ kind: info.kind, latent_dim: String(info.latentDim), features: String(info.features), source: info.data.source }, 1);
  return {
    registry,
    observe(route, status, seconds, count) {
      requests.inc({ route, status: String(status) });
      latency.observe({ route }, seconds);
      if (status >= 400) errors.inc({ route });
      else if (count > 0) examples.inc({ route }, count);
    },
  };
}
