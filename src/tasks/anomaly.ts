// Anomaly detection with a trained model: per-example scores, thresholds fitted on normal data, 0/1 flags.
// The fit → decisionScores / threshold → predict shape follows PyOD's detectors.
import * as tf from '../backend/tfjs.js';
import { batchTensor, featureCount, imageDims, type Dataset } from '../data/dataset.js';
import { check, UserError } from '../errors.js';
import { isLatentVariable, type AutoencoderModel } from '../models/types.js';
import { EVAL_SEED, RowNoise } from '../train/rng.js';
import { encodeDataset, reconstructDataset } from './latent.js';
import { KNN_NEIGHBOURS, knnDistances, type KnnState } from './knn-score.js';
import { importanceSampledNll } from './likelihood.js';
import { ssim } from './ssim.js';
import { latentFeatures } from './latent-density.js';
import { pngBits } from './complexity.js';
import { likelihoodRatioScores } from './likelihood-ratio.js';
import { fitNap, napScores, pathwayDifferences, type NapState } from './rapp.js';

/**
 * mse / mae / bce: reconstruction error per example (means over features); zmse: each feature's squared error divided
 * by its mean on the normal data the detector was fitted on, averaged (so that no one hard-to-reconstruct or
 * wide-range column dominates); nap: the Mahalanobis distance of the encoder's hidden activations of x and of its
 * reconstruction, whitened on the normal data (RaPP, Kim et al. 2020); latent: the Mahalanobis distance of the code
 * and two reconstruction features (relative error, cosine) under a Gaussian fitted on the normal data's (DAGMM's
 * density with one component, Zong et al. 2018); knn: the mean distance of the code to its 5 nearest codes of the
 * normal data (Ramaswamy et al. 2000); ssim: 1 − the mean structural similarity of the image and its reconstruction
 * (Bergmann et al. 2019); elbo: −ELBO; iw: importance-sampled −log p(x); complexity: −ELBO in bits less the image's
 * PNG length in bits (Serrà et al. 2020); ratio: −log p(x) + log p_background(x), against a background VAE trained on
 * perturbed inputs (the likelihood ratio of Ren et al. 2019).
 */
export const SCORE_KINDS = ['mse', 'mae', 'bce', 'zmse', 'nap', 'latent', 'knn', 'ssim', 'elbo', 'iw', 'complexity', 'ratio'] as const;
export type ScoreKind = (typeof SCORE_KINDS)[number];

/** The scores relative to normal data: a detector fits them (and saves what it fitted) before it scores. */
export const FITTED_SCORES: readonly ScoreKind[] = ['zmse', 'nap', 'latent', 'knn'];

/** The examples' values in [0, 1] (images), row-major. */
function unitValues(data: Dataset): Float32Array {
  return data.values instanceof Uint8Array ? Float32Array.from(data.values, (v) => v / 255) : data.values;
}

export type Threshold =
  | { kind: 'percentile'; q: number }
  | { kind: 'contamination'; rate: number }
  | { kind: 'sigma'; k: number }
  | { kind: 'fixed'; value: number };

/** Parses `percentile:99`, `contamination:0.05`, `sigma:3` or `fixed:0.02`. */
export function parseThreshold(spec: string): Threshold {
  const [kind, raw] = spec.split(':');
  const n = Number(raw);
  const bad = () => new UserError(`threshold '${spec}': expected percentile:Q (0–100), contamination:R (0–1), sigma:K or fixed:V`);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(n)) throw bad();
  if (kind === 'percentile' && n >= 0 && n <= 100) return { kind, q: n };
  if (kind === 'contamination' && n > 0 && n < 1) return { kind, rate: n };
  if (kind === 'sigma') return { kind, k: n };
  if (kind === 'fixed') return { kind, value: n };
  throw bad();
}

/** The q-th percentile with linear interpolation between order statistics (numpy's default). */
export function percentile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const position = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (position - lo) * (sorted[hi] - sorted[lo]);
}

