// RaPP's normalised aggregation along the projection pathway (Kim et al., ICLR 2020, "RaPP: Novelty detection with
// reconstruction along projection pathway"): an input x and its reconstruction x̂ are both passed through the encoder,
// and the differences of their activations at each hidden layer, h_l(x) − h_l(x̂), are concatenated; on normal data
// these differences are centred and whitened (their mean and covariance, with a small ridge), and the score of a new
// example is the squared length of its whitened difference — a Mahalanobis distance in the space of hidden
// reconstruction errors. The pathway is the encoder's Dense layers (their outputs are flat; convolutions are skipped).
import * as tf from '../backend/tfjs.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchTensor, type Dataset } from '../data/dataset.js';
import { toModelInput } from '../layers/shapes.js';
import { check, UserError } from '../errors.js';
import { isConditional, type AutoencoderModel } from '../models/types.js';

/** The whitening fitted on normal data: the differences' mean [D] and the inverse of their covariance [D, D]. */
export interface NapState {
  mean: number[];
  precision: number[];
}

/** The pathway wider than this is refused (its covariance would be too large to fit and store). */
const MAX_PATHWAY = 2048;
/** The ridge added to the covariance's diagonal, relative to its mean variance. */
const RIDGE = 1e-3;

const pathways = new WeakMap<tfl.LayersModel, tfl.LayersModel>();

/** A model with the encoder's input and the outputs of its Dense layers. */
function pathwayOf(model: AutoencoderModel): tfl.LayersModel {
  const encoder = model.encoder;
  const cached = pathways.get(encoder);
  if (cached) return cached;
  const layers = encoder.layers.filter((l) => l.getClassName() === 'Dense' && (l.output as tfl.SymbolicTensor).shape.length === 2);
  if (layers.length === 0) throw new UserError(`score 'nap' reads the encoder's Dense layers; this '${model.kind}' encoder has none`);
  const width = layers.reduce((n, l) => n + ((l.output as tfl.SymbolicTensor).shape[1] as number), 0);
  if (width > MAX_PATHWAY) throw new UserError(`score 'nap': the encoder's Dense layers hold ${width} units, more than ${MAX_PATHWAY}`);
  const pathway = tfl.model({ inputs: encoder.inputs, outputs: layers.map((l) => l.output as tfl.SymbolicTensor) });
  pathways.set(encoder, pathway);
  return pathway;
}

/** h(x) − h(x̂) for every example, concatenated over the pathway's layers: [size, width] row-major. */
export function pathwayDifferences(model: AutoencoderModel, data: Dataset): { values: Float32Array; width: number } {
  if (isConditional(model)) throw new UserError(`score 'nap' is not available for conditional models ('${model.kind}')`);
  const pathway = pathwayOf(model);
  const width = pathway.outputs.reduce((n, o) => n + (o.shape[1] as number), 0);
  const values = new Float32Array(data.size * width);
  for (let start = 0; start < data.size; start += 500) {
    const end = Math.min(start + 500, data.size);
    const diff = tf.tidy(() => {
      const x = batchTensor(data, start, end);
      const xHat = model.decode(model.encode(x));
      const a = [pathway.predict(toModelInput(x, model.encoder))].flat() as tf.Tensor[];
      const b = [pathway.predict(toModelInput(xHat, model.encoder))].flat() as tf.Tensor[];
      return tf.concat(a.map((t, i) => t.sub(b[i])), 1);
    });
    values.set(diff.dataSync() as Float32Array, start * width);
    diff.dispose();
  }
  return { values, width };
}

/** The inverse of a symmetric positive-definite matrix [n, n] (Cholesky: A = LLᵀ, then A⁻¹ = L⁻ᵀL⁻¹). */
export function inverseSpd(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        check(s > 0, 'the covariance of the hidden differences is not positive definite');
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j];
    }
  }
  // L⁻¹ by forward substitution, column by column.
  const li = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    for (let i = c; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= l[i * n + k] * li[k * n + c];
      li[i * n + c] = s / l[i * n + i];
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += li[k * n + i] * li[k * n + j];
      inv[i * n + j] = s;
      inv[j * n + i] = s;
    }
  }
  return inv;
}

/** The whitening of the hidden differences of normal data [n, width]. */
export function fitNap(values: Float32Array, width: number): NapState {
  const n = values.length / width;
  check(n > 1, "score 'nap' needs at least two normal examples to fit on");
  const mean = new Float64Array(width);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) mean[j] += values[i * width + j] / n;
  const cov = new Float64Array(width * width);
  const centred = new Float64Array(width);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < width; j++) centred[j] = values[i * width + j] - mean[j];
    for (let a = 0; a < width; a++) {
      const ca = centred[a] / n;
      if (ca === 0) continue;
      for (let b = 0; b <= a; b++) cov[a * width + b] += ca * centred[b];
    }
  }
  let trace = 0;
  for (let a = 0; a < width; a++) {
    for (let b = 0; b < a; b++) cov[b * width + a] = cov[a * width + b];
    trace += cov[a * width + a];
  }
  const ridge = RIDGE * (trace / width) + 1e-9;
  for (let a = 0; a < width; a++) cov[a * width + a] += ridge;
  return { mean: Array.from(mean), precision: Array.from(inverseSpd(cov, width)) };
}

/** Rows scored per product: bounds the temporary [rows, width] tensors. */
const SCORE_ROWS = 2048;

/** (d − μ)ᵀ Σ⁻¹ (d − μ) for each row of the differences [n, width], as one matrix product per block of rows. */
export function napScores(state: NapState, values: Float32Array, width: number): Float64Array {
  check(state.mean.length === width && state.precision.length === width * width,
    `the detector's pathway has ${state.mean.length} units; this model's has ${width}`);
  const n = values.length / width;
  const out = new Float64Array(n);
  const mean = tf.tensor1d(state.mean);
  const precision = tf.tensor2d(state.precision, [width, width]);
  for (let start = 0; start < n; start += SCORE_ROWS) {
    const end = Math.min(start + SCORE_ROWS, n);
    const scores = tf.tidy(() => {
      const r = tf.tensor2d(values.subarray(start * width, end * width), [end - start, width]).sub(mean); // [rows, width]
      return r.matMul(precision).mul(r).sum(1); // [rows]
    });
    out.set(scores.dataSync(), start);
    scores.dispose();
  }
  tf.dispose([mean, precision]);
  return out;
}
