// The variational autoencoder: Gaussian q(z|x), reparameterized sample, decoder p(x|z), trained on the real ELBO.
import * as tf from '../backend/tfjs.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { featureCount } from '../data/dataset.js';
import { denseHead, denseStack } from '../layers/dense-stack.js';
import { SEED_OFFSET } from '../layers/seeds.js';
import { clampLogvar, sampleGaussian } from '../objectives/gaussian.js';
import { checkParts, flatRows, toModelInput } from '../layers/shapes.js';
import { applyNetwork } from '../layers/network.js';
import { bernoulliNll, gaussianNll } from '../objectives/likelihoods.js';
import type { Rng } from '../train/rng.js';
import type { Likelihood } from './choices.js';
import type { Activation, AutoencoderModel, ExtraParams, LossTensors, ModelKind, ModelParts } from './types.js';
import type { ModelConfig } from './registry.js';

export interface VaeConfig {
  kind: 'vae';
  /** Shape of one example, e.g. [28, 28, 1]. */
  inputShape: number[];
  /** Dimension of z. */
  latentDim: number;
  /** Encoder hidden layers before the μ and logvar heads. */
  hiddenUnits: number[];
  /** Decoder hidden layers (default: hiddenUnits reversed). */
  decoderHiddenUnits?: number[];
  /** Activation of the hidden layers. */
  activation: Activation;
  /** p(x|z): Bernoulli on logits (data in [0, 1]) or Gaussian with one shared σ (real-valued data). */
  likelihood: Likelihood;
  /** Gaussian only: σ of p(x|z), or its starting value when learnSigma is set. */
  sigma: number;
  /** Gaussian only: learn log σ with the weights. */
  learnSigma: boolean;
  /** Gaussian only: one σ per feature (pixel) instead of one shared σ. */
  sigmaPerFeature?: boolean;
  /** Seed of the weight initialisation. */
  seed: number;
}

/** The VAE of Kingma & Welling's MNIST experiments as in pytorch/examples: 784-400-20, ReLU, Bernoulli. */
export const REFERENCE_VAE: Omit<VaeConfig, 'inputShape'> = {
  kind: 'vae', latentDim: 20, hiddenUnits: [400], activation: 'relu', likelihood: 'bernoulli', sigma: 1, learnSigma: false,
  sigmaPerFeature: false, seed: 1,
};

/** The encoder's two outputs: the mean and the (unclamped) log-variance of q(z|x). */
export function withHeads(body: tfl.LayersModel, latentDim: number, seed: number): tfl.LayersModel {
  let features = body.outputs[0];
  if (features.shape.length > 2) features = tfl.layers.flatten().apply(features) as tfl.SymbolicTensor;
  const zMean = denseHead(features, latentDim, 'z_mean', seed + SEED_OFFSET.head);
  const zLogVar = denseHead(features, latentDim, 'z_log_var', seed + SEED_OFFSET.logvarHead);
  return tfl.model({ inputs: body.inputs, outputs: [zMean, zLogVar], name: 'encoder' });
}

/** What the VAE's objective needs from any config of the VAE families. */
export interface VaeLikeConfig {
  kind: ModelKind;
  inputShape: number[];
  latentDim: number;
  likelihood: Likelihood;
  sigma: number;
  learnSigma: boolean;
  sigmaPerFeature?: boolean;
  /** Conditional kinds: the number of classes whose one-hot labels the encoder and decoder also read. */
  classes?: number;
}

/** The dense VAE networks for a config (or around the user's encoder body and decoder): encoder with μ/logvar heads. */
export function denseVaeNetworks(config: Omit<VaeConfig, 'kind'>, parts: ModelParts): { encoder: tfl.LayersModel; decoder: tfl.LayersModel } {
  const d = featureCount(config.inputShape);
  const body = parts.encoder ?? denseStack({
    inputDim: d, hiddenUnits: config.hiddenUnits, activation: config.activation, name: 'encoder_body', seed: config.seed,
  });
  const decoder = parts.decoder ?? denseStack({
    inputDim: config.latentDim, hiddenUnits: config.decoderHiddenUnits ?? [...config.hiddenUnits].reverse(),
    activation: config.activation, output: { units: d, activation: 'linear' }, name: 'decoder', seed: config.seed + SEED_OFFSET.decoder,
  });
  return { encoder: withHeads(body, config.latentDim, config.seed), decoder };
}

export class VariationalAutoencoder implements AutoencoderModel {
  private readonly logSigma: tf.Variable | undefined;

