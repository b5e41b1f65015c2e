// Shared model types: the kinds, activations, loss terms, and the interface every model family implements.
import type * as tf from '../backend/tfjs.js';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Rng } from '../train/rng.js';
import type { ModelConfig } from './registry.js';

export type ModelKind = 'ae' | 'vae' | 'conv-ae' | 'conv-vae' | 'seq-ae' | 'denoising-ae' | 'sparse-ae' | 'beta-vae' | 'iwae' | 'cvae';
export const MODEL_KINDS: readonly ModelKind[] = ['ae', 'vae', 'conv-ae', 'conv-vae', 'seq-ae', 'denoising-ae', 'sparse-ae', 'beta-vae', 'iwae', 'cvae'];

export type Activation = 'relu' | 'elu' | 'selu' | 'tanh' | 'sigmoid' | 'softplus' | 'swish' | 'gelu' | 'linear';
export const ACTIVATIONS: readonly Activation[] = ['relu', 'elu', 'selu', 'tanh', 'sigmoid', 'softplus', 'swish', 'gelu', 'linear'];

/**
 * Per-example means of a model's loss. For a VAE, total = −ELBO in nats = reconstruction + kl when evaluated; in
 * training, kinds with weighted objectives (β-VAE, IWAE) report the objective they optimise as total. Models with a
 * regulariser other than the KL (sparse AE) report it as penalty.
 */
export interface LossTerms {
  total: number;
  reconstruction: number;
  kl: number;
  penalty?: number;
}

/** The same terms as tensors of shape [batch], before averaging. */
export interface LossTensors {
  total: tf.Tensor1D;
  reconstruction: tf.Tensor1D;
  kl: tf.Tensor1D;
  penalty?: tf.Tensor1D;
}

/** Learned values that are not layer weights, by name: a number, or one number per feature. */
export type ExtraParams = Record<string, number | number[]>;

/** Runtime objects a user can plug in instead of the dense defaults (not part of the saved config). */
export interface ModelParts {
  /** Maps an example to the code (autoencoder) or to features that the VAE's μ and logvar heads read. */
  encoder?: LayersModel;
  /** Maps a code of [latentDim] to the likelihood's parameters: logits (Bernoulli) or means, one per feature. */
  decoder?: LayersModel;
}

/** What the trainer and the tasks need from any model family. */
export interface AutoencoderModel {
  readonly kind: ModelKind;
  /** Plain JSON-safe data that rebuilds the model's shape. */
  readonly config: ModelConfig;
  readonly latentDim: number;
  /** Whether the model has a prior to sample from and a loss that is −ELBO in nats (the VAE families). */
  readonly variational: boolean;
  /** Shape of one example, e.g. [28, 28, 1]. */
  readonly inputShape: number[];
  /**
   * Conditional models: the number of classes. Their batches carry the one-hot label after each example's values
   * ([batch, D + classes]); codes given to decode carry it after the code ([batch, latentDim + classes]).
   */
  readonly classes?: number;
  readonly encoder: LayersModel;
  readonly decoder: LayersModel;
  /** Every variable the optimizer updates. */
  trainableVariables(): tf.Variable[];
  /**
   * Called by the trainer before each training step (0-based over the run, of `totalSteps`, `stepsPerEpoch` to an
   * epoch), for objectives that change during training (KL schedules).
   */
  beginStep?(step: number, totalSteps: number, stepsPerEpoch: number): void;
  /** Loss terms per example for a batch of flattened rows [batch, D]; `rng` draws the noise of stochastic models. */
  lossTerms(x: tf.Tensor2D, rng: Rng, training: boolean): LossTensors;
  /** The code of each row: the latent mean for a VAE. */
  encode(x: tf.Tensor2D): tf.Tensor2D;
  /** The mean reconstruction, flattened to [batch, D], for codes [batch, latentDim]. */
  decode(z: tf.Tensor2D): tf.Tensor2D;
  /** Learned values saved beside the layers (e.g. a Gaussian decoder's log σ, shared or per feature). */
  extraParams(): ExtraParams;
  dispose(): void;
}
