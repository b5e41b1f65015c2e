// Importance weighting for VAEs: log importance weights of posterior samples and the IWAE bound built from them
// (Burda, Grosse & Salakhutdinov 2016, "Importance Weighted Autoencoders", eq. 8).
import * as tf from '../backend/tfjs.js';
import { RowNoise, type Rng } from '../train/rng.js';
import { reparameterize } from './gaussian.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** What importance weighting needs from a VAE. */
export interface GaussianPosteriorModel {
  posterior(x: tf.Tensor2D, training?: boolean): { mu: tf.Tensor2D; logvar: tf.Tensor2D };
  reconstructionNll(x: tf.Tensor2D, z: tf.Tensor2D, training?: boolean): tf.Tensor1D;
}

export interface ImportanceWeights {
  /** log w = log p(x|z) + log p(z) − log q(z|x) for each sample and example, [k, batch]. */
  logWeights: tf.Tensor2D;
  /** −log p(x|z) for each sample and example, [k, batch]. */
  reconstruction: tf.Tensor2D;
}

/** k samples z ~ q(z|x) per example, by reparameterization with ε drawn from `rng`, and their log importance weights. */
export function importanceWeights(model: GaussianPosteriorModel, x: tf.Tensor2D, k: number, rng: Rng, training = false): ImportanceWeights {
  return tf.tidy(() => {
    const { mu, logvar } = model.posterior(x, training); // [batch, L]
    const [batch, latent] = mu.shape;
    // Per-row noise gives each row its own draws, sample-major as the tensor is laid out.
    const eps = tf.tensor3d(rng instanceof RowNoise ? rng.samples(k, latent) : rng.normals(k * batch * latent), [k, batch, latent]);
    const z = reparameterize(mu.expandDims(0), logvar.expandDims(0), eps); // [k, batch, L]
    const nll = model.reconstructionNll(tf.tile(x, [k, 1]), z.reshape([k * batch, latent]), training).reshape([k, batch]) as tf.Tensor2D;
    const logPz = z.square().add(LOG_2PI).sum(2).mul(-0.5); // log N(z; 0, I)
    const logQz = eps.square().add(logvar).add(LOG_2PI).sum(2).mul(-0.5); // log N(z; μ, σ²) at z = μ + σε
    return { logWeights: nll.neg().add(logPz).sub(logQz) as tf.Tensor2D, reconstruction: nll };
  });
}

/** log((1/k) Σ_i exp(a_i)) over axis 0, computed from the maximum so that no exponential overflows. */
export function logMeanExp(a: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const m = a.max(0);
    return m.add(tf.log(tf.exp(a.sub(m)).mean(0))) as tf.Tensor1D;
  });
}
