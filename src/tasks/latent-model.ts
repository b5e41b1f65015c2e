// A loaded run ready to use from another program (the server, the studio page): every input and output in the data's
// own units (the run's scaling applied and inverted), conditional labels handled, sampled scores repeatable.
// Platform-neutral.
import * as tf from '../backend/tfjs.js';
import { batchTensor, featureCount, imageDims, makeDataset, type Dataset } from '../data/dataset.js';
import { applyScaling, invertScaling, type Scaling } from '../data/scaling.js';
import { check } from '../errors.js';
import type { RunManifest } from '../io/run-manifest.js';
import { hasPrior, isConditional, isLatentVariable, type AutoencoderModel, type ModelKind } from '../models/types.js';
import { AnomalyDetector, anomalyScores, FITTED_SCORES, SCORE_SEED, type DetectorState, type ScoreKind } from './anomaly.js';
import { RowNoise } from '../train/rng.js';
import { decodeCodes, drawFromPrior, encodeDataset, reconstructDataset } from './latent.js';

/** What a program needs to know to call the model. */
export interface LatentModelInfo {
  kind: ModelKind;
  /** Shape of one example; inputs are flat rows of featureCount(inputShape) numbers. */
  inputShape: number[];
  features: number;
  latentDim: number;
  /** Conditional models: the number of classes (inputs and decodes take a label). */
  classes?: number;
  /** Whether the model has a prior to sample from and an ELBO to score with. */
  variational: boolean;
  /** Whether the model has a prior to sample new examples from. */
  prior: boolean;
  /** The scaling applied to inputs and inverted on outputs, when the run was trained on scaled data. */
  scaling?: Scaling;
  /** The data the run was trained on. */
  data: { source: string; shape: number[] };
  /** The saved detector's score kind and threshold, when one was given. */
  detector?: { score: ScoreKind; threshold: number };
  /** Score kinds this model supports. */
  scores: ScoreKind[];
}

/** Scores of examples, with flags when a detector's threshold applies. */
export interface ScoreResult {
  score: ScoreKind;
  scores: Float64Array;
  threshold?: number;
  flags?: Uint8Array;
}

interface PosteriorModel {
  posterior(x: tf.Tensor2D): { mu: tf.Tensor2D; logvar: tf.Tensor2D };
}

const hasPosterior = (m: AutoencoderModel): m is AutoencoderModel & PosteriorModel =>
  typeof (m as Partial<PosteriorModel>).posterior === 'function';

export class LatentModel {
  readonly features: number;
  /** The score kinds this model supports. */
  readonly scoreKinds: ScoreKind[];
  private readonly detector?: AnomalyDetector;

  constructor(readonly model: AutoencoderModel, readonly manifest: RunManifest, detector?: DetectorState) {
    this.features = featureCount(model.inputShape);
    if (detector) this.detector = AnomalyDetector.fromJSON(model, detector);
    const sampled: ScoreKind[] = isLatentVariable(model) ? (isConditional(model) ? ['elbo'] : ['elbo', 'iw']) : [];
    const image = imageDims(model.inputShape) !== undefined;
    const structural: ScoreKind[] = image ? ['ssim', ...(sampled.includes('iw') ? ['complexity' as const] : [])] : [];
    this.scoreKinds = ['mse', 'mae', 'bce', ...structural, ...sampled, ...(this.detector && FITTED_SCORES.includes(this.detector.options.score) ? [this.detector.options.score] : [])];
  }

  info(): LatentModelInfo {
    const m = this.model;
    return {
      kind: m.kind, inputShape: m.inputShape, features: this.features, latentDim: m.latentDim,
      ...(m.classes && { classes: m.classes }), variational: isLatentVariable(m), prior: hasPrior(m),
      ...(this.manifest.scaling && { scaling: this.manifest.scaling as Scaling }), data: this.manifest.data,
      ...(this.detector && { detector: { score: this.detector.options.score, threshold: this.detector.threshold } }),
      scores: this.scoreKinds,
    };
  }