/** The score above which an example is flagged, from the scores of normal data. */
export function fitThreshold(scores: ArrayLike<number>, threshold: Threshold): number {
  check(scores.length > 0, 'cannot fit a threshold on no scores');
  switch (threshold.kind) {
    case 'percentile': return percentile(scores, threshold.q);
    case 'contamination': return percentile(scores, 100 * (1 - threshold.rate));
    case 'fixed': return threshold.value;
    case 'sigma': {
      let sum = 0;
      for (let i = 0; i < scores.length; i++) sum += scores[i];
      const mean = sum / scores.length;
      let sq = 0;
      for (let i = 0; i < scores.length; i++) sq += (scores[i] - mean) ** 2;
      return mean + threshold.k * Math.sqrt(sq / scores.length);
    }
  }
}

const noBackground = () => new UserError("score 'ratio' needs a background model: new AnomalyDetector(model, { score: 'ratio', background }) (latentkit detect --background RUN)");

/** The seed of the noise that sampled scores draw, so that scoring the same data twice gives the same scores. */
export const SCORE_SEED = EVAL_SEED;

/**
 * One score per example of `data`; higher means more anomalous. Sampled scores (elbo, iw) draw each row's noise from
 * its own seeded generator (RowNoise), by default rows 0… of SCORE_SEED: pass the noise of the rows' places in a
 * larger whole (a chunk of a file, several requests) to score them as they would be scored there.
 */
export function anomalyScores(model: AutoencoderModel, data: Dataset, kind: ScoreKind, samples = 1000, noise?: RowNoise): Float64Array {
  check(featureCount(data.shape) === featureCount(model.inputShape), `${data.source}: examples of shape [${data.shape}] do not fit this model`);
  if (kind === 'iw') return importanceSampledNll(model, data, { samples, noise });
  if (kind === 'complexity') {
    if (!isLatentVariable(model)) throw new UserError(`score 'complexity' is −log p(x) less the image's compressed length: it needs a VAE kind; this is a '${model.kind}' model`);
    const dims = imageDims(data.shape);
    if (!dims) throw new UserError(`score 'complexity' compresses images; examples of shape [${data.shape}] are not images`);
    const nll = anomalyScores(model, data, 'elbo', samples, noise);
    const x = unitValues(data);
    const d = featureCount(data.shape);
    return nll.map((nats, i) => nats / Math.LN2 - pngBits(x.subarray(i * d, (i + 1) * d), ...dims));
  }
  if (kind === 'ssim') {
    const dims = imageDims(data.shape);
    if (!dims) throw new UserError(`score 'ssim' compares images; examples of shape [${data.shape}] are not images (use mse)`);
    const recon = reconstructDataset(model, data);
    const x = unitValues(data);
    const d = featureCount(data.shape);
    return Float64Array.from({ length: data.size }, (_, i) => 1 - ssim(x.subarray(i * d, (i + 1) * d), recon.subarray(i * d, (i + 1) * d), ...dims));
  }
  if (kind === 'ratio') throw noBackground();
  if (FITTED_SCORES.includes(kind)) throw new UserError(`score '${kind}' is relative to normal data: fit an AnomalyDetector (or pass --calibration) first`);
  if (kind === 'elbo') {
    if (!isLatentVariable(model)) throw new UserError(`score 'elbo' needs a VAE kind; this is a '${model.kind}' model (use mse, mae or bce)`);
    const rows = noise ?? RowNoise.of(SCORE_SEED, 0, data.size);
    const out = new Float64Array(data.size);
    for (let start = 0; start < data.size; start += 500) {
      const end = Math.min(start + 500, data.size);
      const total = tf.tidy(() => model.lossTerms(batchTensor(data, start, end, undefined, model.classes), rows.rows(start, end), false).total);
      out.set(total.dataSync(), start);
      total.dispose();
    }
    return out;
  }
  const d = featureCount(model.inputShape);
  const recon = reconstructDataset(model, data);
  const scale = data.values instanceof Uint8Array ? 1 / 255 : 1;
  const eps = 1e-7;
  const out = new Float64Array(data.size);
  for (let i = 0; i < data.size; i++) {
    let acc = 0;
    for (let j = i * d; j < (i + 1) * d; j++) {
      const x = data.values[j] * scale;
      const p = recon[j];
      if (kind === 'mse') acc += (x - p) ** 2;
      else if (kind === 'mae') acc += Math.abs(x - p);
      else {
        const q = Math.min(Math.max(p, eps), 1 - eps);
        acc -= x * Math.log(q) + (1 - x) * Math.log(1 - q);
      }
    }
    out[i] = acc / d;
  }
  return out;
}

