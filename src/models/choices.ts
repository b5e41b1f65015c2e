// Every choice list of a model config, defined once: the arrays (for the CLI's choices, the schema's enums and help
// text) and the types derived from them.

export const MODEL_KINDS = ['ae', 'vae', 'conv-ae', 'conv-vae', 'seq-ae', 'denoising-ae', 'sparse-ae', 'beta-vae', 'iwae', 'cvae', 'vq-vae'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export const ACTIVATIONS = ['relu', 'elu', 'selu', 'tanh', 'sigmoid', 'softplus', 'swish', 'gelu', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** The reconstruction's activation in the autoencoder kinds: sigmoid for data in [0, 1], linear for real values. */
export const OUTPUT_ACTIVATIONS = ['sigmoid', 'linear'] as const;
export type OutputActivation = (typeof OUTPUT_ACTIVATIONS)[number];

/** The autoencoder kinds' reconstruction losses. */
export const AE_LOSSES = ['mse', 'bce'] as const;
export type AeLoss = (typeof AE_LOSSES)[number];

/** p(x|z) of the VAE kinds. */
export const LIKELIHOODS = ['bernoulli', 'gaussian'] as const;
export type Likelihood = (typeof LIKELIHOODS)[number];

export const NOISE_KINDS = ['gaussian', 'masking'] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];

export const SPARSITY_KINDS = ['l1', 'kl'] as const;
export type SparsityKind = (typeof SPARSITY_KINDS)[number];

export const KL_SCHEDULES = ['constant', 'linear', 'cyclical'] as const;
export type KlSchedule = (typeof KL_SCHEDULES)[number];

/** How a VQ-VAE's codebook learns. */
export const CODEBOOK_UPDATES = ['ema', 'loss'] as const;
export type CodebookUpdate = (typeof CODEBOOK_UPDATES)[number];

export const RECURRENT_CELLS = ['lstm', 'gru'] as const;
export type RecurrentCell = (typeof RECURRENT_CELLS)[number];
