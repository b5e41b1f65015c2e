// Schemas for model configs read from files (a run's latentkit.json): validated at the edge, typed inside.
import { z } from 'zod';
import { ACTIVATIONS, AE_LOSSES, CODEBOOK_UPDATES, KL_SCHEDULES, LIKELIHOODS, NOISE_KINDS, OUTPUT_ACTIVATIONS, RECURRENT_CELLS, SPARSITY_KINDS } from './choices.js';
import type { ModelConfig } from './registry.js';

const activation = z.enum(ACTIVATIONS);
const positiveInt = z.number().int().positive();
/** Bounds that keep a config from asking for more memory than a machine has (a layer of 2^16 units is already huge). */
const width = positiveInt.max(65536);
const base = { inputShape: z.array(width).min(1).max(4), latentDim: width, activation, seed: z.number().int() };
const dense = { ...base, hiddenUnits: z.array(width).max(32), decoderHiddenUnits: z.array(width).max(32).optional() };
const conv = { ...base, filters: z.array(positiveInt.max(4096)).min(1).max(8), kernelSize: positiveInt.max(15) };
const aeFields = { latentActivation: activation, outputActivation: z.enum(OUTPUT_ACTIVATIONS), loss: z.enum(AE_LOSSES) };
const vaeFields = { likelihood: z.enum(LIKELIHOODS), sigma: z.number().positive(), learnSigma: z.boolean(), sigmaPerFeature: z.boolean().optional() };

export const modelConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ae'), ...dense, ...aeFields }),
  z.object({ kind: z.literal('vae'), ...dense, ...vaeFields }),
  z.object({ kind: z.literal('conv-ae'), ...conv, ...aeFields }),
  z.object({ kind: z.literal('denoising-ae'), ...dense, ...aeFields, noise: z.enum(NOISE_KINDS), noiseLevel: z.number().nonnegative() })
    .refine((c) => c.noise !== 'masking' || c.noiseLevel <= 1, { message: 'masking noise zeroes a fraction of the features: it must be in [0, 1]', path: ['noiseLevel'] }),
  z.object({
    kind: z.literal('sparse-ae'), ...dense, ...aeFields, sparsity: z.enum(SPARSITY_KINDS), sparsityWeight: z.number().nonnegative(),
    sparsityTarget: z.number().gt(0).lt(1),
  }),
  z.object({ kind: z.literal('conv-vae'), ...conv, ...vaeFields }),
  z.object({
    kind: z.literal('seq-ae'), inputShape: z.array(positiveInt).min(1), latentDim: positiveInt, units: positiveInt,
    cell: z.enum(RECURRENT_CELLS), loss: z.literal('mse'), seed: z.number().int(),
  }),
  z.object({ kind: z.literal('iwae'), ...dense, ...vaeFields, samples: positiveInt.max(256) }),
  z.object({ kind: z.literal('cvae'), ...dense, ...vaeFields, classes: z.number().int().min(2).max(10000) }),
  z.object({
    kind: z.literal('vq-vae'), ...dense, outputActivation: z.enum(OUTPUT_ACTIVATIONS), loss: z.enum(AE_LOSSES),
    positions: positiveInt.max(4096), codebookSize: positiveInt.max(65536), commitment: z.number().nonnegative(),
    codebookUpdate: z.enum(CODEBOOK_UPDATES), emaDecay: z.number().gt(0).lt(1),
  }).refine((c) => c.latentDim % c.positions === 0, { message: 'must be a multiple of positions (each position holds latent / positions values)', path: ['latentDim'] }),
  z.object({
    kind: z.literal('beta-vae'), ...dense, ...vaeFields, beta: z.number().positive(), klSchedule: z.enum(KL_SCHEDULES),
    warmupEpochs: positiveInt, cycles: positiveInt, freeBits: z.number().nonnegative(),
  }),
]);

// The schema and the config types must describe the same objects: these fail to compile when a field is added to one
// and not the other, or typed differently.
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const SCHEMA_MATCHES_CONFIG: Mutual<z.infer<typeof modelConfigSchema>, ModelConfig> = true;
