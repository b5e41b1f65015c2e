// The model flags of `latentkit train`, one row per config field: the flag, its help and how its value is read, each
// checked by the compiler against the field's type in the configs. A new config field is one row here; the schema
// (models/config-schema.ts) checks the values, and a kind whose defaults lack the field refuses the flag.
import { Option, type Command } from 'commander';
import type { ModelConfig } from '../models/registry.js';
import {
  ACTIVATIONS, AE_LOSSES, CODEBOOK_UPDATES, KL_SCHEDULES, LIKELIHOODS, NOISE_KINDS, OUTPUT_ACTIVATIONS, RECURRENT_CELLS, SPARSITY_KINDS,
} from '../models/choices.js';
import { fraction, intList, nonNegativeNumber, positiveInt, positiveNumber } from './common.js';

/** A field of any kind's config. */
type Field = ModelConfig extends infer C ? (C extends unknown ? keyof C : never) : never;
/** The values a field takes in the configs that have it. */
type FieldValue<K extends Field> = ModelConfig extends infer C ? (C extends { [P in K]?: infer V } ? (K extends keyof C ? V : never) : never) : never;

interface ModelFlag<K extends Field> {
  key: K;
  /** The flag as commander spells it, e.g. '--latent <n>' (no value: a switch that sets true). */
  flag: string;
  help: string;
  parse?: (value: string) => FieldValue<K>;
  choices?: readonly FieldValue<K>[];
}

const row = <K extends Field>(key: K, spec: Omit<ModelFlag<K>, 'key'>): ModelFlag<K> => ({ key, ...spec });

export const MODEL_FLAGS = [
  row('latentDim', { flag: '--latent <n>', help: 'latent (code) dimension', parse: positiveInt('--latent') }),
  row('hiddenUnits', { flag: '--hidden <units>', help: 'dense kinds: comma-separated hidden layer widths, e.g. 400 or 512,256 ("" for none)', parse: intList('--hidden') }),
  row('filters', { flag: '--filters <list>', help: 'conv kinds: comma-separated filters of the stride-2 convolutions, e.g. 32,64', parse: intList('--filters') }),
  row('kernelSize', { flag: '--kernel-size <n>', help: 'conv kinds: side of the convolution kernels', parse: positiveInt('--kernel-size') }),
  row('activation', { flag: '--activation <name>', help: 'hidden-layer activation', choices: ACTIVATIONS }),
  row('likelihood', { flag: '--likelihood <name>', help: 'VAE decoder likelihood', choices: LIKELIHOODS }),
  row('sigma', { flag: '--sigma <s>', help: 'Gaussian likelihood σ (fixed, or the start value with --learn-sigma)', parse: positiveNumber('--sigma') }),
  row('learnSigma', { flag: '--learn-sigma', help: 'learn the Gaussian likelihood log σ' }),
  row('sigmaPerFeature', { flag: '--sigma-per-feature', help: 'Gaussian likelihood: one σ per feature (pixel) instead of one shared σ' }),
  row('loss', { flag: '--loss <name>', help: 'autoencoder loss', choices: AE_LOSSES }),
  row('outputActivation', { flag: '--output-activation <name>', help: 'autoencoder kinds: activation of the reconstruction (default sigmoid for images, linear for tables)', choices: OUTPUT_ACTIVATIONS }),
  row('latentActivation', { flag: '--latent-activation <name>', help: 'autoencoder kinds: activation of the code layer', choices: ACTIVATIONS }),
  row('noise', { flag: '--noise <kind>', help: 'denoising-ae: input corruption', choices: NOISE_KINDS }),
  row('noiseLevel', { flag: '--noise-level <x>', help: 'denoising-ae: Gaussian σ, or the masked fraction', parse: nonNegativeNumber('--noise-level') }),
  row('sparsity', { flag: '--sparsity <kind>', help: 'sparse-ae: L1 activity or KL-sparsity penalty', choices: SPARSITY_KINDS }),
  row('sparsityWeight', { flag: '--sparsity-weight <w>', help: 'sparse-ae: weight of the penalty', parse: nonNegativeNumber('--sparsity-weight') }),
  row('sparsityTarget', { flag: '--sparsity-target <rho>', help: 'sparse-ae with kl: target mean activation ρ in (0, 1)', parse: fraction('--sparsity-target') }),
  row('units', { flag: '--units <n>', help: 'seq-ae: units of the recurrent layers', parse: positiveInt('--units') }),
  row('cell', { flag: '--cell <name>', help: 'seq-ae: recurrent cell', choices: RECURRENT_CELLS }),
  row('samples', { flag: '--samples <k>', help: 'iwae: importance samples per example in the training bound', parse: positiveInt('--samples') }),
  row('beta', { flag: '--beta <b>', help: 'beta-vae: weight of the KL term', parse: positiveNumber('--beta') }),
  row('klSchedule', { flag: '--kl-schedule <name>', help: 'beta-vae: how the KL weight moves over training', choices: KL_SCHEDULES }),
  row('warmupEpochs', { flag: '--warmup-epochs <n>', help: 'beta-vae linear schedule: epochs to reach β', parse: positiveInt('--warmup-epochs') }),
  row('cycles', { flag: '--cycles <n>', help: 'beta-vae cyclical schedule: annealing cycles over the run', parse: positiveInt('--cycles') }),
  row('positions', { flag: '--positions <n>', help: 'vq-vae: code vectors per example, each snapped to one codebook entry (--latent / n values each)', parse: positiveInt('--positions') }),
  row('codebookSize', { flag: '--codebook-size <k>', help: 'vq-vae: entries in the codebook', parse: positiveInt('--codebook-size') }),
  row('codebookUpdate', { flag: '--codebook-update <how>', help: 'vq-vae: ema (moving averages of the encodings each entry wins) or loss (the codebook loss under Adam)', choices: CODEBOOK_UPDATES }),
  row('emaDecay', { flag: '--ema-decay <g>', help: 'vq-vae with ema: decay of the moving averages, in (0, 1)', parse: fraction('--ema-decay') }),
  row('commitment', { flag: '--commitment <b>', help: 'vq-vae: weight β of the commitment loss', parse: nonNegativeNumber('--commitment') }),
  row('freeBits', { flag: '--free-bits <nats>', help: 'beta-vae: per-dimension KL floor in nats (0 = off)', parse: nonNegativeNumber('--free-bits') }),
];

/** The commander option of a row. */
function option(f: ModelFlag<Field>): Option {
  const opt = new Option(f.flag, f.help);
  if (f.choices) opt.choices(f.choices as readonly string[]);
  if (f.parse) opt.argParser(f.parse);
  return opt;
}

/** Adds every model flag to `cmd`. */
export function addModelFlags(cmd: Command): Command {
  for (const f of MODEL_FLAGS) cmd.addOption(option(f as ModelFlag<Field>));
  return cmd;
}

/** The model flags given on the command line: the config field, the flag as typed, and the value. */
export function givenModelFlags(flags: Record<string, unknown>): { key: string; flag: string; value: unknown }[] {
  return MODEL_FLAGS.flatMap((f) => {
    const opt = option(f as ModelFlag<Field>);
    const value = flags[opt.attributeName()];
    return value === undefined ? [] : [{ key: f.key, flag: opt.long!, value }];
  });
}
