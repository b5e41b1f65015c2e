// Denoising and sparse autoencoders: the autoencoder with corrupted inputs (clean targets), or with a sparsity penalty.
import * as tf from '../backend/tfjs.js';
import type { Rng } from '../train/rng.js';
import { Autoencoder, CLASSIC_AUTOENCODER, denseAutoencoderNetworks, type AutoencoderConfig } from './autoencoder.js';
import type { LossTensors, ModelParts } from './types.js';

import type { NoiseKind, SparsityKind } from './choices.js';

export { NOISE_KINDS, SPARSITY_KINDS, type NoiseKind, type SparsityKind } from './choices.js';

export type DenoisingAutoencoderConfig = Omit<AutoencoderConfig, 'kind'> & {
  kind: 'denoising-ae';
  /** gaussian: x + N(0, level²) per feature; masking: each feature set to 0 with probability level (Vincent et al. 2008). */
  noise: NoiseKind;
  noiseLevel: number;
};

export const DENOISING_AUTOENCODER: Omit<DenoisingAutoencoderConfig, 'inputShape'> = {
  ...CLASSIC_AUTOENCODER, kind: 'denoising-ae', hiddenUnits: [256], latentDim: 64, loss: 'bce', noise: 'masking', noiseLevel: 0.3,
};

/** A corrupted copy of x [batch, D]; x itself is never changed. */
export function corrupt(x: tf.Tensor2D, noise: NoiseKind, level: number, rng: Rng): tf.Tensor2D {
  return tf.tidy(() => {
    if (noise === 'gaussian') return x.add(tf.tensor2d(rng.normals(x.size), x.shape).mul(level)) as tf.Tensor2D;
    const keep = new Float32Array(x.size);
    for (let i = 0; i < keep.length; i++) keep[i] = rng.next() < level ? 0 : 1;
    return x.mul(tf.tensor2d(keep, x.shape)) as tf.Tensor2D;
  });
}

export class DenoisingAutoencoder extends Autoencoder {
  declare readonly config: DenoisingAutoencoderConfig;

  /** Training reconstructs corrupted inputs against the clean ones; evaluation scores clean inputs. */
  override lossTerms(x: tf.Tensor2D, rng: Rng, training: boolean): LossTensors {
    if (!training) return super.lossTerms(x, rng, training);
    return tf.tidy(() => {
      const noisy = corrupt(x, this.config.noise, this.config.noiseLevel, rng);
      const reconstruction = this.reconstructionLoss(this.forward(noisy, training).reconstruction, x);
      return { total: reconstruction, reconstruction, kl: tf.zerosLike(reconstruction) };
    });
  }
}


export type SparseAutoencoderConfig = Omit<AutoencoderConfig, 'kind'> & {
  kind: 'sparse-ae';
  /** l1: weight · Σ_j |h_j| per example; kl: weight · Σ_j KL(ρ ‖ ρ̂_j), ρ̂_j the batch-mean activation of code unit j. */
  sparsity: SparsityKind;
  sparsityWeight: number;
  /** kl: the target mean activation ρ (codes must lie in (0, 1): use a sigmoid code). */
  sparsityTarget: number;
};

export const SPARSE_AUTOENCODER: Omit<SparseAutoencoderConfig, 'inputShape'> = {
  ...CLASSIC_AUTOENCODER, kind: 'sparse-ae', hiddenUnits: [256], latentDim: 64, latentActivation: 'sigmoid', loss: 'bce',
  sparsity: 'kl', sparsityWeight: 0.1, sparsityTarget: 0.05,
};

/** The sparsity penalty per example for codes h [batch, k] (the KL form is a batch quantity, shared by every row). */
export function sparsityPenalty(code: tf.Tensor2D, config: Pick<SparseAutoencoderConfig, 'sparsity' | 'sparsityWeight' | 'sparsityTarget'>): tf.Tensor1D {
  return tf.tidy(() => {
    if (config.sparsity === 'l1') return tf.abs(code).sum(1).mul(config.sparsityWeight) as tf.Tensor1D;
    const rho = config.sparsityTarget;
    const rhoHat = tf.clipByValue(code.mean(0), 1e-6, 1 - 1e-6); // [k]
    // KL(ρ ‖ ρ̂) = ρ log(ρ/ρ̂) + (1 − ρ) log((1 − ρ)/(1 − ρ̂)) (Ng, "Sparse autoencoder" lecture notes, 2011)
    const kl = tf.log(rhoHat).mul(-rho).add(tf.log1p(rhoHat.neg()).mul(-(1 - rho))).add(rho * Math.log(rho) + (1 - rho) * Math.log(1 - rho));
    return kl.sum().mul(config.sparsityWeight).broadcastTo([code.shape[0]]) as tf.Tensor1D;
  });
}

export class SparseAutoencoder extends Autoencoder {
  declare readonly config: SparseAutoencoderConfig;

  override lossTerms(x: tf.Tensor2D, _rng: Rng, training: boolean): LossTensors {
    return tf.tidy(() => {
      const { code, reconstruction: xHat } = this.forward(x, training);
      const reconstruction = this.reconstructionLoss(xHat, x);
      const penalty = sparsityPenalty(code, this.config);
      return { total: reconstruction.add(penalty) as tf.Tensor1D, reconstruction, kl: tf.zerosLike(reconstruction), penalty };
    });
  }
}

export function createDenoisingAutoencoder(config: DenoisingAutoencoderConfig, parts: ModelParts = {}): DenoisingAutoencoder {
  const { encoder, decoder } = denseAutoencoderNetworks(config, parts);
  return new DenoisingAutoencoder(config, encoder, decoder);
}

export function createSparseAutoencoder(config: SparseAutoencoderConfig, parts: ModelParts = {}): SparseAutoencoder {
  const { encoder, decoder } = denseAutoencoderNetworks(config, parts);
  return new SparseAutoencoder(config, encoder, decoder);
}
