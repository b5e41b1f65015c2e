// The diagonal Gaussian posterior q(z|x) = N(μ, diag(exp(logvar))) against the standard normal prior, in one place:
// the logvar clamp, the reparameterized sample, the KL (per dimension and per example), and the choice between the
// backend's fused kernel (sample and KL in one pass, with its registered gradient) and the composite of tfjs ops.
// Every VAE kind, β-VAE's free bits and the IWAE bound draw their z here.
import * as tf from '../backend/tfjs.js';
import { FUSED, hasKernel } from '../backend/fused.js';

/** Range that logvar is clamped to before use, so that one bad batch cannot turn exp(logvar) into inf or 0. */
export const LOGVAR_RANGE = { min: -20, max: 10 } as const;

export function clampLogvar(logvar: tf.Tensor2D): tf.Tensor2D {
  return tf.clipByValue(logvar, LOGVAR_RANGE.min, LOGVAR_RANGE.max);
}

/** z = μ + exp(½·logvar) · ε with ε ~ N(0, I) given (Kingma & Welling 2014, eq. 10); any rank (IWAE's [k, batch, L]). */
export function reparameterize<T extends tf.Tensor>(mu: T, logvar: T, epsilon: T): T {
  return tf.tidy(() => mu.add(tf.exp(logvar.mul(0.5)).mul(epsilon)) as T);
}

/** KL(N(μ_d, exp(logvar_d)) ‖ N(0, 1)) = ½ (exp(logvar_d) + μ_d² − 1 − logvar_d) for each dimension: [batch, L]. */
export function gaussianKlPerDim(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.exp(logvar).add(mu.square()).sub(1).sub(logvar).mul(0.5) as tf.Tensor2D);
}

/**
 * KL(N(μ, diag(exp(logvar))) ‖ N(0, I)) = −½ Σ_d (1 + logvar_d − μ_d² − exp(logvar_d)), per example.
 * Kingma & Welling 2014, "Auto-Encoding Variational Bayes", Appendix B.
 */
export function gaussianKl(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => gaussianKlPerDim(mu, logvar).sum(1) as tf.Tensor1D);
}

/**
 * A sample z of q(z|x) and its KL per example, from μ and the unclamped logvar of an encoder: the backend's fused
 * kernel when it has one, else the composite. `perDim` also returns the KL of each dimension (β-VAE's free bits),
 * which the composite gives.
 */
export function sampleGaussian(mu: tf.Tensor2D, rawLogvar: tf.Tensor2D, epsilon: tf.Tensor2D, perDim = false): { z: tf.Tensor2D; kl: tf.Tensor1D; klPerDim?: tf.Tensor2D } {
  if (!perDim && hasKernel(FUSED.gaussianHead)) {
    const [z, kl] = tf.engine().runKernel(FUSED.gaussianHead, { mu, logvar: rawLogvar, eps: epsilon }, { min: LOGVAR_RANGE.min, max: LOGVAR_RANGE.max }) as tf.Tensor[];
    return { z: z as tf.Tensor2D, kl: kl as tf.Tensor1D };
  }
  return tf.tidy(() => {
    const logvar = clampLogvar(rawLogvar);
    const klPerDim = gaussianKlPerDim(mu, logvar);
    return { z: reparameterize(mu, logvar, epsilon), kl: klPerDim.sum(1) as tf.Tensor1D, ...(perDim && { klPerDim }) };
  });
}
