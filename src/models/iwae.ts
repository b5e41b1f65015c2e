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
   * Training: total = −L_k = −log((1/k) Σ_i w_i) per example; reconstruction = the mean −log p(x|z_i) over the samples;
   * kl = total − reconstruction (what the bound adds). Evaluation: the plain −ELBO, comparable across kinds.
   */
  override lossTerms(x: tf.Tensor2D, rng: Rng, training: boolean): LossTensors {
    if (!training) return super.lossTerms(x, rng, training);
    return tf.tidy(() => {
      const { logWeights, reconstruction: nll } = importanceWeights(this, x, this.config.samples, rng, training);
      const total = logMeanExp(logWeights).neg() as tf.Tensor1D;
      const reconstruction = nll.mean(0) as tf.Tensor1D;
      return { total, reconstruction, kl: total.sub(reconstruction) as tf.Tensor1D };
    });
  }
}

export function createIwae(config: IwaeConfig, parts: ModelParts = {}): Iwae {
  const { encoder, decoder } = denseVaeNetworks(config, parts);
  return new Iwae(config, encoder, decoder);
}
