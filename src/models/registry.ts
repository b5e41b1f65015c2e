// Every model kind in one table the compiler checks: defaults, building from a config, restoring saved layers.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { Autoencoder, CLASSIC_AUTOENCODER, type AutoencoderConfig } from './autoencoder.js';
import { REFERENCE_VAE, VariationalAutoencoder, type VaeConfig } from './vae.js';
import {
  createDenoisingAutoencoder, createSparseAutoencoder, DENOISING_AUTOENCODER, DenoisingAutoencoder, SPARSE_AUTOENCODER, SparseAutoencoder,
  type DenoisingAutoencoderConfig, type SparseAutoencoderConfig,
} from './denoising.js';
import { createIwae, IWAE, Iwae, type IwaeConfig } from './iwae.js';
import { createCvae, CVAE, Cvae, type CvaeConfig } from './cvae.js';
import { createSequenceAutoencoder, SEQUENCE_AUTOENCODER, type SequenceAutoencoderConfig } from './sequence.js';
import { BETA_VAE, BetaVae, createBetaVae, type BetaVaeConfig } from './beta-vae.js';
import { CONV_AUTOENCODER, CONV_VAE, createConvAutoencoder, createConvVae, type ConvAutoencoderConfig, type ConvVaeConfig } from './conv.js';
import { createVqVae, VQ_VAE, VqVae, type VqVaeConfig } from './vq-vae.js';
import type { AutoencoderModel, ExtraParams, ModelKind, ModelParts } from './types.js';
import { modelConfigSchema } from './config-schema.js';
import { UserError } from '../errors.js';
import { featureCount } from '../data/dataset.js';
import { tableDefaults, type DataKind } from './table-defaults.js';

export type ModelConfig = AutoencoderConfig | VaeConfig | ConvAutoencoderConfig | ConvVaeConfig | BetaVaeConfig |
  DenoisingAutoencoderConfig | SparseAutoencoderConfig | IwaeConfig | CvaeConfig | SequenceAutoencoderConfig | VqVaeConfig;
type ConfigOf<K extends ModelKind> = Extract<ModelConfig, { kind: K }>;

interface Family<K extends ModelKind> {
  /** One line for `--help`. */
  description: string;
  defaults: Omit<ConfigOf<K>, 'inputShape'>;
  create(config: ConfigOf<K>, parts: ModelParts): AutoencoderModel;
  restore(config: ConfigOf<K>, encoder: LayersModel, decoder: LayersModel, params: ExtraParams): AutoencoderModel;
}

export const FAMILIES: { [K in ModelKind]: Family<K> } = {
  ae: {
    description: 'autoencoder: dense encoder → code → decoder, MSE or binary cross-entropy',
    defaults: CLASSIC_AUTOENCODER,
    create: (config, parts) => Autoencoder.create(config, parts),
    restore: (config, encoder, decoder) => new Autoencoder(config, encoder, decoder),
  },
  vae: {
    description: 'variational autoencoder: Gaussian q(z|x), Bernoulli or Gaussian p(x|z), trained on the ELBO',
    defaults: REFERENCE_VAE,
    create: (config, parts) => VariationalAutoencoder.create(config, parts),
    restore: (config, encoder, decoder, params) => new VariationalAutoencoder(config, encoder, decoder, params),
  },
  'conv-ae': {
    description: 'convolutional autoencoder for images: stride-2 Conv2D encoder, Conv2DTranspose decoder',
    defaults: CONV_AUTOENCODER,
    create: createConvAutoencoder,
    restore: (config, encoder, decoder) => new Autoencoder(config, encoder, decoder),
  },
  'denoising-ae': {
    description: 'denoising autoencoder: reconstructs clean inputs from Gaussian- or masking-corrupted ones',
    defaults: DENOISING_AUTOENCODER,
    create: createDenoisingAutoencoder,
    restore: (config, encoder, decoder) => new DenoisingAutoencoder(config, encoder, decoder),
  },
  'sparse-ae': {
    description: 'sparse autoencoder: L1 activity or KL-sparsity (target activation ρ) penalty on the code',
    defaults: SPARSE_AUTOENCODER,
    create: createSparseAutoencoder,
    restore: (config, encoder, decoder) => new SparseAutoencoder(config, encoder, decoder),
  },
  'beta-vae': {
    description: 'β-VAE: the KL weighted by β with constant, linear warm-up or cyclical schedules, and free bits',
    defaults: BETA_VAE,
    create: createBetaVae,
    restore: (config, encoder, decoder, params) => new BetaVae(config, encoder, decoder, params),
  },
  iwae: {
    description: 'importance-weighted autoencoder: the VAE trained on the k-sample IWAE bound',
    defaults: IWAE,
    create: createIwae,
    restore: (config, encoder, decoder, params) => new Iwae(config, encoder, decoder, params),
  },
  cvae: {
    description: 'conditional VAE: one-hot labels feed the encoder and the decoder; sample a chosen class',
    defaults: CVAE,
    create: createCvae,
    restore: (config, encoder, decoder, params) => new Cvae(config, encoder, decoder, params),
  },
  'seq-ae': {
    description: 'sequence autoencoder for time-series windows: LSTM or GRU encoder and decoder',
    defaults: SEQUENCE_AUTOENCODER,
    create: createSequenceAutoencoder,
    restore: (config, encoder, decoder) => new Autoencoder(config, encoder, decoder),
  },
  'conv-vae': {
    description: 'convolutional VAE for images: stride-2 Conv2D encoder, Conv2DTranspose decoder, trained on the ELBO',
    defaults: CONV_VAE,
    create: createConvVae,
    restore: (config, encoder, decoder, params) => new VariationalAutoencoder(config, encoder, decoder, params),
  },
  'vq-vae': {
    description: 'VQ-VAE: each code position snapped to a learned codebook entry (straight-through gradient, codebook and commitment losses); discrete codes, a fitted prior to sample',
    defaults: VQ_VAE,
    create: createVqVae,
    restore: (config, encoder, decoder, params) => new VqVae(config, encoder, decoder, params),
  },
};

/** Builds a fresh model from a config (and optionally the user's own encoder and decoder). */
export function createModel(config: ModelConfig, parts: ModelParts = {}): AutoencoderModel {
  const checked = modelConfigSchema.safeParse(config);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new UserError(`model config: '${issue.path.join('.')}' ${issue.message.toLowerCase()}`);
  }
  return (FAMILIES[config.kind] as Family<typeof config.kind>).create(config as never, parts);
}

/** Rebuilds a saved model around its loaded layers. */
export function restoreModel(config: ModelConfig, encoder: LayersModel, decoder: LayersModel, params: ExtraParams): AutoencoderModel {
  return (FAMILIES[config.kind] as Family<typeof config.kind>).restore(config as never, encoder, decoder, params);
}

/**
 * A kind's default config for examples of `inputShape`, with `overrides` applied. `data: 'table'` (real-valued rows,
 * e.g. a CSV) takes the table defaults — linear output or Gaussian likelihood, a code of about a third of the
 * features, one hidden layer of twice the features (see table-defaults.ts); `'image'` (the default) the kind's own.
 */
export function defaultConfig<K extends ModelKind>(kind: K, inputShape: number[], overrides: Partial<ConfigOf<K>> = {}, data: DataKind = 'image'): ConfigOf<K> {
  const forData = data === 'table' ? tableDefaults(kind, featureCount(inputShape)) : {};
  return { ...FAMILIES[kind].defaults, ...forData, ...overrides, inputShape } as ConfigOf<K>;
}
