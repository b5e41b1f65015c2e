// The training loop: seeded shuffling, Adam, per-epoch loss terms, validation and early stopping, callbacks.
import * as tf from '../backend/tfjs.js';
import { createAdam, ensureTrainable } from '../backend/select.js';
import { batchTensor, checkLabels, featureCount, head, type Dataset } from '../data/dataset.js';
import { check } from '../errors.js';
import type { AutoencoderModel, LossTensors, LossTerms } from '../models/types.js';
import { epochDiagnostics, finishTraining } from './diagnostics.js';
import { EVAL_SEED, permutation, Rng, RowNoise, type RngState } from './rng.js';
import { DEFAULT_ADAM, type AdamArgs } from './adam.js';
import { checkPerturbRate, perturb, perturbRangeOf } from './perturb.js';

export { DEFAULT_ADAM, type AdamArgs } from './adam.js';
import { DEFAULT_GUARD, TrainingGuard, TrainingStopped, type GuardArgs, type GuardState } from './guard.js';
import { adamSnapshot, gradientsFinite, restoreAdam, type AdamState } from './optimizer-state.js';

const DIAGNOSTIC_EXAMPLES = 1000;
/** Examples per forward pass when evaluating. */
const EVAL_BATCH = 500;
/** The training noise's generator starts from the run's seed plus this (the shuffle's from the seed itself). */
const NOISE_SEED_OFFSET = 1;

export interface BatchInfo {
  epoch: number;
  /** Batches done in this epoch, and how many there are. */
  batch: number;
  batches: number;
  /** This batch's mean total loss, and its reconstruction and KL terms (the negative ELBO's two parts for VAE kinds). */
  loss: number;
  reconstruction: number;
  kl: number;
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
  /** What the model reports on the same examples (train/diagnostics.ts): active units, codebook use. */
  diagnostics?: Record<string, number>;
  /** Problems seen this epoch (e.g. posterior collapse). */
  warnings?: string[];
  seconds: number;
  samplesPerSecond: number;
}

/** Handed to every callback: `stop()` ends training after the current batch (Keras's `model.stop_training`). */
export interface TrainControl {
  stop(): void;
  readonly stopped: boolean;
}

/** Called as training goes; each may be async: training awaits what it returns. */
export interface TrainCallbacks {
  onTrainBegin?(info: { epochs: number; batches: number; examples: number }, control: TrainControl): void;
  onBatchEnd?(info: BatchInfo, control: TrainControl): void;
  onEpochEnd?(metrics: EpochMetrics, control: TrainControl): void;
  onTrainEnd?(result: FitResult): void;
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
  /** Continue from a checkpoint (the model already holds its weights). */
  resume?: TrainerState;
  /** When aborted, training stops after the current batch and returns its state in `interrupted`. */
  signal?: AbortSignal;
  /** Epochs between checkpoints (0: none); by default every epoch of a run expected to last over a minute. */
  checkpointEvery?: number;
  /** Saves a checkpoint; the model holds the weights that go with `state`. */
  onCheckpoint?(state: TrainerState): Promise<void>;
  guard?: Partial<GuardArgs>;
  /**
   * Train on perturbed inputs: each feature replaced, with this probability, by a uniform draw from the data's range
   * (a background model for the likelihood-ratio score, Ren et al. 2019; they use 0.1–0.2 on Fashion-MNIST).
   */
  perturb?: number;
}

export interface FitResult {
  history: EpochMetrics[];
  /** The epoch whose weights the model holds at the end. */
  bestEpoch: number;
  stoppedEarly: boolean;
  /** Whether a callback stopped training (TrainControl.stop). */
  stoppedByCallback?: boolean;
  /** Batches skipped for a non-finite loss or gradient. */
  skippedBatches: number;
  /** Set when `signal` stopped the run: the state to resume from. */
  interrupted?: TrainerState;
}

/** What a caller passes to fit: epochs, and any FitArgs to change from the defaults. */
export type FitOptions = Partial<Omit<FitArgs, 'adam'>> & { epochs: number; adam?: Partial<AdamArgs> };


export const DEFAULT_FIT: Omit<FitArgs, 'epochs'> = { batchSize: 128, adam: DEFAULT_ADAM, seed: 1, shuffle: true };

