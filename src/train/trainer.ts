// The training loop: seeded shuffling, Adam, per-epoch loss terms, validation and early stopping, callbacks.
import * as tf from '../backend/tfjs.js';
import { createAdam, ensureTrainable } from '../backend/select.js';
import { batchTensor, type Dataset } from '../data/dataset.js';
import { check } from '../errors.js';
import { featureCount } from '../data/dataset.js';
import type { AutoencoderModel, LossTerms } from '../models/types.js';
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
}

/** Mean loss terms over a dataset (eval mode; a fixed seed makes a VAE's sampled terms repeatable). */
export function evaluate(model: AutoencoderModel, data: Dataset, batchSize = 500, seed = 12345): LossTerms {
  checkData(model, data);
  const rng = new Rng(seed);
  const sums = { total: 0, reconstruction: 0, kl: 0 };
  for (let start = 0; start < data.size; start += batchSize) {
    const end = Math.min(start + batchSize, data.size);
    const [total, reconstruction, kl] = tf.tidy(() => {
      const terms = model.lossTerms(batchTensor(data, start, end), rng, false);
      return [terms.total.sum(), terms.reconstruction.sum(), terms.kl.sum()];
    });
    sums.total += total.dataSync()[0];
    sums.reconstruction += reconstruction.dataSync()[0];
    sums.kl += kl.dataSync()[0];
    tf.dispose([total, reconstruction, kl]);
  }
  return { total: sums.total / data.size, reconstruction: sums.reconstruction / data.size, kl: sums.kl / data.size };
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
      const sums = { total: 0, reconstruction: 0, kl: 0 };
      for (let b = 0; b < batches; b++) {
        const start = b * opts.batchSize;
        const end = Math.min(start + opts.batchSize, data.size);
        let parts: tf.Scalar[] = [];
        const cost = tf.tidy(() => {
          const x = batchTensor(data, start, end, order);
          return optimizer.minimize(() => {
            const terms = model.lossTerms(x, rng, true);
            parts = [tf.keep(terms.reconstruction.mean()), tf.keep(terms.kl.mean())];
            return terms.total.mean();
          }, true, variables)!;
        });
        const loss = cost.dataSync()[0];
        const n = end - start;
        sums.total += loss * n;
        sums.reconstruction += parts[0].dataSync()[0] * n;
        sums.kl += parts[1].dataSync()[0] * n;
        tf.dispose([cost, ...parts]);
        check(Number.isFinite(loss), `training diverged: loss is ${loss} at epoch ${epoch}, batch ${b + 1}; lower the learning rate`);
        opts.callbacks?.onBatchEnd?.({ epoch, batch: b + 1, batches, loss, seen: end });
        if (b % 8 === 7) await yieldToEventLoop();
      }
      const train = { total: sums.total / data.size, reconstruction: sums.reconstruction / data.size, kl: sums.kl / data.size };
      const validation = opts.validationData ? evaluate(model, opts.validationData) : undefined;
      const seconds = (performance.now() - started) / 1000;
      const metrics: EpochMetrics = { epoch, train, validation, seconds, samplesPerSecond: data.size / seconds };
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
