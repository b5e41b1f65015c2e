// Shared model types: the kinds, activations, loss terms, and the interface every model family implements.
import type * as tf from '../backend/tfjs.js';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Rng } from '../train/rng.js';
import type { ModelConfig } from './registry.js';

import type { ModelKind } from './choices.js';

export { MODEL_KINDS, ACTIVATIONS, type ModelKind, type Activation } from './choices.js';

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

// Capabilities: what some kinds can do beyond encoding and decoding, each with a type guard. Tasks ask for the
// capability they need (an importance-sampled likelihood needs a latent-variable model, `sample --label` a
// conditional one), never for a kind.

/**
 * A latent-variable model: a Gaussian posterior q(z|x) = N(μ, diag(exp(logvar))), a likelihood p(x|z) and the prior
 * N(0, I), so that its loss is −ELBO in nats and log-likelihoods can be importance-sampled (the VAE kinds).
 */
export interface LatentVariableModel extends AutoencoderModel, PriorModel {
  /** μ and the clamped logvar of q(z|x), each [batch, latentDim]. */
  posterior(x: tf.Tensor2D, training?: boolean): { mu: tf.Tensor2D; logvar: tf.Tensor2D };
  /** −log p(x|z) per example, in nats. */
  reconstructionNll(x: tf.Tensor2D, z: tf.Tensor2D, training?: boolean): tf.Tensor1D;
}

export function isLatentVariable(model: AutoencoderModel): model is LatentVariableModel {
  const m = model as Partial<LatentVariableModel>;
  return typeof m.posterior === 'function' && typeof m.reconstructionNll === 'function';
}

/** A model with a prior over codes to draw new examples from (the VAE kinds' N(0, I), VQ-VAE's fitted categorical). */
export interface PriorModel extends AutoencoderModel {
  /** `n` codes [n, latentDim] from the prior at `temperature` (1: the prior; lower: more typical codes). */
  samplePriorCodes(n: number, rng: Rng, temperature?: number): Float32Array;
}

export function hasPrior(model: AutoencoderModel): model is PriorModel {
  return typeof (model as Partial<PriorModel>).samplePriorCodes === 'function';
}

/**
 * A conditional model: it reads a class label beside each example and each code. Its batches carry the one-hot
 * label after each example's values ([batch, D + classes]); codes given to decode carry it after the code
 * ([batch, latentDim + classes]).
 */
export interface ConditionalModel extends AutoencoderModel {
  readonly classes: number;
}

export function isConditional(model: AutoencoderModel): model is ConditionalModel {
  return typeof model.classes === 'number' && model.classes > 0;
}

/** What a model reports about itself after each training epoch: named figures and warnings. */
export interface EpochDiagnostics {
  metrics: Record<string, number>;
  warnings: string[];
}

/** A model whose code is discrete: `positions` indices into a codebook of `codebookSize` entries (VQ-VAE). */
export interface DiscreteCodeModel extends PriorModel {
  readonly positions: number;
  readonly codebookSize: number;
  /** Codebook indices of each row, [batch, positions] int32. */
  codeIndices(x: tf.Tensor2D): tf.Tensor2D;
  /** Reconstructions [batch, D] from codebook indices [batch, positions]. */
  decodeIndices(indices: tf.Tensor2D): tf.Tensor2D;
  /** The report on the codebook's use by a sample's codes (indices of its rows). */
  epochDiagnostics(indices: Int32Array): EpochDiagnostics;
  /** Fits the prior over indices on training codes [n, positions]. */
  fitPrior(indices: Int32Array): void;
}

export function hasDiscreteCode(model: AutoencoderModel): model is DiscreteCodeModel {
  return typeof (model as Partial<DiscreteCodeModel>).codeIndices === 'function';
}
