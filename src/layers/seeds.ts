// Offsets added to a config's seed for each part of a network, so that the parts start from different weights that
// repeat with the seed. The values are part of what a seed means: changing one changes every model's initial weights.
export const SEED_OFFSET = {
  /** The recurrent (orthogonal) kernels of a sequence encoder. */
  recurrent: 1,
  /** The code layer of the sequence autoencoder. */
  sequenceCode: 2,
  /** The code layer of a conv autoencoder, and the μ head of a VAE encoder. */
  head: 500,
  /** The log-variance head of a VAE encoder. */
  logvarHead: 501,
  /** The decoder's layers. */
  decoder: 1000,
  /** The per-step output layer of the sequence decoder. */
  sequenceOutput: 1002,
  /** The transposed convolutions of a conv decoder. */
  deconv: 1100,
  /** A VQ-VAE's codebook. */
  codebook: 2000,
} as const;
