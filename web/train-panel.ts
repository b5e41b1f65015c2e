// Training in the page: a bundled sample or dropped files, a model kind and a few settings, a live curve of the
// loss terms, a stop button, and the trained run as a .zip in the format `latentkit` reads on Node.
import {
  activeBackend, classCount, createModel, defaultConfig, fit, MODEL_KINDS, runToFiles, zipRun,
  type Dataset, type EpochMetrics, type ModelKind, type RunFiles, type RunManifest, type AutoencoderModel,
} from '../src/browser.js';
import { datasetFromFiles, isBundled, loadBundled } from './data.js';
import { $, drawCurves } from './view.js';

export interface Trained {
  model: AutoencoderModel;
  manifest: RunManifest;
  files: RunFiles;
  /** Held-out rows to map (the bundled test split), or the training rows. */
  mapData: Dataset;
}

/** Kinds the page trains: every kind but the sequence AE (it needs time-series windows). */
const PAGE_KINDS = MODEL_KINDS.filter((k) => k !== 'seq-ae');

export class TrainPanel {
  /** Batch losses so far (total and the two terms), for the curve and for tests. */
  readonly losses = { total: [] as number[], reconstruction: [] as number[], kl: [] as number[] };
  history: EpochMetrics[] = [];
  trained?: Trained;
  private controller?: AbortController;
  private drawing = false;

  constructor(private readonly onTrained: (t: Trained) => Promise<void>, private readonly report: (message: string, error?: boolean) => void) {
    const kinds = $<HTMLSelectElement>('train-kind');
    for (const kind of PAGE_KINDS) kinds.add(new Option(kind, kind, kind === 'vae', kind === 'vae'));
    $('train').addEventListener('click', () => void this.train());
    $('stop').addEventListener('click', () => this.controller?.abort());
    $('download').addEventListener('click', () => this.download());
    $('files').addEventListener('change', () => ($<HTMLSelectElement>('train-data').value = 'files'));
  }

  private number(id: string): number {
    const input = $<HTMLInputElement>(id);
    const v = Number(input.value);
    if (!Number.isFinite(v) || v < Number(input.min) || v > Number(input.max)) throw new Error(`${input.parentElement?.textContent?.trim() ?? id}: expected ${input.min}..${input.max}, got '${input.value}'`);
    return v;
  }

  private async data(): Promise<{ train: Dataset; map: Dataset }> {
    const source = $<HTMLSelectElement>('train-data').value;
    if (isBundled(source)) return { train: await loadBundled(source, 'train'), map: await loadBundled(source, 'test') };
    const dropped = await datasetFromFiles($<HTMLInputElement>('files').files ?? []);
    return { train: dropped, map: dropped };
  }

  async train(): Promise<void> {
    const log = $('train-log');
    try {
      const kind = $<HTMLSelectElement>('train-kind').value as ModelKind;
      const latentDim = this.number('train-latent');
      const epochs = this.number('train-epochs');
      const batchSize = this.number('train-batch');
      const learningRate = this.number('train-lr');
      const { train, map } = await this.data();
      const classes = kind === 'cvae' ? classCount(train.labels) : 0;
      if (kind === 'cvae' && classes === 0) throw new Error('a conditional VAE needs labelled data (a CSV with a label column, or MNIST)');
      const model = createModel(defaultConfig(kind, train.shape, { latentDim, ...(classes && { classes }) }));
      for (const series of Object.values(this.losses)) series.length = 0;
      this.history = [];
      this.controller = new AbortController();
      $<HTMLButtonElement>('train').disabled = true;
      $<HTMLButtonElement>('stop').disabled = false;
      $<HTMLButtonElement>('download').disabled = true;
      log.textContent = `${kind} on ${train.source}: ${train.size} examples of [${train.shape}], backend ${activeBackend()}\n`;
      const result = await fit(model, train, {
        epochs, batchSize, adam: { learningRate }, seed: 1, signal: this.controller.signal,
        callbacks: {
          onBatchEnd: (b) => {
            this.losses.total.push(b.loss);
            this.losses.reconstruction.push(b.reconstruction);
            this.losses.kl.push(b.kl);
            $('train-status').textContent = `epoch ${b.epoch}/${epochs}, batch ${b.batch}/${b.batches}, loss ${b.loss.toFixed(3)}`;
            this.scheduleCurve();
          },
          onEpochEnd: (m) => {
            this.history.push(m);
            log.textContent += `epoch ${m.epoch}: loss ${m.train.total.toFixed(3)} (reconstruction ${m.train.reconstruction.toFixed(3)}, ` +
              `kl ${m.train.kl.toFixed(3)})  ${Math.round(m.samplesPerSecond)} samples/s\n`;
          },
        },
      });
      const stopped = result.interrupted ? ' (stopped)' : '';
      const { files, manifest } = await runToFiles(model, {
        data: { source: train.source, shape: train.shape }, history: result.history, backend: activeBackend(), scaling: train.scaling,
      });
      this.trained = { model, manifest, files, mapData: map };
      $('train-status').textContent = `trained ${result.history.length} epoch${result.history.length === 1 ? '' : 's'}${stopped}`;
      $<HTMLButtonElement>('download').disabled = false;
      await this.onTrained(this.trained);
    } catch (err) {
      this.report(`training failed: ${(err as Error).message}`, true);
    } finally {
      $<HTMLButtonElement>('train').disabled = false;
      $<HTMLButtonElement>('stop').disabled = true;
    }
  }

  private scheduleCurve(): void {
    if (this.drawing) return;
    this.drawing = true;
    requestAnimationFrame(() => {
      this.drawing = false;
      drawCurves($<HTMLCanvasElement>('loss'), [
        { name: 'loss (−ELBO)', values: this.losses.total, colour: '#20232a' },
        { name: 'reconstruction', values: this.losses.reconstruction, colour: '#4e79a7' },
        { name: 'KL', values: this.losses.kl, colour: '#e15759' },
      ]);
    });
  }

  /** The trained run as a .zip download. */
  download(): void {
    if (!this.trained) return;
    const blob = new Blob([zipRun(this.trained.files) as BlobPart], { type: 'application/zip' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `latentkit-${this.trained.manifest.config.kind}-run.zip`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
}
