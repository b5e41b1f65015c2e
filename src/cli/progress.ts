// Training progress for the terminal: a live bar on a TTY, one plain line per epoch otherwise or with --json.
import cliProgress from 'cli-progress';
import type { EpochMetrics, TrainCallbacks } from '../train/trainer.js';
import type { LossTerms } from '../models/types.js';
import type { LoadProgress } from '../data/csv-table.js';

const fmt = (v: number) => v.toFixed(3);

/** "loss T (reconstruction R, kl K, penalty P)", naming only the terms this kind of model has. */
export function describeTerms(t: LossTerms, variational: boolean, digits = 3): string {
  const parts = [`reconstruction ${t.reconstruction.toFixed(digits)}`];
  if (variational) parts.push(`kl ${t.kl.toFixed(digits)}`);
  if (t.penalty !== undefined) parts.push(`penalty ${t.penalty.toFixed(digits)}`);
  return `loss ${t.total.toFixed(digits)} (${parts.join(', ')})`;
}

/** How a diagnostic reads in an epoch line. */
const DIAGNOSTIC_LABELS: Record<string, (v: number) => string> = {
  activeUnits: (v) => `active units ${v}`,
  codebookUsed: (v) => `codebook used ${v}`,
  codebookPerplexity: (v) => `perplexity ${v.toFixed(1)}`,
};

export function describeEpoch(m: EpochMetrics, epochs: number, latentVariable: boolean): string {
  const val = m.validation ? `  val ${fmt(m.validation.total)}` : '';
  const active = Object.entries(m.diagnostics ?? {}).map(([name, v]) => `  ${DIAGNOSTIC_LABELS[name]?.(v) ?? `${name} ${v}`}`).join('');
  const warnings = (m.warnings ?? []).map((w) => `\nlatentkit: warning: ${w}`).join('');
  return `epoch ${m.epoch}/${epochs}  ${describeTerms(m.train, latentVariable)}${val}` +
    `${active}  ${m.samplesPerSecond.toFixed(0)} samples/s  ${m.seconds.toFixed(1)} s${warnings}`;
}

/** Callbacks that report training as it goes: JSON lines on stdout, a bar on a TTY, or plain lines on stderr. */
export function progressCallbacks(epochs: number, size: number, json: boolean, latentVariable: boolean): TrainCallbacks & { stop(): void } {
  if (json) {
    return {
      onEpochEnd: (m) => process.stdout.write(JSON.stringify({ event: 'epoch', ...m }) + '\n'),
      stop: () => undefined,
    };
  }
  if (!process.stderr.isTTY) {
    return { onEpochEnd: (m) => process.stderr.write(describeEpoch(m, epochs, latentVariable) + '\n'), stop: () => undefined };
  }
  const bar = new cliProgress.SingleBar({
    format: 'epoch {epoch}/{epochs} |{bar}| {value}/{total} examples  loss {loss}  {speed} samples/s  eta {eta_formatted}',
    stream: process.stderr, hideCursor: true, clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  let epochStart = performance.now();
  return {
    onBatchEnd: (b) => {
      if (b.batch === 1) {
        epochStart = performance.now();
        bar.start(size, 0, { epoch: b.epoch, epochs, loss: '…', speed: '…' });
      }
      const seconds = (performance.now() - epochStart) / 1000;
      bar.update(b.seen, { loss: fmt(b.loss), speed: seconds > 0 ? (b.seen / seconds).toFixed(0) : '…' });
    },
    onEpochEnd: (m) => {
      bar.stop();
      process.stderr.write(describeEpoch(m, epochs, latentVariable) + '\n');
    },
    stop: () => bar.stop(),
  };
}

/** A bar for long work other than training (on a TTY; silent otherwise). */
export function progressBar(total: number, label: string, quiet: boolean): { update(done: number): void; stop(): void } {
  if (quiet || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({ format: `${label} |{bar}| {value}/{total} examples  eta {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return { update: (done) => bar.update(done), stop: () => bar.stop() };
}

/**
 * Progress of reading a data file, shown once the read has taken a second (on a TTY): MB read of the file's size,
 * rows so far and MB/s. Returns the callback for the loader and a stop function.
 */
export function loadProgress(label: string, quiet: boolean): { onProgress(p: LoadProgress): void; stop(): void } {
  if (quiet || !process.stderr.isTTY) return { onProgress: () => undefined, stop: () => undefined };
  const started = performance.now();
  let bar: cliProgress.SingleBar | undefined;
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  return {
    onProgress: ({ bytes, totalBytes, rows }) => {
      const seconds = (performance.now() - started) / 1000;
      if (!bar && seconds < 1) return;
      const payload = { rows: rows.toLocaleString('en'), speed: (bytes / 2 ** 20 / seconds).toFixed(0), done: mb(bytes), all: mb(totalBytes) };
      if (!bar) {
        bar = new cliProgress.SingleBar({
          format: `reading ${label} |{bar}| {done}/{all} MB  {rows} rows  {speed} MB/s`, stream: process.stderr, hideCursor: true, clearOnComplete: true,
        }, cliProgress.Presets.shades_classic);
        bar.start(totalBytes, bytes, payload);
      } else bar.update(bytes, payload);
    },
    stop: () => bar?.stop(),
  };
}