function checkData(model: AutoencoderModel, data: Dataset): void {
  check(featureCount(data.shape) === featureCount(model.inputShape),
    `${data.source}: examples of shape [${data.shape}] do not fit a model of input [${model.inputShape}]`);
  check(data.size > 0, `${data.source}: no examples`);
  if (model.classes) checkLabels(data, model.classes);
}

const TERMS = ['total', 'reconstruction', 'kl', 'penalty'] as const;

export interface TermSumsState {
  sums: Record<string, number>;
  count: number;
}

/** Everything a run needs to continue exactly where it stopped (the model's weights are saved beside it). */
export interface TrainerState {
  /** The epoch to continue (1-based) and the batches of it already done. */
  epoch: number;
  batch: number;
  /** Seconds already spent in this epoch. */
  epochSeconds: number;
  /** The shuffling generator at the start of `epoch`, and the noise generator now. */
  shuffle: RngState;
  noise: RngState;
  sums: TermSumsState;
  history: EpochMetrics[];
  guard: GuardState;
  adam: AdamState;
  /** Early stopping: the best validation loss so far, its epoch and weights. */
  best?: { loss: number; epoch: number; weights: Float32Array[] };
}

/** Running, example-weighted sums of loss terms; `penalty` is reported only by models that have one. */
class TermSums {
  private readonly sums: Record<string, number>;
  private count: number;

  constructor(saved?: TermSumsState) {
    this.sums = { ...saved?.sums };
    this.count = saved?.count ?? 0;
  }

  get snapshot(): TermSumsState {
    return { sums: { ...this.sums }, count: this.count };
  }

  /** Adds the batch means of `terms` for `n` examples. */
  add(means: Partial<Record<(typeof TERMS)[number], number>>, n: number): void {
    for (const [name, value] of Object.entries(means)) if (value !== undefined) this.sums[name] = (this.sums[name] ?? 0) + value * n;
    this.count += n;
  }

