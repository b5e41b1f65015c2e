// The reparameterization trick: a sample from q(z|x) that is differentiable in μ and logvar.
import * as tf from '../backend/tfjs.js';

/** Range that logvar is clamped to before use, so that one bad batch cannot turn exp(logvar) into inf or 0. */
export const LOGVAR_RANGE = { min: -20, max: 10 } as const;

export function clampLogvar(logvar: tf.Tensor2D): tf.Tensor2D {
  return tf.clipByValue(logvar, LOGVAR_RANGE.min, LOGVAR_RANGE.max);
}

/** z = μ + exp(½·logvar) · ε with ε ~ N(0, I) given (Kingma & Welling 2014, eq. 10). */
export function reparameterize(mu: tf.Tensor2D, logvar: tf.Tensor2D, epsilon: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => mu.add(tf.exp(logvar.mul(0.5)).mul(epsilon)));
}
