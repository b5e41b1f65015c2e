// The autoencoder: encoder → low-dimensional code → decoder, trained on MSE or binary cross-entropy.
import * as tf from '../backend/tfjs.js';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { featureCount } from '../data/dataset.js';
import { SEED_OFFSET } from '../layers/seeds.js';
import { denseStack } from '../layers/dense-stack.js';
import { checkParts, flatRows, toModelInput } from '../layers/shapes.js';
import { applyNetwork } from '../layers/network.js';
import { binaryCrossEntropy, meanSquaredError } from '../objectives/likelihoods.js';
import type { Activation, AutoencoderModel, ExtraParams, LossTensors, ModelKind, ModelParts } from './types.js';
import type { ModelConfig } from './registry.js';
import type { Rng } from '../train/rng.js';
import type { AeLoss, OutputActivation } from './choices.js';

export interface AutoencoderConfig {
  kind: 'ae';
  /** Shape of one example, e.g. [28, 28, 1]. */
  inputShape: number[];
  /** Size of the code. */
  latentDim: number;
  /** Encoder hidden layers before the code. */
  hiddenUnits: number[];
  /** Decoder hidden layers after the code (default: hiddenUnits reversed). */
  decoderHiddenUnits?: number[];
  /** Activation of the hidden layers. */
  activation: Activation;
  /** Activation of the code layer. */
  latentActivation: Activation;
  /** Activation of the reconstruction: sigmoid for data in [0, 1], linear for real values. */
  outputActivation: OutputActivation;
  /** Per-example reconstruction loss: mean squared error or binary cross-entropy (means over features). */
  loss: AeLoss;
  /** Seed of the weight initialisation. */
  seed: number;
}

/** The classic Keras-blog autoencoder: 784 → Dense(32, relu) → Dense(784, sigmoid), MSE. */
export const CLASSIC_AUTOENCODER: Omit<AutoencoderConfig, 'inputShape'> = {
  kind: 'ae', latentDim: 32, hiddenUnits: [], activation: 'relu', latentActivation: 'relu',
  outputActivation: 'sigmoid', loss: 'mse', seed: 1,
};

/** The dense encoder (to the code) and decoder for a config, or the user's own networks. */
export function denseAutoencoderNetworks(config: Omit<AutoencoderConfig, 'kind'>, parts: ModelParts): { encoder: LayersModel; decoder: LayersModel } {
  const d = featureCount(config.inputShape);
  const encoder = parts.encoder ?? denseStack({
    inputDim: d, hiddenUnits: config.hiddenUnits, activation: config.activation,
    output: { units: config.latentDim, activation: config.latentActivation }, name: 'encoder', seed: config.seed,
  });
  const decoder = parts.decoder ?? denseStack({
    inputDim: config.latentDim, hiddenUnits: config.decoderHiddenUnits ?? [...config.hiddenUnits].reverse(),
    activation: config.activation, output: { units: d, activation: config.outputActivation }, name: 'decoder',
    seed: config.seed + SEED_OFFSET.decoder,
  });
  return { encoder, decoder };
}

/** What the autoencoder's training needs from any config of the autoencoder families. */
export interface AutoencoderLikeConfig {
  kind: ModelKind;
  inputShape: number[];
  latentDim: number;
  loss: AeLoss;
}

export class Autoencoder implements AutoencoderModel {
  /** `encoder` maps an example to its code [latentDim]; `decoder` maps a code back to the example's values. */
  constructor(readonly config: AutoencoderLikeConfig & ModelConfig, readonly encoder: LayersModel, readonly decoder: LayersModel) {
    checkParts(config.inputShape, config.latentDim, encoder, decoder, config.latentDim);
  }

  /** Builds an autoencoder from its config, with the dense defaults or the user's own encoder and decoder. */
  static create(config: AutoencoderConfig, parts: ModelParts = {}): Autoencoder {
    const { encoder, decoder } = denseAutoencoderNetworks(config, parts);
    return new Autoencoder(config, encoder, decoder);
  }

  get kind(): ModelKind {
    return this.config.kind;
  }

  get latentDim(): number {
    return this.config.latentDim;
  }

  get inputShape(): number[] {
    return this.config.inputShape;
  }

  trainableVariables(): tf.Variable[] {
    return [...this.encoder.trainableWeights, ...this.decoder.trainableWeights].map((w) => w.read() as tf.Variable);
  }

  /** The code [batch, latentDim] and the reconstruction [batch, D] of (possibly corrupted) inputs. */
  forward(input: tf.Tensor2D, training: boolean): { code: tf.Tensor2D; reconstruction: tf.Tensor2D } {
    const code = flatRows(applyNetwork(this.encoder, toModelInput(input, this.encoder), training) as tf.Tensor);
    return { code, reconstruction: flatRows(applyNetwork(this.decoder, code, training) as tf.Tensor) };
  }

  /** The configured reconstruction loss of `xHat` against the clean targets `x`, per example. */
  reconstructionLoss(xHat: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor1D {
    return this.config.loss === 'mse' ? meanSquaredError(xHat, x) : binaryCrossEntropy(xHat, x);
  }

  lossTerms(x: tf.Tensor2D, _rng: Rng, training: boolean): LossTensors {
    return tf.tidy(() => {
      const reconstruction = this.reconstructionLoss(this.forward(x, training).reconstruction, x);
      return { total: reconstruction, reconstruction, kl: tf.zerosLike(reconstruction) };
    });
  }

  encode(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => flatRows(applyNetwork(this.encoder, toModelInput(x, this.encoder), false) as tf.Tensor));
  }

  decode(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => flatRows(applyNetwork(this.decoder, z, false) as tf.Tensor));
  }

  extraParams(): ExtraParams {
    return {};
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }
}
