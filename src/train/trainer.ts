// The training loop: seeded shuffling, Adam, per-epoch loss terms, validation and early stopping, callbacks.
import * as tf from '../backend/tfjs.js';
import { createAdam, ensureTrainable } from '../backend/select.js';
import { batchTensor, checkLabels, type Dataset } from '../data/dataset.js';
import { check } from '../errors.js';
import { featureCount } from '../data/dataset.js';
import type { AutoencoderModel, LossTensors, LossTerms } from '../models/types.js';
import { countActiveUnits } from '../tasks/latent.js';
import { head } from '../data/dataset.js';

const ACTIVE_UNIT_EXAMPLES = 1000;
import { mulberry32, permutation, Rng } from './rng.js';

export interface AdamArgs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export interface BatchInfo {
  epoch: number;
  /** Batches done in this epoch, and how many there are. */
  batch: number;
  batches: number;
  /** This batch's mean total loss. */
  loss: number;
  /** Examples trained on so far in this epoch. */
  seen: number;
}

export interface EpochMetrics {
  /** 1-based. */
  epoch: number;
  train: LossTerms;
  validation?: LossTerms;
  /** VAE kinds: latent dimensions with Cov_x(E_q[z_d]) > 0.01, on up to 1,000 validation (else training) examples. */
  activeUnits?: number;
  /** Problems seen this epoch (e.g. posterior collapse). */
  warnings?: string[];
  seconds: number;
  samplesPerSecond: number;
}

export interface TrainCallbacks {
  onBatchEnd?(info: BatchInfo): void;
  onEpochEnd?(metrics: EpochMetrics): void;
}

export interface FitArgs {
  epochs: number;
  batchSize: number;
  adam: AdamArgs;
  /** Seeds shuffling and the noise of stochastic models. */
  seed: number;
  shuffle: boolean;
  /** Scored after every epoch; needed for early stopping. */
  validationData?: Dataset;
  /** Stop after this many epochs without a lower validation loss, and restore the best weights. */
  patience?: number;
  callbacks?: TrainCallbacks;
}

export interface FitResult {
  history: EpochMetrics[];
  /** The epoch whose weights the model holds at the end. */
  bestEpoch: number;
  stoppedEarly: boolean;
}

/** What a caller passes to fit: epochs, and any FitArgs to change from the defaults. */
export type FitOptions = Partial<Omit<FitArgs, 'adam'>> & { epochs: number; adam?: Partial<AdamArgs> };

export const DEFAULT_ADAM: AdamArgs = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

export const DEFAULT_FIT: Omit<FitArgs, 'epochs'> = { batchSize: 128, adam: DEFAULT_ADAM, seed: 1, shuffle: true };

function checkData(model: AutoencoderModel, data: Dataset): void {
  check(featureCount(data.shape) === featureCount(model.inputShape),
    `${data.source}: examples of shape [${data.shape}] do not fit a model of input [${model.inputShape}]`);
  check(data.size > 0, `${data.source}: no examples`);
  if (model.classes) checkLabels(data, model.classes);
}

const TERMS = ['total', 'reconstruction', 'kl', 'penalty'] as const;

/** Running, example-weighted sums of loss terms; `penalty` is reported only by models that have one. */
class TermSums {
  private readonly sums: Record<string, number> = {};
  private count = 0;

  /** Adds the batch means of `terms` for `n` examples. */
  add(means: Partial<Record<(typeof TERMS)[number], number>>, n: number): void {
    for (const [name, value] of Object.entries(means)) if (value !== undefined) this.sums[name] = (this.sums[name] ?? 0) + value * n;
    this.count += n;
  }

  means(): LossTerms {
    const m = (name: string) => (this.sums[name] ?? 0) / this.count;
    return { total: m('total'), reconstruction: m('reconstruction'), kl: m('kl'), ...('penalty' in this.sums && { penalty: m('penalty') }) };
  }
}

/** The batch means of a model's loss terms, as scalars (kept out of the enclosing tidy). */
function keptMeans(terms: LossTensors): tf.Scalar[] {
  return TERMS.flatMap((name) => (terms[name] ? [tf.keep(terms[name]!.mean() as tf.Scalar)] : []));
}

function readMeans(terms: LossTensors, scalars: tf.Scalar[]): Record<string, number> {
  const names = TERMS.filter((name) => terms[name]);
  return Object.fromEntries(names.map((name, i) => [name, scalars[i].dataSync()[0]]));
}

