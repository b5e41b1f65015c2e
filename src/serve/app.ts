// `latentkit serve`: the JSON API over a loaded run (/v1/…), the run's own files (/run/…) and the studio page (/).
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { featureCount, type Dataset } from '../data/dataset.js';
import { invertScaling, type Scaling } from '../data/scaling.js';
import type { LoadedRun } from '../io/run-files.js';
import type { DetectorState } from '../tasks/anomaly.js';
import { LatentModel } from '../tasks/latent-model.js';
import { codesBody, parseBody, rowMajor, rowsBody, rowsOf, sampleBody, type ApiLimits } from './bodies.js';
import { MicroBatcher, type BatchCompute } from './micro-batch.js';
import { serveMetrics } from './metrics.js';

export interface ServeOptions {
  run: LoadedRun;
  detector?: DetectorState;
  /** The most examples per request (default 1,024). */
  maxBatch?: number;
  /** The largest request body in bytes (default 16 MiB). */
  bodyLimit?: number;
  /** Milliseconds a client may take to send its request, and may stay silent on its connection (default 30 s). */
  requestTimeout?: number;
  /** The built studio page's folder (default: the one built by `npm run build:web`, when it exists). */
  studioDir?: string;
  /** Examples of the run's data for the studio's map (GET /v1/data), loaded on first use. */
  data?: () => Promise<Dataset>;
  /** Structured (JSON, pino) request logs at this level and above, on stderr; 'silent' (the default) logs nothing. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

/** What a caller controls of a running server besides fastify itself. */
export interface ServerControl {
  /** Marks the server as draining: /readyz answers 503 so that a load balancer stops sending requests. */
  drain(): void;
}

/** Where `npm run build:web` puts the studio, seen from src/ or from dist/. */
export function defaultStudioDir(): string | undefined {
  for (const rel of ['../web/', '../../dist/web/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

const float = (values: ArrayLike<number>): number[] => Array.from(values);

/** Builds the server (not yet listening). */
export async function createServer(options: ServeOptions): Promise<{ app: FastifyInstance; batcher: MicroBatcher } & ServerControl> {
  const limits: ApiLimits = { maxBatch: options.maxBatch ?? 1024 };
  const api = new LatentModel(options.run.model, options.run.manifest, options.detector);
  const info = api.info();
  const batcher = new MicroBatcher(Math.max(limits.maxBatch, 4096));
  const level = options.logLevel ?? 'silent';
  const timeout = options.requestTimeout ?? 30_000;
  const app = Fastify({
    // requestTimeout bounds the whole request, connectionTimeout a silent socket: a client that stalls mid-body is
    // closed after `timeout` of silence (with Node's request timer alone, a stalled socket stayed open 90 s here).
    bodyLimit: options.bodyLimit ?? 16 * 2 ** 20, requestTimeout: timeout, connectionTimeout: timeout,
    logger: level === 'silent' ? false : { level, stream: process.stderr },
  });
  const metrics = serveMetrics(info, batcher);
  let draining = false;
  // Examples each answered request carried, for the metrics (set by the routes that take examples).
  const carried = new WeakMap<object, number>();
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    metrics.observe(route, reply.statusCode, reply.elapsedTime / 1000, carried.get(request) ?? 0);
  });
  app.addHook('preHandler', async (request) => {
    const body = request.body as { inputs?: unknown[]; codes?: unknown[]; count?: number } | undefined;
    const n = Array.isArray(body?.inputs) ? body.inputs.length : Array.isArray(body?.codes) ? body.codes.length : typeof body?.count === 'number' ? body.count : 0;
    carried.set(request, n);
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
    if (err instanceof UserError) return reply.code(400).send({ error: err.message });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return reply.code(status).send({ error: status === 500 ? `internal error: ${err.message.split('\n')[0]}` : err.message });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route ${request.method} ${request.url}` }));

  const labelsOf = (labels: number[] | undefined, n: number): Int32Array | undefined => {
    if (labels && labels.length !== n) throw new UserError(`labels: ${labels.length} labels for ${n} examples`);
    return labels ? Int32Array.from(labels) : undefined;
  };
  const batched = (key: string, compute: BatchCompute, rows: Float32Array, n: number, labels?: Int32Array) => batcher.run(key, compute, rows, n, labels);

  app.get('/v1/model', async () => info);

  // Liveness: the process answers. Readiness: the model is loaded and the server is not draining.
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => (draining
    ? reply.code(503).send({ status: 'draining' })
    : { status: 'ready', kind: info.kind }));
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  app.post('/v1/encode', async (request) => {
    const body = parseBody(rowsBody, request.body);
    const rows = rowMajor(body.inputs, api.features, 'inputs', limits);
    const n = body.inputs.length;
    const [codes, sigma] = await batched('encode', (r, _n, l) => {
      const post = api.posterior(r, l);
      return post ? [post.mu, post.sigma] : [api.encode(r, l)];
    }, rows, n, labelsOf(body.labels, n));
    return { codes: rowsOf(codes, info.latentDim), ...(sigma && { sigma: rowsOf(sigma, info.latentDim) }) };
  });

  app.post('/v1/decode', async (request) => {
    const body = parseBody(codesBody, request.body);
    const codes = rowMajor(body.codes, info.latentDim, 'codes', limits);
    const [outputs] = await batched(`decode:${body.label ?? ''}`, (z) => [api.decode(z, body.label)], codes, body.codes.length);
    return { outputs: rowsOf(outputs, api.features) };
  });

  app.post('/v1/reconstruct', async (request) => {
    const body = parseBody(rowsBody, request.body);
    const rows = rowMajor(body.inputs, api.features, 'inputs', limits);
    const n = body.inputs.length;
    const [outputs] = await batched('reconstruct', (r, _n, l) => [api.reconstruct(r, l)], rows, n, labelsOf(body.labels, n));
    return { outputs: rowsOf(outputs, api.features) };
  });

  app.post('/v1/score', async (request) => {
    const body = parseBody(rowsBody, request.body);
    const rows = rowMajor(body.inputs, api.features, 'inputs', limits);
    const n = body.inputs.length;
    const labels = labelsOf(body.labels, n);
    const kind = body.score ?? api.defaultScore();
    // Importance sampling runs per request; the others share passes (−ELBO with each request's own noise).
    const result = kind === 'iw'
      ? api.score(rows, labels, kind)
      : await batched(`score:${kind}`, (r, _n, l, requests) => [api.score(r, l, kind, requests).scores], rows, n, labels)
        .then(([scores]) => api.flag(kind, scores as Float64Array));
    return { score: result.score, scores: float(result.scores), ...(result.flags && { threshold: result.threshold, flags: Array.from(result.flags, (f) => f === 1) }) };
  });

  app.post('/v1/sample', async (request) => {
    const body = parseBody(sampleBody, request.body);
    if (body.count > limits.maxBatch) throw new UserError(`count: ${body.count} samples is more than the ${limits.maxBatch} one request may ask for`);
    const { codes, outputs } = api.sample(body.count, body);
    return { codes: rowsOf(codes, info.latentDim), outputs: rowsOf(outputs, api.features) };
  });

  let sample: Promise<Dataset> | undefined;
  app.get('/v1/data', async (request, reply: FastifyReply) => {
    if (!options.data) return reply.code(404).send({ error: 'this server has no data for the run (it records none, or it is not readable here)' });
    const limit = Math.min(Number((request.query as { limit?: string }).limit ?? 1000) || 1000, 10_000);
    const data = await (sample ??= options.data());
    const n = Math.min(limit, data.size);
    const d = featureCount(data.shape);
    const values = Float32Array.from(data.values.subarray(0, n * d), (v) => (data.values instanceof Uint8Array ? v / 255 : v));
    if (data.values instanceof Float32Array && data.scaling) invertScaling(data.scaling as Scaling, values);
    return { source: data.source, shape: data.shape, inputs: rowsOf(values, d), ...(data.labels && { labels: Array.from(data.labels.subarray(0, n)) }) };
  });

  const files = options.run.files;
  app.get('/run/*', async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    if (!Object.hasOwn(files, path)) return reply.code(404).send({ error: `the run has no file '${path}'` });
    return reply.type(path.endsWith('.json') ? 'application/json' : 'application/octet-stream').send(Buffer.from(files[path]));
  });

  const studio = options.studioDir ?? defaultStudioDir();
  if (studio) await app.register(fastifyStatic, { root: studio, prefix: '/', index: 'index.html' });
  else app.get('/', async (_request, reply) => reply.code(404).send({ error: 'the studio page is not built (npm run build:web)' }));

  return { app, batcher, drain: () => (draining = true) };
}