  /** Rows in the data's units as a Dataset in the model's units (labels for conditional models). */
  private dataset(rows: Float32Array, labels?: Int32Array): Dataset {
    check(rows.length % this.features === 0, `${rows.length} values are not whole examples of ${this.features} features`);
    const values = Float32Array.from(rows);
    if (this.manifest.scaling) applyScaling(this.manifest.scaling as Scaling, values);
    if (this.model.classes) {
      check(labels !== undefined, `a conditional model ('${this.model.kind}') needs a label per example, in 0..${this.model.classes - 1}`);
      const bad = labels.findIndex((c) => c >= this.model.classes!);
      check(bad < 0, () => `example ${bad}: label ${labels[bad]} is outside the model's classes 0..${this.model.classes! - 1}`);
    }
    return makeDataset({
      source: 'request', values, shape: this.model.inputShape, size: values.length / this.features,
      ...(this.model.classes && { labels }),
    });
  }

  private toDataUnits(values: Float32Array): Float32Array {
    return this.manifest.scaling ? invertScaling(this.manifest.scaling as Scaling, values) : values;
  }

  /** Codes [n, latentDim] (posterior means for VAE kinds). */
  encode(rows: Float32Array, labels?: Int32Array): Float32Array {
    return encodeDataset(this.model, this.dataset(rows, labels));
  }

  /** The posterior's μ and σ [n, latentDim] each, for VAE kinds; undefined for others. */
  posterior(rows: Float32Array, labels?: Int32Array): { mu: Float32Array; sigma: Float32Array } | undefined {
    const model = this.model;
    if (!hasPosterior(model)) return undefined;
    const data = this.dataset(rows, labels);
    return tf.tidy(() => {
      const { mu, logvar } = model.posterior(batchTensor(data, 0, data.size, undefined, model.classes));
      return { mu: mu.dataSync() as Float32Array, sigma: logvar.mul(0.5).exp().dataSync() as Float32Array };
    });
  }

  /** Decoded means [n, features] of codes [n, latentDim], in the data's units (class `label` for conditional models). */
  decode(codes: Float32Array, label?: number): Float32Array {
    return this.toDataUnits(decodeCodes(this.model, codes, label));
  }

  /** Reconstructions [n, features] in the data's units. */
  reconstruct(rows: Float32Array, labels?: Int32Array): Float32Array {
    return this.toDataUnits(reconstructDataset(this.model, this.dataset(rows, labels)));
  }

  /**
   * Anomaly scores (higher = more anomalous) by `kind` (default: defaultScore()), flagged against the detector's
   * threshold when it scores the same kind. Sampled scores draw fixed-seed noise; `requests` (rows per request, in
   * order) makes one call over several requests' rows give each request the −ELBO it would get alone.
   */
  score(rows: Float32Array, labels?: Int32Array, kind?: ScoreKind, requests?: number[]): ScoreResult {
    const score = kind ?? this.defaultScore();
    check(this.scoreKinds.includes(score), `score '${score}' is not available for a '${this.model.kind}' model (use ${this.scoreKinds.join(', ')})`);
    const data = this.dataset(rows, labels);
    // Each request's rows are rows 0… of that request: they draw the noise they would draw alone.
    const noise = requests && requests.length > 1 ? RowNoise.concat(requests.map((n) => RowNoise.of(SCORE_SEED, 0, n))) : undefined;
    if (FITTED_SCORES.includes(score)) {
      check(this.detector?.options.score === score, `score '${score}' needs a detector fitted with it (latentkit detect --score ${score} --save-detector)`);
      return this.flag(score, this.detector.score(data));
    }
    return this.flag(score, anomalyScores(this.model, data, score, this.detector?.options.samples, noise));
  }

  /** The saved detector's score kind, else −ELBO for VAE kinds and mean squared error for the others (as `detect`). */
  defaultScore(): ScoreKind {
    return this.detector?.options.score ?? (isLatentVariable(this.model) ? 'elbo' : 'mse');
  }

  /** Scores of `kind` with flags against the saved detector's threshold, when the detector scores that kind. */
  flag(score: ScoreKind, scores: Float64Array): ScoreResult {
    if (!this.detector || this.detector.options.score !== score) return { score, scores };
    return { score, scores, threshold: this.detector.threshold, flags: Uint8Array.from(scores, (s) => (s > this.detector!.threshold ? 1 : 0)) };
  }

  /** `count` examples decoded from the prior at `temperature`, in the data's units, with their codes (fresh draws unless given a seed). */
  sample(count: number, options: { temperature?: number; seed?: number; label?: number } = {}): { codes: Float32Array; outputs: Float32Array } {
    const { codes, outputs } = drawFromPrior(this.model, count, options);
    return { codes, outputs: this.toDataUnits(outputs) };
  }
}