export interface DetectorState {
  score: ScoreKind;
  threshold: Threshold;
  /** The fitted threshold value. */
  value: number;
  samples: number;
  /** zmse: each feature's mean squared error on the normal data. */
  featureScale?: number[];
  /** nap: the whitening of the hidden differences fitted on the normal data; latent: that of the codes. */
  nap?: NapState;
  /** knn: the normal data's codes. */
  knn?: KnnState;
}

/** The smallest per-feature error scale, relative to the largest: a feature reconstructed perfectly cannot divide by 0. */
const SCALE_FLOOR = 1e-6;

/** Each feature's mean of the squared errors [n, d] (featureErrors), floored at SCALE_FLOOR of the largest. */
function featureErrorScale(errors: Float32Array, d: number): Float64Array {
  const n = errors.length / d;
  const scale = new Float64Array(d);
  for (let i = 0; i < errors.length; i++) scale[i % d] += errors[i] / n;
  const floor = Math.max(...scale) * SCALE_FLOOR || 1e-12;
  return scale.map((v) => Math.max(v, floor));
}

/** Mean over features of squared error / the feature's scale, per example of the squared errors [n, d]. */
function standardizedErrors(errors: Float32Array, scale: ArrayLike<number>): Float64Array {
  const d = scale.length;
  const n = errors.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let j = 0; j < d; j++) acc += errors[i * d + j] / scale[j];
    out[i] = acc / d;
  }
  return out;
}

export interface DetectorOptions {
  score: ScoreKind;
  threshold: Threshold;
  /** Importance samples of the sampled scores (iw, ratio; default 1000). */
  samples?: number;
  /** ratio: the background model, trained on perturbed inputs (fit's `perturb`). */
  background?: AutoencoderModel;
}

export class AnomalyDetector {
  /** Scores of the data the detector was fitted on. */
  decisionScores: Float64Array = new Float64Array(0);
  /** Flag examples scoring above this. */
  threshold = NaN;
  /** zmse: the per-feature error scale fitted on normal data. */
  featureScale?: Float64Array;
  /** nap: the whitening fitted on normal data. */
  nap?: NapState;
  /** knn: the normal data's codes. */
  knn?: KnnState;

  constructor(readonly model: AutoencoderModel, readonly options: DetectorOptions) {
    if (options.score === 'ratio' && !options.background) throw noBackground();
  }

  /** Scores normal (training or calibration) data and fits the threshold on them. */
  fit(normal: Dataset): this {
    this.decisionScores = this.fitScores(normal);
    this.threshold = fitThreshold(this.decisionScores, this.options.threshold);
    return this;
  }

  /** Fits what a fitted score keeps, and returns the normal data's scores from the same features (computed once). */
  private fitScores(normal: Dataset): Float64Array {
    switch (this.options.score) {
      case 'zmse': {
        const errors = featureErrors(this.model, normal);
        this.featureScale = featureErrorScale(errors, featureCount(this.model.inputShape));
        return standardizedErrors(errors, this.featureScale);
      }
      case 'nap':
      case 'latent': {
        const { values, width } = this.options.score === 'nap' ? pathwayDifferences(this.model, normal) : latentFeatures(this.model, normal);
        this.nap = fitNap(values, width);
        return napScores(this.nap, values, width);
      }
      case 'knn': {
        const codes = encodeDataset(this.model, normal);
        this.knn = { k: KNN_NEIGHBOURS, codes: Array.from(codes) };
        return knnDistances(codes, codes, this.model.latentDim, KNN_NEIGHBOURS, true);
      }
      default:
        return this.score(normal);
    }
  }