  /** `encoder` returns [zMean, zLogVar]; `decoder` returns logits (Bernoulli) or means (Gaussian). */
  constructor(readonly config: VaeLikeConfig & ModelConfig, readonly encoder: tfl.LayersModel, readonly decoder: tfl.LayersModel, params: ExtraParams = {}) {
    if (encoder.outputs.length !== 2) throw new Error(`VAE encoder must return [zMean, zLogVar], found ${encoder.outputs.length} outputs`);
    checkParts(config.inputShape, config.latentDim, tfl.model({ inputs: encoder.inputs, outputs: encoder.outputs[0] }), decoder, config.latentDim,
      (config as VaeLikeConfig).classes ?? 0);
    if (config.likelihood === 'gaussian') {
      const d = featureCount(config.inputShape);
      const saved = params.logSigma;
      const initial = (config as VaeLikeConfig).sigmaPerFeature
        ? tf.tensor1d(Array.isArray(saved) ? saved : new Array<number>(d).fill(typeof saved === 'number' ? saved : Math.log(config.sigma)))
        : tf.scalar(typeof saved === 'number' ? saved : Math.log(config.sigma));
      this.logSigma = tf.variable(initial, config.learnSigma);
      initial.dispose();
    }
  }

  /** Builds a VAE from its config, with the dense defaults or the user's encoder body and decoder. */
  static create(config: VaeConfig, parts: ModelParts = {}): VariationalAutoencoder {
    const { encoder, decoder } = denseVaeNetworks(config, parts);
    return new VariationalAutoencoder(config, encoder, decoder);
  }

  get kind(): ModelKind {
    return this.config.kind;
  }

  get classes(): number | undefined {
    return (this.config as VaeLikeConfig).classes;
  }

  get latentDim(): number {
    return this.config.latentDim;
  }

  get inputShape(): number[] {
    return this.config.inputShape;
  }

  trainableVariables(): tf.Variable[] {
    const weights = [...this.encoder.trainableWeights, ...this.decoder.trainableWeights].map((w) => w.read() as tf.Variable);
    return this.logSigma && this.config.learnSigma ? [...weights, this.logSigma] : weights;
  }

  /** μ and clamped logvar of q(z|x), each [batch, latentDim]. */
  posterior(x: tf.Tensor2D, training = false): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    return tf.tidy(() => {
      const [mu, logvar] = applyNetwork(this.encoder, toModelInput(x, this.encoder), training) as tf.Tensor[];
      return { mu: flatRows(mu), logvar: clampLogvar(flatRows(logvar)) };
    });
  }

  /** −log p(x|z) per example, in nats. */
  reconstructionNll(x: tf.Tensor2D, z: tf.Tensor2D, training = false): tf.Tensor1D {
    return tf.tidy(() => {
      const params = flatRows(applyNetwork(this.decoder, z, training) as tf.Tensor); // [batch, D]
      return this.config.likelihood === 'bernoulli' ? bernoulliNll(params, x) : gaussianNll(params, x, this.logSigma!);
    });
  }

  /** −ELBO = E_q[−log p(x|z)] + KL(q(z|x) ‖ N(0, I)), one sample of z per example. */
  lossTerms(x: tf.Tensor2D, rng: Rng, training: boolean): LossTensors {
    return tf.tidy(() => {
      const [mu, rawLogvar] = (applyNetwork(this.encoder, toModelInput(x, this.encoder), training) as tf.Tensor[]).map(flatRows);
      const epsilon = tf.tensor2d(rng.normals(mu.size), mu.shape); // [batch, latentDim]
      const { z, kl } = sampleGaussian(mu, rawLogvar, epsilon);
      const reconstruction = this.reconstructionNll(x, z, training);
      return { total: reconstruction.add(kl) as tf.Tensor1D, reconstruction, kl };
    });
  }

  encode(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [mu] = applyNetwork(this.encoder, toModelInput(x, this.encoder), false) as tf.Tensor[];
      return flatRows(mu);
    });
  }

  decode(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const params = flatRows(applyNetwork(this.decoder, z, false) as tf.Tensor);
      return this.config.likelihood === 'bernoulli' ? tf.sigmoid(params) : params;
    });
  }

  /** `n` codes z ~ N(0, T²·I) [n, latentDim] (T = `temperature`; 1 is the prior). */
  samplePriorCodes(n: number, rng: Rng, temperature = 1): Float32Array {
    return rng.normals(n * this.latentDim).map((z) => z * temperature);
  }

  extraParams(): ExtraParams {
    if (!this.logSigma) return {};
    return { logSigma: this.logSigma.rank === 0 ? this.logSigma.dataSync()[0] : Array.from(this.logSigma.dataSync()) };
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.logSigma?.dispose();
  }
}
