// IWAE: the VAE trained on the importance-weighted bound with k samples (Burda, Grosse & Salakhutdinov 2016).
import * as tf from '../backend/tfjs.js';
import { importanceWeights, logMeanExp } from '../objectives/iwae.js';
import type { Rng } from '../train/rng.js';
import { denseVaeNetworks, REFERENCE_VAE, VariationalAutoencoder, type VaeConfig } from './vae.js';
import type { LossTensors, ModelParts } from './types.js';

export type IwaeConfig = Omit<VaeConfig, 'kind'> & {
  kind: 'iwae';
  /** Importance samples per example in the training objective; k = 1 is the VAE. */
  samples: number;
};

export const IWAE: Omit<IwaeConfig, 'inputShape'> = { ...REFERENCE_VAE, kind: 'iwae', samples: 5 };

export class Iwae extends VariationalAutoencoder {
  declare readonly config: IwaeConfig;

  /**
   * Training: total = −L_k = −log((1/k) Σ_i w_i) per example (what is minimised); reconstruction and kl are the
   * −ELBO's two terms estimated on the same k samples — the mean of −log p(x|z_i) and of log q(z_i|x) − log p(z_i).
   * Their sum is the k-sample −ELBO, which the bound is tighter than (total ≤ reconstruction + kl, by Jensen).
   * Evaluation: the plain −ELBO, comparable across kinds.
   */
  override lossTerms(x: tf.Tensor2D, rng: Rng, training: boolean): LossTensors {
    if (!training) return super.lossTerms(x, rng, training);
    return tf.tidy(() => {
      const { logWeights, reconstruction: nll } = importanceWeights(this, x, this.config.samples, rng, training);
      const total = logMeanExp(logWeights).neg() as tf.Tensor1D;
      const reconstruction = nll.mean(0) as tf.Tensor1D;
      // log w = −nll + log p(z) − log q(z|x), so log q − log p = −log w − nll.
      const kl = logWeights.neg().sub(nll).mean(0) as tf.Tensor1D;
      return { total, reconstruction, kl };
    });
  }
}

export function createIwae(config: IwaeConfig, parts: ModelParts = {}): Iwae {
  const { encoder, decoder } = denseVaeNetworks(config, parts);
  return new Iwae(config, encoder, decoder);
}
