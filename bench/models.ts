// Models and data shared by the benchmarks: the conv VAE (the same layers as reference.py) and random binary images.
import * as tfl from '@tensorflow/tfjs-layers';
import { createModel, defaultConfig, makeDataset, Rng, type AutoencoderModel, type Dataset } from '../src/index.js';

/** n images of 28×28×1 whose pixels are 1 with probability 0.2, as reference.py draws them. */
export function randomImages(n: number, seed = 1): Dataset {
  const rng = new Rng(seed);
  const values = new Uint8Array(n * 784);
  for (let i = 0; i < values.length; i++) values[i] = rng.next() > 0.8 ? 255 : 0;
  return makeDataset({ source: 'random', values, shape: [28, 28, 1], size: n });
}

/** The dense VAE 784-400-20. */
export function denseVae(): AutoencoderModel {
  return createModel(defaultConfig('vae', [28, 28, 1]));
}

const glorot = (seed: number) => tfl.initializers.glorotUniform({ seed });

/** Conv(32, 3×3, stride 2) → Conv(64, 3×3, stride 2) → 16-d latent → Dense(7·7·64) → ConvT(32) → ConvT(1), ReLU. */
export function convVae(): AutoencoderModel {
  const encoder = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: glorot(1) }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: glorot(2) }),
      tfl.layers.flatten(),
    ],
  });
  const decoder = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [16], units: 7 * 7 * 64, activation: 'relu', kernelInitializer: glorot(3) }),
      tfl.layers.reshape({ targetShape: [7, 7, 64] }),
      tfl.layers.conv2dTranspose({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: glorot(4) }),
      tfl.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: glorot(5) }),
      tfl.layers.flatten(),
    ],
  });
  return createModel(defaultConfig('vae', [28, 28, 1], { latentDim: 16 }), { encoder, decoder });
}
