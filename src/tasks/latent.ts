// What users do with a trained model: codes, reconstructions, samples from the prior, interpolations.
import * as tf from '../backend/tfjs.js';
import { batchTensor, checkLabels, featureCount, type Dataset } from '../data/dataset.js';
import { check, UserError } from '../errors.js';
import { hasPrior, type AutoencoderModel } from '../models/types.js';
import { Rng } from '../train/rng.js';
import { corrupt, type NoiseKind } from '../models/denoising.js';

/**
 * Runs `fn` over the dataset in batches and concatenates its [batch, k] outputs into one row-major array. Batches
 * carry one-hot labels when `classes` is given (conditional models).
 */
function mapBatches(data: Dataset, width: number, fn: (x: tf.Tensor2D) => tf.Tensor2D, classes?: number, batchSize = 500): Float32Array {
  const out = new Float32Array(data.size * width);
  for (let start = 0; start < data.size; start += batchSize) {
    const end = Math.min(start + batchSize, data.size);
    const y = tf.tidy(() => fn(batchTensor(data, start, end, undefined, classes)));
    out.set(y.dataSync(), start * width);
    y.dispose();
  }
  return out;
}

function checkFits(model: AutoencoderModel, data: Dataset): void {
  check(featureCount(data.shape) === featureCount(model.inputShape),
    `${data.source}: examples of shape [${data.shape}] do not fit this model, which takes [${model.inputShape}]`);
  if (model.classes) checkLabels(data, model.classes);
}

/** The one-hot rows [n, classes] of `label`, for decoding codes of a conditional model. */
function oneHotRows(model: AutoencoderModel, n: number, label: number | undefined): Float32Array {
  const classes = model.classes!;
  check(label !== undefined, `a conditional model ('${model.kind}') needs a label to decode: give one in 0..${classes - 1} (--label)`);
  check(Number.isInteger(label) && label >= 0 && label < classes, `label ${label} is outside the model's classes 0..${classes - 1}`);
  const rows = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) rows[i * classes + label] = 1;
  return rows;
}

/** Reconstructions of a batch: decode(encode(x)), the label one-hot carried from input to code for conditional models. */
function reconstructBatch(model: AutoencoderModel, x: tf.Tensor2D): tf.Tensor2D {
  const z = model.encode(x);
  if (!model.classes) return model.decode(z);
  const labels = x.slice([0, x.shape[1] - model.classes], [-1, model.classes]);
  return model.decode(tf.concat([z, labels], 1));
}

/** Codes of every example (the posterior mean for a VAE), row-major [size, latentDim]. */
export function encodeDataset(model: AutoencoderModel, data: Dataset): Float32Array {
  checkFits(model, data);
  return mapBatches(data, model.latentDim, (x) => model.encode(x), model.classes);
}

/** Mean reconstructions of every example, row-major [size, D]. */
export function reconstructDataset(model: AutoencoderModel, data: Dataset): Float32Array {
  checkFits(model, data);
  return mapBatches(data, featureCount(model.inputShape), (x) => reconstructBatch(model, x), model.classes);
}

/** Decodes codes given row-major [n, latentDim]; conditional models decode them as examples of class `label`. */
export function decodeCodes(model: AutoencoderModel, codes: Float32Array, label?: number): Float32Array {
  const k = model.latentDim;
  check(codes.length % k === 0, `${codes.length} values are not whole codes of size ${k}`);
  const n = codes.length / k;
  return tf.tidy(() => {
    let z = tf.tensor2d(codes, [n, k]);
    if (model.classes) z = tf.concat([z, tf.tensor2d(oneHotRows(model, n, label), [n, model.classes])], 1);
    return model.decode(z).dataSync() as Float32Array;
  });
}

export interface SampleOptions {
  /** Seed of the draws; without one each call draws fresh samples. */
  seed?: number;
  /** Conditional models: the class to decode. */
  label?: number;
  /** The prior at temperature T (1: the prior itself; lower trades variety for typical samples). */
  temperature?: number;
}

