// The perturbed inputs a likelihood-ratio background model trains on (Ren et al., NeurIPS 2019, section 3): each
// feature, with a small probability, replaced by a uniform draw, so that the model learns only population statistics.
import * as tf from '../backend/tfjs.js';
import type { Dataset } from '../data/dataset.js';
import { check } from '../errors.js';
import type { Rng } from './rng.js';

/** Refuses a perturbation rate outside [0, 1). */
export function checkPerturbRate(rate: number): void {
  check(rate >= 0 && rate < 1, `the perturbation rate must be in [0, 1), got ${rate}`);
}

/** The values a replaced feature is drawn from: uniform on [lo, hi], or on `levels` evenly spaced values there. */
export interface PerturbRange {
  lo: number;
  hi: number;
  /** Images of uint8 pixels: 256 levels on [0, 1], as the paper draws "from the set of possible values". */
  levels?: number;
}

/** The range of a dataset's values, as its batches hand them to a model (uint8 pixels scaled to [0, 1]). */
export function perturbRangeOf(data: Dataset): PerturbRange {
  if (data.values instanceof Uint8Array) return { lo: 0, hi: 1, levels: 256 };
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.values.length; i++) {
    const v = data.values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, hi };
}

/**
 * x [batch, D] with each feature, independently with probability `rate` (the paper's mutation rate μ), replaced by a
 * uniform draw from `range` (Ren et al. 2019, section 3: the background model's training inputs).
 */
export function perturb(x: tf.Tensor2D, rate: number, range: PerturbRange, rng: Rng): tf.Tensor2D {
  checkPerturbRate(rate);
  const keep = new Float32Array(x.size);
  const drawn = new Float32Array(x.size);
  const { lo, hi, levels } = range;
  for (let i = 0; i < keep.length; i++) {
    if (rng.next() >= rate) {
      keep[i] = 1;
      continue;
    }
    const u = rng.next();
    drawn[i] = levels ? lo + ((hi - lo) * Math.min(Math.floor(u * levels), levels - 1)) / (levels - 1) : lo + (hi - lo) * u;
  }
  return tf.tidy(() => x.mul(tf.tensor2d(keep, x.shape)).add(tf.tensor2d(drawn, x.shape)) as tf.Tensor2D);
}
