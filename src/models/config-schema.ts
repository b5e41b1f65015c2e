// Schemas for model configs read from files (a run's latentkit.json): validated at the edge, typed inside.
import { z } from 'zod';
import { ACTIVATIONS } from './types.js';

const activation = z.enum(ACTIVATIONS as [string, ...string[]]);
const positiveInt = z.number().int().positive();
const base = { inputShape: z.array(positiveInt).min(1), latentDim: positiveInt, activation, seed: z.number().int() };
const dense = { ...base, hiddenUnits: z.array(positiveInt), decoderHiddenUnits: z.array(positiveInt).optional() };
const conv = { ...base, filters: z.array(positiveInt).min(1), kernelSize: positiveInt };
const aeFields = { latentActivation: activation, outputActivation: z.enum(['sigmoid', 'linear']), loss: z.enum(['mse', 'bce']) };
const vaeFields = { likelihood: z.enum(['bernoulli', 'gaussian']), sigma: z.number().positive(), learnSigma: z.boolean(), sigmaPerFeature: z.boolean().optional() };

export const modelConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ae'), ...dense, ...aeFields }),
  z.object({ kind: z.literal('vae'), ...dense, ...vaeFields }),
  z.object({ kind: z.literal('conv-ae'), ...conv, ...aeFields }),
  z.object({ kind: z.literal('denoising-ae'), ...dense, ...aeFields, noise: z.enum(['gaussian', 'masking']), noiseLevel: z.number().nonnegative() }),
  z.object({
    kind: z.literal('sparse-ae'), ...dense, ...aeFields, sparsity: z.enum(['l1', 'kl']), sparsityWeight: z.number().nonnegative(),
    sparsityTarget: z.number().gt(0).lt(1),
  }),
  z.object({ kind: z.literal('conv-vae'), ...conv, ...vaeFields }),
  z.object({
    kind: z.literal('seq-ae'), inputShape: z.array(positiveInt).min(1), latentDim: positiveInt, units: positiveInt,
    cell: z.enum(['lstm', 'gru']), loss: z.literal('mse'), seed: z.number().int(),
  }),
  z.object({ kind: z.literal('iwae'), ...dense, ...vaeFields, samples: positiveInt }),
  z.object({ kind: z.literal('cvae'), ...dense, ...vaeFields, classes: z.number().int().min(2) }),
  z.object({
    kind: z.literal('beta-vae'), ...dense, ...vaeFields, beta: z.number().positive(), klSchedule: z.enum(['constant', 'linear', 'cyclical']),
    warmupEpochs: positiveInt, cycles: positiveInt, freeBits: z.number().nonnegative(),
  }),
]);
