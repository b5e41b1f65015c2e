// `latentkit train`: flags → model config → fit → evaluate → save the run with its pictures.
import { Command, Option } from 'commander';
import { basename, resolve } from 'node:path';
import { subset, type Dataset } from '../data/dataset.js';
import { saveRun } from '../io/run-dir.js';
import { createModel, defaultConfig, FAMILIES, type ModelConfig } from '../models/registry.js';
import { ACTIVATIONS, MODEL_KINDS, type Activation, type ModelKind } from '../models/types.js';
import { KL_SCHEDULES, type KlSchedule } from '../models/beta-vae.js';
import { RECURRENT_CELLS, type RecurrentCell } from '../models/sequence.js';
import { NOISE_KINDS, SPARSITY_KINDS, type NoiseKind, type SparsityKind } from '../models/denoising.js';
import { permutation, mulberry32 } from '../train/rng.js';
import { evaluate, fit } from '../train/trainer.js';
import { reconstructionPng, samplesPng } from '../viz/pictures.js';
import { isDrawable } from '../viz/grid.js';
import { check } from '../errors.js';
import {
  action, fraction, intList, loadFlaggedData, nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber, printResult, useBackend,
  withCommon, withDataFlags, type CommonFlags, type DataFlags,
} from './common.js';
import { describeTerms, progressCallbacks } from './progress.js';

interface TrainFlags extends CommonFlags, DataFlags {
  model: ModelKind;
  out?: string;
  latent?: number;
  hidden?: number[];
  filters?: number[];
  kernelSize?: number;
  beta?: number;
  samples?: number;
  units?: number;
  cell?: RecurrentCell;
  noise?: NoiseKind;
  noiseLevel?: number;
  sparsity?: SparsityKind;
  sparsityWeight?: number;
  sparsityTarget?: number;
  latentActivation?: Activation;
  klSchedule?: KlSchedule;
  warmupEpochs?: number;
  cycles?: number;
  freeBits?: number;
  activation?: Activation;
  likelihood?: 'bernoulli' | 'gaussian';
  sigma?: number;
  learnSigma?: boolean;
  sigmaPerFeature?: boolean;
  loss?: 'mse' | 'bce';
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  validationSplit: number;
  patience?: number;
}

/** Turns the model flags into a config: the kind's defaults with the given flags changed; a flag the kind lacks is an error. */
function configFromFlags(flags: TrainFlags, inputShape: number[], data: Dataset): ModelConfig {
  const given: [key: string, flag: string, value: unknown][] = [
    ['latentDim', '--latent', flags.latent], ['hiddenUnits', '--hidden', flags.hidden], ['activation', '--activation', flags.activation],
    ['seed', '--seed', flags.seed], ['loss', '--loss', flags.loss], ['likelihood', '--likelihood', flags.likelihood],
    ['sigma', '--sigma', flags.sigma], ['learnSigma', '--learn-sigma', flags.learnSigma], ['sigmaPerFeature', '--sigma-per-feature', flags.sigmaPerFeature], ['filters', '--filters', flags.filters],
    ['kernelSize', '--kernel-size', flags.kernelSize], ['beta', '--beta', flags.beta], ['klSchedule', '--kl-schedule', flags.klSchedule],
    ['warmupEpochs', '--warmup-epochs', flags.warmupEpochs], ['cycles', '--cycles', flags.cycles], ['freeBits', '--free-bits', flags.freeBits],
    ['noise', '--noise', flags.noise], ['noiseLevel', '--noise-level', flags.noiseLevel], ['sparsity', '--sparsity', flags.sparsity],
    ['sparsityWeight', '--sparsity-weight', flags.sparsityWeight], ['sparsityTarget', '--sparsity-target', flags.sparsityTarget],
    ['latentActivation', '--latent-activation', flags.latentActivation], ['samples', '--samples', flags.samples],
    ['units', '--units', flags.units], ['cell', '--cell', flags.cell],
  ];
  const defaults = FAMILIES[flags.model].defaults as unknown as Record<string, unknown>;
  const set = given.filter(([, , value]) => value !== undefined);
  const foreign = set.filter(([key]) => !(key in defaults)).map(([, flag]) => flag);
  check(foreign.length === 0, () => `${foreign.join(', ')} ${foreign.length > 1 ? 'do' : 'does'} not apply to --model ${flags.model}`);
  const overrides: Record<string, unknown> = Object.fromEntries(set.map(([key, , value]) => [key, value]));
  if ('classes' in defaults) {
    check(data.labels, `--model ${flags.model} needs labelled data (--label-column for CSV, --labels for IDX, class subfolders for PNGs)`);
    overrides.classes = Math.max(...data.labels) + 1;
  }
  return defaultConfig(flags.model, inputShape, overrides as never);
}