/** `n` codes from the model's prior (a VAE's N(0, T²·I), a VQ-VAE's categorical) and the examples they decode to. */
export function drawFromPrior(model: AutoencoderModel, n: number, options: SampleOptions = {}): { codes: Float32Array; outputs: Float32Array } {
  const { seed = Math.floor(Math.random() * 2 ** 32), label, temperature = 1 } = options;
  if (!hasPrior(model)) throw new UserError(`sampling from the prior needs a model with a prior (the VAE kinds, vq-vae); this run is a '${model.kind}' model (fit a Gaussian mixture on its codes instead: sample --sampler gmm:10 --data …)`);
  check(Number.isInteger(n) && n > 0, `number of samples must be a positive integer, got ${n}`);
  check(Number.isFinite(temperature) && temperature >= 0, `temperature must be a non-negative number, got ${temperature}`);
  const codes = model.samplePriorCodes(n, new Rng(seed), temperature);
  return { codes, outputs: decodeCodes(model, codes, label) };
}

/** `n` new examples decoded from the model's prior (of class `label` for a conditional model), [n, D]. */
export function samplePrior(model: AutoencoderModel, n: number, options: SampleOptions = {}): Float32Array {
  return drawFromPrior(model, n, options).outputs;
}

/** `n` codes z ~ N(0, T²·I) [n, latentDim], the ones samplePrior decodes for the same seed. */
export function priorCodes(latentDim: number, n: number, seed = 1, temperature = 1): Float32Array {
  return new Rng(seed).normals(n * latentDim).map((z) => z * temperature);
}

/**
 * Codes on the great circle from a to b (spherical interpolation, Shoemake 1985; White 2016 for latent spaces):
 * sin((1−t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b, with Ω the angle between them; straight line when they are parallel.
 */
export function slerpCodes(a: Float32Array, b: Float32Array, steps: number): Float32Array {
  check(a.length === b.length, 'codes to interpolate must have the same size');
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let j = 0; j < a.length; j++) {
    dot += a[j] * b[j];
    na += a[j] * a[j];
    nb += b[j] * b[j];
  }
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb || 1))));
  if (Math.sin(omega) < 1e-6) return lerpCodes(a, b, steps);
  check(Number.isInteger(steps) && steps >= 2, `interpolation needs at least 2 steps, got ${steps}`);
  const out = new Float32Array(steps * a.length);
  for (let s = 0; s < steps; s++) {
    const t = s / (steps - 1);
    const wa = Math.sin((1 - t) * omega) / Math.sin(omega);
    const wb = Math.sin(t * omega) / Math.sin(omega);
    for (let j = 0; j < a.length; j++) out[s * a.length + j] = wa * a[j] + wb * b[j];
  }
  return out;
}

/** Codes varying one dimension at a time around `base`: row d holds `steps` values of z_d from −range to +range. */
export function traverseCodes(base: Float32Array, dims: number[], range: number, steps: number): Float32Array {
  check(Number.isInteger(steps) && steps >= 2, `a traversal needs at least 2 steps, got ${steps}`);
  for (const d of dims) check(Number.isInteger(d) && d >= 0 && d < base.length, `latent dimension ${d} is out of range 0..${base.length - 1}`);
  const out = new Float32Array(dims.length * steps * base.length);
  dims.forEach((d, row) => {
    for (let s = 0; s < steps; s++) {
      const code = out.subarray((row * steps + s) * base.length, (row * steps + s + 1) * base.length);
      code.set(base);
      code[d] = -range + (2 * range * s) / (steps - 1);
    }
  });
  return out;
}

/** Codes on the straight line from code a to code b (both ends included), row-major [steps, latentDim]. */
export function lerpCodes(a: Float32Array, b: Float32Array, steps: number): Float32Array {
  check(a.length === b.length, 'codes to interpolate must have the same size');
  check(Number.isInteger(steps) && steps >= 2, `interpolation needs at least 2 steps, got ${steps}`);
  const out = new Float32Array(steps * a.length);
  for (let s = 0; s < steps; s++) {
    const t = s / (steps - 1);
    for (let j = 0; j < a.length; j++) out[s * a.length + j] = (1 - t) * a[j] + t * b[j];
  }
  return out;
}