  means(): LossTerms {
    const m = (name: string) => (this.count > 0 ? (this.sums[name] ?? 0) / this.count : NaN);
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

export interface EvaluateOptions {
  /** Examples per forward pass (default 500). */
  batchSize?: number;
  /** Seed of a VAE's sampled terms (default EVAL_SEED). */
  seed?: number;
  /** The index of the data's first row in a larger whole (a chunk of a streamed file), for its noise (default 0). */
  firstRow?: number;
}

/**
 * Mean loss terms over a dataset (eval mode). A VAE's sampled terms draw each row's noise from its own generator
 * (RowNoise of `seed`), so they are repeatable and do not depend on the batching.
 */
export function evaluate(model: AutoencoderModel, data: Dataset, options: EvaluateOptions = {}): LossTerms {
  const { batchSize = EVAL_BATCH, seed = EVAL_SEED, firstRow = 0 } = options;
  checkData(model, data);
  const noise = RowNoise.of(seed, firstRow, data.size);
  const sums = new TermSums();
  for (let start = 0; start < data.size; start += batchSize) {
    const end = Math.min(start + batchSize, data.size);
    let terms: LossTensors | undefined;
    const scalars = tf.tidy(() => keptMeans((terms = model.lossTerms(batchTensor(data, start, end, undefined, model.classes), noise.rows(start, end), false))));
    sums.add(readMeans(terms!, scalars), end - start);
    tf.dispose(scalars);
  }
  return sums.means();
}

function snapshot(variables: tf.Variable[]): tf.Tensor[] {
  return variables.map((v) => tf.clone(v));
}

const copyOut = (tensors: tf.Tensor[]): Float32Array[] => tensors.map((t) => Float32Array.from(t.dataSync() as Float32Array));

/** Lets timers (progress bars), signal handlers and, in a browser, the page run between batches. */
const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

/** Whether to checkpoint after `epoch`: every `every` epochs, or by default every epoch of a run expected to last over a minute. */
function checkpointDue(opts: FitArgs, epoch: number, epochSeconds: number): boolean {
  if (!opts.onCheckpoint || epoch >= opts.epochs) return false;
  if (opts.checkpointEvery === undefined) return epochSeconds * opts.epochs > 60;
  return opts.checkpointEvery > 0 && epoch % opts.checkpointEvery === 0;
}

/**
 * Trains `model` on `data` with Adam; the same seed on the same backend gives the same metrics, and a run resumed from
 * a checkpoint ends with the same weights as an uninterrupted one. Stochastic models draw one noise sample per example
 * and step, from the seeded Rng. Batches with non-finite loss or gradients are skipped before the update; a diverging
 * run stops with TrainingStopped and the weights of its last good epoch.
 */
export async function fit(model: AutoencoderModel, data: Dataset, args: FitOptions): Promise<FitResult> {
  const opts: FitArgs = { ...DEFAULT_FIT, ...args, adam: { ...DEFAULT_ADAM, ...args.adam } };
  checkData(model, data);
  check(Number.isInteger(opts.epochs) && opts.epochs > 0, `epochs must be a positive integer, got ${opts.epochs}`);
  check(Number.isInteger(opts.batchSize) && opts.batchSize > 0, `batch size must be a positive integer, got ${opts.batchSize}`);
  if (opts.validationData) checkData(model, opts.validationData);
  check(opts.patience === undefined || opts.validationData, 'early stopping (patience) needs validation data');
  if (opts.perturb !== undefined) checkPerturbRate(opts.perturb);
  check(!opts.perturb || !model.classes, `perturbed training (a likelihood-ratio background model) is not available for conditional models ('${model.kind}')`);

  await ensureTrainable([...model.encoder.layers, ...model.decoder.layers].map((l) => l.getClassName()));
  const optimizer = createAdam(opts.adam);
  const variables = model.trainableVariables();
  const resumed = opts.resume;
  if (resumed) await restoreTrainer(resumed, variables, optimizer);
  const shuffle = resumed ? Rng.restore(resumed.shuffle) : new Rng(opts.seed);
  const rng = resumed ? Rng.restore(resumed.noise) : new Rng(opts.seed + NOISE_SEED_OFFSET);
  const guard = new TrainingGuard({ ...DEFAULT_GUARD, ...opts.guard }, resumed?.guard);
  const history: EpochMetrics[] = resumed ? [...resumed.history] : [];
  let best = { loss: Infinity, epoch: 0, weights: undefined as tf.Tensor[] | undefined };
  if (resumed?.best) best = { ...resumed.best, weights: resumed.best.weights.map((w, i) => tf.tensor(w, variables[i].shape)) };
  let lastGood = snapshot(variables);
  let stoppedEarly = false;
  const batches = Math.ceil(data.size / opts.batchSize);
  const perturbRange = opts.perturb ? perturbRangeOf(data) : undefined;
  const capture = async (epoch: number, batch: number, shuffleAtStart: RngState, sums: TermSums, epochSeconds: number): Promise<TrainerState> => ({
    epoch, batch, epochSeconds, shuffle: shuffleAtStart, noise: rng.snapshot, sums: sums.snapshot, history: [...history],
    guard: { ...guard.state }, adam: await adamSnapshot(optimizer, variables),
    ...(best.weights && { best: { loss: best.loss, epoch: best.epoch, weights: copyOut(best.weights) } }),
  });
  const interruptedAt = (state: TrainerState): FitResult =>
    ({ history, bestEpoch: best.epoch, stoppedEarly: false, skippedBatches: guard.state.skipped, interrupted: state });
  let stopRequested = false;
  const control: TrainControl = {
    stop: () => { stopRequested = true; },
    get stopped() { return stopRequested; },
  };
  const finish = async (result: FitResult): Promise<FitResult> => {
    await opts.callbacks?.onTrainEnd?.(result);
    return result;
  };
  try {
    await opts.callbacks?.onTrainBegin?.({ epochs: opts.epochs, batches, examples: data.size }, control);
    for (let epoch = resumed?.epoch ?? 1; epoch <= opts.epochs && !stopRequested; epoch++) {
      const continuing = resumed !== undefined && epoch === resumed.epoch;
      const started = performance.now() - (continuing ? resumed.epochSeconds * 1000 : 0);
      const shuffleAtStart = shuffle.snapshot;
      const order = opts.shuffle ? permutation(data.size, () => shuffle.next()) : undefined;
      const sums = new TermSums(continuing ? resumed.sums : undefined);
      let seen = data.size;
      for (let b = continuing ? resumed.batch : 0; b < batches; b++) {
        const start = b * opts.batchSize;
        const end = Math.min(start + opts.batchSize, data.size);
        model.beginStep?.((epoch - 1) * batches + b, opts.epochs * batches, batches);
        let terms: LossTensors | undefined;
        let scalars: tf.Scalar[] = [];
        let means: Record<string, number> = {};
        let applied = false;
        tf.tidy(() => {
          const batch = batchTensor(data, start, end, order, model.classes);
          const x = perturbRange ? perturb(batch, opts.perturb!, perturbRange, rng) : batch;
          const { grads } = optimizer.computeGradients(() => {
            terms = model.lossTerms(x, rng, true);
            scalars = keptMeans(terms);
            return terms.total.mean() as tf.Scalar;
          }, variables);
          means = readMeans(terms!, scalars);
          applied = guard.admitBatch(means.total, gradientsFinite(optimizer, grads), `epoch ${epoch}, batch ${b + 1}`);
          if (applied) optimizer.applyGradients(grads);
        });
        tf.dispose(scalars);
        if (applied) sums.add(means, end - start);
        await opts.callbacks?.onBatchEnd?.({ epoch, batch: b + 1, batches, loss: means.total, reconstruction: means.reconstruction, kl: means.kl, seen: end }, control);
        if (stopRequested) {
          seen = end - (continuing ? resumed.batch * opts.batchSize : 0);
          break;
        }
        if (b % 8 === 7 || opts.signal?.aborted) await yieldToEventLoop();
        if (opts.signal?.aborted && b + 1 < batches) {
          return finish(interruptedAt(await capture(epoch, b + 1, shuffleAtStart, sums, (performance.now() - started) / 1000)));
        }
      }
      const train = sums.means();
      const validation = opts.validationData ? evaluate(model, opts.validationData) : undefined;
      if (validation) guard.admitValidation(validation.total, epoch);
      const seconds = (performance.now() - started) / 1000;
      const metrics: EpochMetrics = { epoch, train, validation, seconds, samplesPerSecond: seen / seconds };
      const report = epochDiagnostics(model, head(opts.validationData ?? data, DIAGNOSTIC_EXAMPLES));
      if (report) {
        metrics.diagnostics = report.metrics;
        if (report.metrics.activeUnits !== undefined) metrics.activeUnits = report.metrics.activeUnits;
        if (report.warnings.length) metrics.warnings = report.warnings;
      }
      history.push(metrics);
      tf.dispose(lastGood);
      lastGood = snapshot(variables);
      await opts.callbacks?.onEpochEnd?.(metrics, control);
      if (opts.patience !== undefined && validation) {
        if (validation.total < best.loss) {
          tf.dispose(best.weights);
          best = { loss: validation.total, epoch, weights: snapshot(variables) };
        } else if (epoch - best.epoch >= opts.patience) {
          stoppedEarly = true;
          break;
        }
      }
      const atNextEpoch = () => capture(epoch + 1, 0, shuffle.snapshot, new TermSums(), 0);
      if (opts.signal?.aborted && epoch < opts.epochs) return finish(interruptedAt(await atNextEpoch()));
      if (checkpointDue(opts, epoch, seconds)) await opts.onCheckpoint!(await atNextEpoch());
    }
    if (best.weights && best.epoch !== history.length) variables.forEach((v, i) => v.assign(best.weights![i]));
    finishTraining(model, data);
    return finish({
      history, bestEpoch: best.weights ? best.epoch : history.length, stoppedEarly, skippedBatches: guard.state.skipped,
      ...(control.stopped ? { stoppedByCallback: true } : {}),
    });
  } catch (err) {
    if (err instanceof TrainingStopped) variables.forEach((v, i) => v.assign(lastGood[i]));
    throw err;
  } finally {
    tf.dispose(best.weights);
    tf.dispose(lastGood);
    optimizer.dispose();
  }
}

/** Puts a checkpoint's optimizer state back (the caller has loaded the checkpoint's weights into the model). */
async function restoreTrainer(state: TrainerState, variables: tf.Variable[], optimizer: tf.Optimizer): Promise<void> {
  check(state.adam.m.length === variables.length && state.adam.m.every((m, i) => m.length === variables[i].size),
    'the checkpoint\'s optimizer state does not fit this model\'s variables; the checkpoint is from another model');
  await restoreAdam(optimizer, variables, state.adam);
}