/** Mean loss terms over a dataset (eval mode; a fixed seed makes a VAE's sampled terms repeatable). */
export function evaluate(model: AutoencoderModel, data: Dataset, batchSize = 500, seed = 12345): LossTerms {
  checkData(model, data);
  const rng = new Rng(seed);
  const sums = new TermSums();
  for (let start = 0; start < data.size; start += batchSize) {
    const end = Math.min(start + batchSize, data.size);
    let terms: LossTensors | undefined;
    const scalars = tf.tidy(() => keptMeans((terms = model.lossTerms(batchTensor(data, start, end, undefined, model.classes), rng, false))));
    sums.add(readMeans(terms!, scalars), end - start);
    tf.dispose(scalars);
  }
  return sums.means();
}

function snapshot(variables: tf.Variable[]): tf.Tensor[] {
  return variables.map((v) => tf.clone(v));
}

/** Lets timers (progress bars) and, in a browser, the page run between batches. */
const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

/**
 * Trains `model` on `data` with Adam; the same seed on the same backend gives the same metrics.
 * Stochastic models draw one noise sample per example and step, from the seeded Rng.
 */
export async function fit(model: AutoencoderModel, data: Dataset, args: FitOptions): Promise<FitResult> {
  const opts: FitArgs = { ...DEFAULT_FIT, ...args, adam: { ...DEFAULT_ADAM, ...args.adam } };
  checkData(model, data);
  check(Number.isInteger(opts.epochs) && opts.epochs > 0, `epochs must be a positive integer, got ${opts.epochs}`);
  check(Number.isInteger(opts.batchSize) && opts.batchSize > 0, `batch size must be a positive integer, got ${opts.batchSize}`);
  if (opts.validationData) checkData(model, opts.validationData);
  check(opts.patience === undefined || opts.validationData, 'early stopping (patience) needs validation data');

  await ensureTrainable([...model.encoder.layers, ...model.decoder.layers].map((l) => l.getClassName()));
  const optimizer = createAdam(opts.adam);
  const variables = model.trainableVariables();
  const shuffleRandom = mulberry32(opts.seed);
  const rng = new Rng(opts.seed + 1);
  const history: EpochMetrics[] = [];
  let best = { loss: Infinity, epoch: 0, weights: undefined as tf.Tensor[] | undefined };
  let stoppedEarly = false;
  const batches = Math.ceil(data.size / opts.batchSize);
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const started = performance.now();
      const order = opts.shuffle ? permutation(data.size, shuffleRandom) : undefined;
      const sums = new TermSums();
      model.beginEpoch?.(epoch, opts.epochs);
      for (let b = 0; b < batches; b++) {
        const start = b * opts.batchSize;
        const end = Math.min(start + opts.batchSize, data.size);
        let terms: LossTensors | undefined;
        let scalars: tf.Scalar[] = [];
        tf.tidy(() => {
          const x = batchTensor(data, start, end, order, model.classes);
          optimizer.minimize(() => {
            terms = model.lossTerms(x, rng, true);
            scalars = keptMeans(terms);
            return terms.total.mean();
          }, false, variables);
        });
        const means = readMeans(terms!, scalars);
        tf.dispose(scalars);
        const loss = means.total;
        sums.add(means, end - start);
        check(Number.isFinite(loss), `training diverged: loss is ${loss} at epoch ${epoch}, batch ${b + 1}; lower the learning rate`);
        opts.callbacks?.onBatchEnd?.({ epoch, batch: b + 1, batches, loss, seen: end });
        if (b % 8 === 7) await yieldToEventLoop();
      }
      const train = sums.means();
      const validation = opts.validationData ? evaluate(model, opts.validationData) : undefined;
      const seconds = (performance.now() - started) / 1000;
      const metrics: EpochMetrics = { epoch, train, validation, seconds, samplesPerSecond: data.size / seconds };
      if (model.variational) {
        metrics.activeUnits = countActiveUnits(model, head(opts.validationData ?? data, ACTIVE_UNIT_EXAMPLES));
        if (metrics.activeUnits === 0) {
          metrics.warnings = ['posterior collapse: no latent dimension is active (Cov_x E_q[z_d] ≤ 0.01 for every d); ' +
            'try a KL warm-up, free bits or a smaller β'];
        }
      }
      history.push(metrics);
      opts.callbacks?.onEpochEnd?.(metrics);
      if (opts.patience === undefined || !validation) continue;
      if (validation.total < best.loss) {
        tf.dispose(best.weights);
        best = { loss: validation.total, epoch, weights: snapshot(variables) };
      } else if (epoch - best.epoch >= opts.patience) {
        stoppedEarly = true;
        break;
      }
    }
    if (best.weights && best.epoch !== history.length) variables.forEach((v, i) => v.assign(best.weights![i]));
    return { history, bestEpoch: best.weights ? best.epoch : history.length, stoppedEarly };
  } finally {
    tf.dispose(best.weights);
    optimizer.dispose();
  }
}
