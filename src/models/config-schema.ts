// Schemas for model configs read from files (a run's latentkit.json): validated at the edge, typed inside.
import { z } from 'zod';
import { ACTIVATIONS } from './types.js';

const activation = z.enum(ACTIVATIONS as [string, ...string[]]);
const positiveInt = z.number().int().positive();
/** Bounds that keep a config from asking for more memory than a machine has (a layer of 2^16 units is already huge). */
const width = positiveInt.max(65536);
const base = { inputShape: z.array(width).min(1).max(4), latentDim: width, activation, seed: z.number().int() };
const dense = { ...base, hiddenUnits: z.array(width).max(32), decoderHiddenUnits: z.array(width).max(32).optional() };
const conv = { ...base, filters: z.array(positiveInt.max(4096)).min(1).max(8), kernelSize: positiveInt.max(15) };
const aeFields = { latentActivation: activation, outputActivation: z.enum(['sigmoid', 'linear']), loss: z.enum(['mse', 'bce']) };
const vaeFields = { likelihood: z.enum(['bernoulli', 'gaussian']), sigma: z.number().positive(), learnSigma: z.boolean(), sigmaPerFeature: z.boolean().optional() };

export const modelConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ae'), ...dense, ...aeFields }),
  z.object({ kind: z.literal('vae'), ...dense, ...vaeFields }),
  z.object({ kind: z.literal('conv-ae'), ...conv, ...aeFields }),
  z.object({ kind: z.literal('denoising-ae'), ...dense, ...aeFields, noise: z.enum(['gaussian', 'masking']), noiseLevel: z.number().nonnegative() })
    .refine((c) => c.noise !== 'masking' || c.noiseLevel <= 1, { message: 'masking noise zeroes a fraction of the features: it must be in [0, 1]', path: ['noiseLevel'] }),
  z.object({
    kind: z.literal('sparse-ae'), ...dense, ...aeFields, sparsity: z.enum(['l1', 'kl']), sparsityWeight: z.number().nonnegative(),
    sparsityTarget: z.number().gt(0).lt(1),
  }),
  z.object({ kind: z.literal('conv-vae'), ...conv, ...vaeFields }),
  z.object({
    kind: z.literal('seq-ae'), inputShape: z.array(positiveInt).min(1), latentDim: positiveInt, units: positiveInt,
    cell: z.enum(['lstm', 'gru']), loss: z.literal('mse'), seed: z.number().int(),
  }),
  z.object({ kind: z.literal('iwae'), ...dense, ...vaeFields, samples: positiveInt.max(256) }),
  z.object({ kind: z.literal('cvae'), ...dense, ...vaeFields, classes: z.number().int().min(2).max(10000) }),
  z.object({
    kind: z.literal('beta-vae'), ...dense, ...vaeFields, beta: z.number().positive(), klSchedule: z.enum(['constant', 'linear', 'cyclical']),
    warmupEpochs: positiveInt, cycles: positiveInt, freeBits: z.number().nonnegative(),
  }),
]);
