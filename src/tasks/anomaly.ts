// Anomaly detection with a trained model: per-example scores, thresholds fitted on normal data, 0/1 flags.
// The fit → decisionScores / threshold → predict shape follows PyOD's detectors.
import * as tf from '../backend/tfjs.js';
import { batchTensor, featureCount, type Dataset } from '../data/dataset.js';
import { check, UserError } from '../errors.js';
import type { AutoencoderModel } from '../models/types.js';
import { Rng } from '../train/rng.js';
import { reconstructDataset } from './latent.js';
import { importanceSampledNll } from './likelihood.js';

/** mse / mae / bce: reconstruction error per example (means over features); elbo: −ELBO; iw: importance-sampled −log p(x). */
export type ScoreKind = 'mse' | 'mae' | 'bce' | 'elbo' | 'iw';
export const SCORE_KINDS: readonly ScoreKind[] = ['mse', 'mae', 'bce', 'elbo', 'iw'];

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

/** The seed of the noise that sampled scores draw, so that scoring the same data twice gives the same scores. */
export const SCORE_SEED = 12345;

/** One score per example of `data`; higher means more anomalous. `noise` replaces the ELBO's seeded draws of ε. */
export function anomalyScores(model: AutoencoderModel, data: Dataset, kind: ScoreKind, samples = 1000, noise?: Rng): Float64Array {
  check(featureCount(data.shape) === featureCount(model.inputShape), `${data.source}: examples of shape [${data.shape}] do not fit this model`);
  if (kind === 'iw') return importanceSampledNll(model, data, { samples });
  if (kind === 'elbo') {
    if (!model.variational) throw new UserError(`score 'elbo' needs a VAE kind; this is a '${model.kind}' model (use mse, mae or bce)`);
    const rng = noise ?? new Rng(SCORE_SEED);
    const out = new Float64Array(data.size);
    for (let start = 0; start < data.size; start += 500) {
      const end = Math.min(start + 500, data.size);
      const total = tf.tidy(() => model.lossTerms(batchTensor(data, start, end, undefined, model.classes), rng, false).total);
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
}

export class AnomalyDetector {
  /** Scores of the data the detector was fitted on. */
  decisionScores: Float64Array = new Float64Array(0);
  /** Flag examples scoring above this. */
  threshold = NaN;

  constructor(readonly model: AutoencoderModel, readonly options: { score: ScoreKind; threshold: Threshold; samples?: number }) {}

  /** Scores normal (training or calibration) data and fits the threshold on them. */
  fit(normal: Dataset): this {
    this.decisionScores = this.score(normal);
    this.threshold = fitThreshold(this.decisionScores, this.options.threshold);
    return this;
  }

  score(data: Dataset): Float64Array {
    return anomalyScores(this.model, data, this.options.score, this.options.samples);
  }

  /** 1 for examples scoring above the threshold, else 0. */
  predict(data: Dataset, scores = this.score(data)): Uint8Array {
    check(Number.isFinite(this.threshold), 'fit the detector (or load a fitted one) before predicting');
    return Uint8Array.from(scores, (s) => (s > this.threshold ? 1 : 0));
  }

  toJSON(): DetectorState {
    return { score: this.options.score, threshold: this.options.threshold, value: this.threshold, samples: this.options.samples ?? 1000 };
  }

  static fromJSON(model: AutoencoderModel, state: DetectorState): AnomalyDetector {
    const detector = new AnomalyDetector(model, { score: state.score, threshold: state.threshold, samples: state.samples });
    detector.threshold = state.value;
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