  /** Scores of `data`, whose first row is row `firstRow` of the whole being scored (sampled scores draw per row). */
  score(data: Dataset, firstRow = 0): Float64Array {
    if (this.options.score === 'zmse') {
      check(this.featureScale, "score 'zmse' needs the detector fitted on normal data first");
      const d = featureCount(this.model.inputShape);
      check(this.featureScale.length === d, `the detector's ${this.featureScale.length} feature scales do not fit a model of ${d} features`);
      return standardizedErrors(featureErrors(this.model, data), this.featureScale);
    }
    if (this.options.score === 'nap') {
      check(this.nap, "score 'nap' needs the detector fitted on normal data first");
      const { values, width } = pathwayDifferences(this.model, data);
      return napScores(this.nap, values, width);
    }
    if (this.options.score === 'latent') {
      check(this.nap, "score 'latent' needs the detector fitted on normal data first");
      const { values, width } = latentFeatures(this.model, data);
      check(this.nap.mean.length === width, `this 'latent' detector holds a density of ${this.nap.mean.length} features, not the code's ${width - 2} and 2 reconstruction features (fitted by an earlier latentkit on codes alone); fit it again`);
      return napScores(this.nap, values, width);
    }
    if (this.options.score === 'knn') {
      check(this.knn, "score 'knn' needs the detector fitted on normal data first");
      check(this.knn.codes.length % this.model.latentDim === 0, `this 'knn' detector's codes do not have the model's ${this.model.latentDim} dimensions`);
      return knnDistances(this.knn.codes, encodeDataset(this.model, data), this.model.latentDim, this.knn.k);
    }
    if (this.options.score === 'ratio') {
      return likelihoodRatioScores(this.model, this.options.background!, data, { samples: this.options.samples ?? 1000, seed: SCORE_SEED, firstRow });
    }
    return anomalyScores(this.model, data, this.options.score, this.options.samples, RowNoise.of(SCORE_SEED, firstRow, data.size));
  }

  /** 1 for examples scoring above the threshold, else 0. */
  predict(data: Dataset, scores = this.score(data)): Uint8Array {
    check(Number.isFinite(this.threshold), 'fit the detector (or load a fitted one) before predicting');
    return Uint8Array.from(scores, (s) => (s > this.threshold ? 1 : 0));
  }

  toJSON(): DetectorState {
    return {
      score: this.options.score, threshold: this.options.threshold, value: this.threshold, samples: this.options.samples ?? 1000,
      ...(this.featureScale && { featureScale: Array.from(this.featureScale) }),
      ...(this.nap && { nap: this.nap }),
      ...(this.knn && { knn: this.knn }),
    };
  }

  /** A saved detector on its model (and, for the ratio score, its background model). */
  static fromJSON(model: AutoencoderModel, state: DetectorState, background?: AutoencoderModel): AnomalyDetector {
    const detector = new AnomalyDetector(model, { score: state.score, threshold: state.threshold, samples: state.samples, background });
    detector.threshold = state.value;
    if (state.featureScale) detector.featureScale = Float64Array.from(state.featureScale);
    if (state.nap) detector.nap = state.nap;
    if (state.knn) detector.knn = state.knn;
    return detector;
  }
}

/** Squared reconstruction error of every feature (pixel or CSV column), row-major [size, D]: where each example fails. */
export function featureErrors(model: AutoencoderModel, data: Dataset): Float32Array {
  check(featureCount(data.shape) === featureCount(model.inputShape), `${data.source}: examples of shape [${data.shape}] do not fit this model`);
  const recon = reconstructDataset(model, data);
  const scale = data.values instanceof Uint8Array ? 1 / 255 : 1;
  return Float32Array.from(recon, (p, i) => (data.values[i] * scale - p) ** 2);
}
