// Schemas for model configs read from files (a run's latentkit.json): validated at the edge, typed inside.
import { z } from 'zod';
import { ACTIVATIONS } from './types.js';

const activation = z.enum(ACTIVATIONS as [string, ...string[]]);
const positiveInt = z.number().int().positive();
const common = {
  inputShape: z.array(positiveInt).min(1),
  latentDim: positiveInt,
  hiddenUnits: z.array(positiveInt),
  decoderHiddenUnits: z.array(positiveInt).optional(),
  activation,
  seed: z.number().int(),
};

export const modelConfigSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('ae'), ...common, latentActivation: activation,
    outputActivation: z.enum(['sigmoid', 'linear']), loss: z.enum(['mse', 'bce']),
  }),
  z.object({
    kind: z.literal('vae'), ...common, likelihood: z.enum(['bernoulli', 'gaussian']),
    sigma: z.number().positive(), learnSigma: z.boolean(),
  }),
]);
