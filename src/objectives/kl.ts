// KL divergence of the diagonal Gaussian posterior q(z|x) from the standard normal prior.
import * as tf from '../backend/tfjs.js';

/**
 * KL(N(μ, diag(exp(logvar))) ‖ N(0, I)) = −½ Σ_d (1 + logvar_d − μ_d² − exp(logvar_d)), per example.
 * Kingma & Welling 2014, "Auto-Encoding Variational Bayes", Appendix B.
 */
export function gaussianKl(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.scalar(1).add(logvar).sub(mu.square()).sub(tf.exp(logvar)).sum(1).mul(-0.5) as tf.Tensor1D);
}
