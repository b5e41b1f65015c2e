// Convolutional autoencoder and VAE for images: stride-2 Conv2D encoders, Conv2DTranspose decoders.
import * as tfl from '@tensorflow/tfjs-layers';
import { SEED_OFFSET } from '../layers/seeds.js';
import { convDecoder, convEncoderBody } from '../layers/conv-stack.js';
import { Autoencoder, type AutoencoderConfig } from './autoencoder.js';
import { VariationalAutoencoder, withHeads, type VaeConfig } from './vae.js';
import type { ModelParts } from './types.js';

interface ConvFields {
  /** Filters of each stride-2 convolution (each halves height and width); the decoder mirrors them. */
  filters: number[];
  /** Side of the square convolution kernels. */
  kernelSize: number;
}

export type ConvAutoencoderConfig = Omit<AutoencoderConfig, 'kind' | 'hiddenUnits' | 'decoderHiddenUnits'> & ConvFields & { kind: 'conv-ae' };
export type ConvVaeConfig = Omit<VaeConfig, 'kind' | 'hiddenUnits' | 'decoderHiddenUnits'> & ConvFields & { kind: 'conv-vae' };

export const CONV_AUTOENCODER: Omit<ConvAutoencoderConfig, 'inputShape'> = {
  kind: 'conv-ae', latentDim: 16, filters: [32, 64], kernelSize: 3, activation: 'relu', latentActivation: 'linear',
  outputActivation: 'sigmoid', loss: 'bce', seed: 1,
};

export const CONV_VAE: Omit<ConvVaeConfig, 'inputShape'> = {
  kind: 'conv-vae', latentDim: 16, filters: [32, 64], kernelSize: 3, activation: 'relu', likelihood: 'bernoulli',
  sigma: 1, learnSigma: false, sigmaPerFeature: false, seed: 1,
};

export function createConvAutoencoder(config: ConvAutoencoderConfig, parts: ModelParts): Autoencoder {
  const encoder = parts.encoder ?? (() => {
    const body = convEncoderBody(config, config.kind);
    const code = tfl.layers.dense({ units: config.latentDim, activation: config.latentActivation, kernelInitializer: tfl.initializers.glorotUniform({ seed: config.seed + SEED_OFFSET.head }), name: 'code' })
      .apply(body.outputs[0]) as tfl.SymbolicTensor;
    return tfl.model({ inputs: body.inputs, outputs: code, name: 'encoder' });
  })();
  const decoder = parts.decoder ?? convDecoder(config, config.kind);
  return new Autoencoder(config, encoder, decoder);
}

export function createConvVae(config: ConvVaeConfig, parts: ModelParts): VariationalAutoencoder {
  const body = parts.encoder ?? convEncoderBody(config, config.kind);
  const decoder = parts.decoder ?? convDecoder({ ...config, outputActivation: 'linear' }, config.kind);
  return new VariationalAutoencoder(config, withHeads(body, config.latentDim, config.seed), decoder);
}