/** Seeded split of the training rows into train and validation. */
function splitValidation(data: Dataset, fractionHeld: number, seed: number): { train: Dataset; validation?: Dataset } {
  const held = Math.floor(data.size * fractionHeld);
  if (held === 0) return { train: data };
  const order = permutation(data.size, mulberry32(seed ^ 0x5eed));
  return {
    train: subset(data, order.subarray(held).sort()),
    validation: subset(data, order.subarray(0, held).sort(), `${data.source} (validation)`),
  };
}

async function train(flags: TrainFlags): Promise<void> {
  const backend = await useBackend(flags);
  const loaded = await loadFlaggedData(flags, undefined, flags.json);
  const config = configFromFlags(flags, loaded.train.shape, loaded.train);
  check(flags.patience === undefined || flags.validationSplit > 0, '--patience needs a validation set: set --validation-split above 0');
  const { train: trainData, validation } = splitValidation(loaded.train, flags.validationSplit, flags.seed);
  const out = resolve(flags.out ?? `runs/${flags.model}-${basename(flags.data).replace(/\..*$/, '')}`);
  const model = createModel(config);
  const progress = progressCallbacks(flags.epochs, trainData.size, Boolean(flags.json));
  if (!flags.json) {
    process.stderr.write(`latentkit: training ${flags.model} on ${trainData.source}: ${trainData.size} examples of [${trainData.shape}]` +
      `${validation ? `, ${validation.size} for validation` : ''}, backend ${backend.name}\n`);
  }
  const result = await fit(model, trainData, {
    epochs: flags.epochs, batchSize: flags.batchSize, seed: flags.seed, adam: { learningRate: flags.lr },
    validationData: validation, patience: flags.patience, callbacks: progress,
  }).finally(() => progress.stop());
  const test = evaluate(model, loaded.test);
  const files: Record<string, Buffer> = {};
  if (isDrawable(model.inputShape)) {
    files['reconstructions.png'] = reconstructionPng(model, loaded.test);
    if (model.variational) files['samples.png'] = samplesPng(model, 64, flags.seed);
  }
  await saveRun(out, model, {
    data: { source: flags.data, shape: loaded.train.shape }, history: result.history, test, scaling: loaded.train.scaling,
    backend: backend.name, files,
  });
  printResult(flags, { event: 'done', out, test, bestEpoch: result.bestEpoch, stoppedEarly: result.stoppedEarly, files: Object.keys(files) },
    [
      `test ${describeTerms(test, model.variational)} on ${loaded.test.source}` +
        (result.stoppedEarly ? ` — stopped early, weights of epoch ${result.bestEpoch}` : ''),
      `saved ${out}/ (encoder/, decoder/, latentkit.json, metrics.json${Object.keys(files).map((f) => ', ' + f).join('')})`,
    ].join('\n'));
  model.dispose();
}