/** Decoded points between the codes of examples `a` and `b` of `data` (linear or spherical), row-major [steps, D]. */
export function interpolate(model: AutoencoderModel, data: Dataset, a: number, b: number, steps: number, path: 'linear' | 'spherical' = 'linear'): Float32Array {
  checkFits(model, data);
  for (const i of [a, b]) check(Number.isInteger(i) && i >= 0 && i < data.size, `example ${i} is out of range 0..${data.size - 1} of ${data.source}`);
  const rows = (i: number) => batchTensor(data, i, i + 1, undefined, model.classes);
  const codes = tf.tidy(() => model.encode(tf.concat([rows(a), rows(b)])).dataSync() as Float32Array);
  const k = model.latentDim;
  const line = path === 'spherical' ? slerpCodes : lerpCodes;
  return decodeCodes(model, line(codes.subarray(0, k), codes.subarray(k), steps), data.labels?.[a]);
}

export { ACTIVE_UNIT_THRESHOLD, countActiveUnits } from '../train/diagnostics.js';

/** Corrupts every example (when a noise is given) and reconstructs it: the corrupted rows and the denoised rows. */
export function denoiseDataset(model: AutoencoderModel, data: Dataset, noise?: { kind: NoiseKind; level: number; seed: number }): { corrupted: Float32Array; denoised: Float32Array } {
  checkFits(model, data);
  if (model.classes) throw new UserError(`denoise does not support conditional models ('${model.kind}')`);
  const d = featureCount(model.inputShape);
  const rng = new Rng(noise?.seed ?? 1);
  const corrupted = mapBatches(data, d, (x) => (noise ? corrupt(x, noise.kind, noise.level, rng) : x.clone()));
  const denoised = new Float32Array(corrupted.length);
  for (let start = 0; start < data.size; start += 500) {
    const end = Math.min(start + 500, data.size);
    const y = tf.tidy(() => model.decode(model.encode(tf.tensor2d(corrupted.subarray(start * d, end * d), [end - start, d]))));
    denoised.set(y.dataSync(), start * d);
    y.dispose();
  }
  return { corrupted, denoised };
}

/** Reconstruction errors of sequence windows: the mean squared error per window and per time step. */
export function sequenceErrors(model: AutoencoderModel, data: Dataset): { perWindow: Float64Array; perStep: Float64Array; steps: number } {
  check(model.inputShape.length === 2, `per-step errors need windows [time steps, features]; this model takes [${model.inputShape}]`);
  const [steps, features] = model.inputShape;
  const recon = reconstructDataset(model, data);
  const perWindow = new Float64Array(data.size);
  const perStep = new Float64Array(data.size * steps);
  const scale = data.values instanceof Uint8Array ? 1 / 255 : 1;
  for (let w = 0; w < data.size; w++) {
    for (let t = 0; t < steps; t++) {
      let sq = 0;
      for (let f = 0; f < features; f++) {
        const i = (w * steps + t) * features + f;
        sq += (data.values[i] * scale - recon[i]) ** 2;
      }
      perStep[w * steps + t] = sq / features;
      perWindow[w] += sq / (features * steps);
    }
  }
  return { perWindow, perStep, steps };
}

/** Codes on a square grid over [−range, range]² for a 2-D latent space, rows from the top (z1 = +range) down. */
export function manifoldCodes(steps: number, range: number): Float32Array {
  check(Number.isInteger(steps) && steps >= 2, `a manifold grid needs at least 2 steps, got ${steps}`);
  const out = new Float32Array(steps * steps * 2);
  for (let r = 0; r < steps; r++) {
    for (let c = 0; c < steps; c++) {
      out[(r * steps + c) * 2] = -range + (2 * range * c) / (steps - 1);
      out[(r * steps + c) * 2 + 1] = range - (2 * range * r) / (steps - 1);
    }
  }
  return out;
}
