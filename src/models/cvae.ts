// Conditional VAE: the label's one-hot joins the input of the encoder q(z|x, y) and of the decoder p(x|z, y)
// (Sohn, Lee & Yan 2015, "Learning Structured Output Representation using Deep Conditional Generative Models").
import * as tf from '../backend/tfjs.js';
import { featureCount } from '../data/dataset.js';
import { SEED_OFFSET } from '../layers/seeds.js';
import { denseStack } from '../layers/dense-stack.js';
import { applyNetwork } from '../layers/network.js';
import { flatRows, toModelInput } from '../layers/shapes.js';
import type { Rng } from '../train/rng.js';
import { sampleGaussian } from '../objectives/gaussian.js';
import { REFERENCE_VAE, VariationalAutoencoder, withHeads, type VaeConfig } from './vae.js';
import type { LossTensors, ModelParts } from './types.js';

export type CvaeConfig = Omit<VaeConfig, 'kind'> & {
  kind: 'cvae';
  /** Number of classes (labels 0..classes−1); `latentkit train` sets it from the data. */
  classes: number;
};

// A small code leaves the class to the label: with 20 dimensions the encoder carries the class itself and samples
// ignore the label more (seen on MNIST after 5 epochs); 2 gives one clean row per class after 10.
export const CVAE: Omit<CvaeConfig, 'inputShape'> = { ...REFERENCE_VAE, kind: 'cvae', latentDim: 2, classes: 10 };

export class Cvae extends VariationalAutoencoder {
  declare readonly config: CvaeConfig;

  /** −ELBO of x given y for rows [x, onehot(y)]: the encoder reads both, the decoder reads [z, onehot(y)]. */
  override lossTerms(xy: tf.Tensor2D, rng: Rng, training: boolean): LossTensors {
    return tf.tidy(() => {
      const d = featureCount(this.config.inputShape);
      const x = xy.slice([0, 0], [-1, d]) as tf.Tensor2D;
      const y = xy.slice([0, d], [-1, this.config.classes]) as tf.Tensor2D;
      const [mu, rawLogvar] = (applyNetwork(this.encoder, toModelInput(xy, this.encoder), training) as tf.Tensor[]).map(flatRows);
      const { z, kl } = sampleGaussian(mu, rawLogvar, tf.tensor2d(rng.normals(mu.size), mu.shape));
      const reconstruction = this.reconstructionNll(x, tf.concat([z, y], 1), training);
      return { total: reconstruction.add(kl) as tf.Tensor1D, reconstruction, kl };
    });
  }
}

export function createCvae(config: CvaeConfig, parts: ModelParts = {}): Cvae {
  const d = featureCount(config.inputShape);
  const body = parts.encoder ?? denseStack({
    inputDim: d + config.classes, hiddenUnits: config.hiddenUnits, activation: config.activation, name: 'encoder_body', seed: config.seed,
  });
  const decoder = parts.decoder ?? denseStack({
    inputDim: config.latentDim + config.classes, hiddenUnits: config.decoderHiddenUnits ?? [...config.hiddenUnits].reverse(),
    activation: config.activation, output: { units: d, activation: 'linear' }, name: 'decoder', seed: config.seed + SEED_OFFSET.decoder,
  });
  return new Cvae(config, withHeads(body, config.latentDim, config.seed), decoder);
}