export function trainCommand(): Command {
  const kinds = MODEL_KINDS.map((k) => `${k}: ${FAMILIES[k].description}`).join('; ');
  const cmd = new Command('train').description('train a model and save it as a run directory');
  cmd.addOption(new Option('--model <kind>', `model kind (${kinds})`).choices(MODEL_KINDS as string[]).makeOptionMandatory());
  withDataFlags(cmd, true);
  cmd
    .option('--out <dir>', 'run directory to write (default runs/<model>-<data>)')
    .option('--latent <n>', 'latent (code) dimension', positiveInt('--latent'))
    .option('--hidden <units>', 'dense kinds: comma-separated hidden layer widths, e.g. 400 or 512,256 ("" for none)', intList('--hidden'))
    .option('--filters <list>', 'conv kinds: comma-separated filters of the stride-2 convolutions, e.g. 32,64', intList('--filters'))
    .option('--kernel-size <n>', 'conv kinds: side of the convolution kernels', positiveInt('--kernel-size'))
    .addOption(new Option('--activation <name>', 'hidden-layer activation').choices(ACTIVATIONS as string[]))
    .addOption(new Option('--likelihood <name>', 'VAE decoder likelihood').choices(['bernoulli', 'gaussian']))
    .option('--sigma <s>', 'Gaussian likelihood σ (fixed, or the start value with --learn-sigma)', positiveNumber('--sigma'))
    .option('--learn-sigma', 'learn the Gaussian likelihood log σ')
    .option('--sigma-per-feature', 'Gaussian likelihood: one σ per feature (pixel) instead of one shared σ')
    .addOption(new Option('--loss <name>', 'autoencoder loss').choices(['mse', 'bce']))
    .addOption(new Option('--latent-activation <name>', 'autoencoder kinds: activation of the code layer').choices(ACTIVATIONS as string[]))
    .addOption(new Option('--noise <kind>', 'denoising-ae: input corruption').choices(NOISE_KINDS as string[]))
    .option('--noise-level <x>', 'denoising-ae: Gaussian σ, or the masked fraction', nonNegativeNumber('--noise-level'))
    .addOption(new Option('--sparsity <kind>', 'sparse-ae: L1 activity or KL-sparsity penalty').choices(SPARSITY_KINDS as string[]))
    .option('--sparsity-weight <w>', 'sparse-ae: weight of the penalty', nonNegativeNumber('--sparsity-weight'))
    .option('--sparsity-target <rho>', 'sparse-ae with kl: target mean activation ρ in (0, 1)', fraction('--sparsity-target'))
    .option('--units <n>', 'seq-ae: units of the recurrent layers', positiveInt('--units'))
    .addOption(new Option('--cell <name>', 'seq-ae: recurrent cell').choices(RECURRENT_CELLS as string[]))
    .option('--samples <k>', 'iwae: importance samples per example in the training bound', positiveInt('--samples'))
    .option('--beta <b>', 'beta-vae: weight of the KL term', positiveNumber('--beta'))
    .addOption(new Option('--kl-schedule <name>', 'beta-vae: how the KL weight moves over training').choices(KL_SCHEDULES as string[]))
    .option('--warmup-epochs <n>', 'beta-vae linear schedule: epochs to reach β', positiveInt('--warmup-epochs'))
    .option('--cycles <n>', 'beta-vae cyclical schedule: annealing cycles over the run', positiveInt('--cycles'))
    .option('--free-bits <nats>', 'beta-vae: per-dimension KL floor in nats (0 = off)', nonNegativeNumber('--free-bits'))
    .option('--epochs <n>', 'training epochs', positiveInt('--epochs'), 10)
    .option('--batch-size <n>', 'examples per step', positiveInt('--batch-size'), 128)
    .option('--lr <rate>', 'Adam learning rate', positiveNumber('--lr'), 1e-3)
    .option('--seed <n>', 'seed of initialisation, shuffling and sampling', nonNegativeInt('--seed'), 1)
    .option('--validation-split <f>', 'fraction of training rows held out for validation', fraction('--validation-split'), 0.1)
    .option('--patience <n>', 'stop after n epochs without a lower validation loss', positiveInt('--patience'));
  withCommon(cmd);
  return cmd.action(action(train));
}
