// `latentkit train`: flags → model config → fit → evaluate → save the run with its pictures.
import { Command, Option } from 'commander';
import { basename, resolve } from 'node:path';
import { classCount, featureCount, splitValidation, type Dataset } from '../data/dataset.js';
import { checkOutTarget, loadCheckpoint, readManifest, saveRun, type RunManifest, type TrainingSettings } from '../io/run-dir.js';
import { lockDir } from '../io/atomic.js';
import { hasPrior, isLatentVariable, type AutoencoderModel, type LossTerms } from '../models/types.js';
import type { FitResult, TrainerState } from '../train/trainer.js';
import type { LoadedData } from '../data/load.js';
import { fingerprint, scaleWarning } from '../data/fingerprint.js';
import { VERSION } from '../version.js';
import { createModel, defaultConfig, FAMILIES, type ModelConfig } from '../models/registry.js';
import { describeChoices, type DataKind } from '../models/table-defaults.js';
import { MODEL_KINDS, type ModelKind } from '../models/choices.js';
import { evaluate, fit } from '../train/trainer.js';
import { reconstructionPng, samplesPng } from '../viz/pictures.js';
import { isDrawable } from '../viz/grid.js';
import { check } from '../errors.js';
import {
  action, fraction, recordedDataFlags, intList, loadFlaggedData, nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber, printResult, useBackend,
  withCommon, withDataFlags, type CommonFlags, type DataFlags,
} from './common.js';
import { describeTerms, progressCallbacks } from './progress.js';
import { addModelFlags, givenModelFlags } from './model-flags.js';
import { ONE_CLASS, RECIPE_NAMES, RECIPES, recipeConfigs, type RecipeName } from '../tasks/recipes.js';
import { memberFiles, trainOtherMembers, type Detection } from './recipe-members.js';

interface TrainFlags extends CommonFlags, DataFlags {
  model?: ModelKind;
  out?: string;
  force?: boolean;
  resume?: string;
  from?: string;
  checkpointEvery?: number;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  validationSplit: number;
  patience?: number;
  perturb?: number;
  recipe?: RecipeName;
}

/** Turns the model flags into a config: the kind's defaults with the given flags changed; a flag the kind lacks is an error. */
function configFromFlags(flags: TrainFlags & { model: ModelKind }, inputShape: number[], data: Dataset): ModelConfig {
  const given = [...givenModelFlags(flags as unknown as Record<string, unknown>), { key: 'seed', flag: '--seed', value: flags.seed }];
  const defaults = FAMILIES[flags.model].defaults as unknown as Record<string, unknown>;
  const set = given.filter(({ value }) => value !== undefined);
  const foreign = set.filter(({ key }) => !(key in defaults)).map(({ flag }) => flag);
  check(foreign.length === 0, () => `${foreign.join(', ')} ${foreign.length > 1 ? 'do' : 'does'} not apply to --model ${flags.model}`);
  const overrides: Record<string, unknown> = Object.fromEntries(set.map(({ key, value }) => [key, value]));
  if ('classes' in defaults) {
    check(data.labels, `--model ${flags.model} needs labelled data (--label-column for CSV, --labels for IDX, class subfolders for PNGs)`);
    overrides.classes = classCount(data.labels);
  }
  return defaultConfig(flags.model, inputShape, overrides as never, dataKind(data));
}

/** Real-valued rows (a CSV) are a table; uint8 images and windows of a series keep the kinds' own defaults. */
function dataKind(data: Dataset): DataKind {
  return data.values instanceof Float32Array && data.shape.length === 1 ? 'table' : 'image';
}

/** Tables up to this many rows train with early stopping by default (more epochs, stopped by the validation loss). */
const SMALL_TABLE_ROWS = 20_000;
const SMALL_TABLE_EPOCHS = 200;
const SMALL_TABLE_PATIENCE = 10;

/** The training flags with the small-table defaults filled in where the command line left them. */
function withTableTraining(flags: TrainFlags, data: Dataset, given: Set<string>): TrainFlags {
  if (dataKind(data) !== 'table' || data.size > SMALL_TABLE_ROWS || flags.validationSplit === 0) return flags;
  return {
    ...flags,
    ...(!given.has('epochs') && { epochs: SMALL_TABLE_EPOCHS }),
    ...(!given.has('patience') && { patience: SMALL_TABLE_PATIENCE }),
  };
}

/** What training will do, in one line, before it starts. */
function describeSetup(config: ModelConfig, data: Dataset, flags: TrainFlags): string {
  const what = dataKind(data) === 'table' ? `a table of ${featureCount(data.shape)} features` : `examples of [${data.shape}]`;
  const stopping = flags.patience ? `, early stopping on a ${Math.round(flags.validationSplit * 100)}% validation split (patience ${flags.patience})` : '';
  return `${config.kind} on ${what}, ${data.size} rows: ${describeChoices(config as unknown as Record<string, unknown>)}; up to ${flags.epochs} epochs${stopping}`;
}

function recordedSettings(manifest: RunManifest, run: string): TrainingSettings {
  check(manifest.training, `${run}: records no training settings (saved by an older latentkit); train it again with explicit flags`);
  return manifest.training;
}

/** Train and test data for the flags, a held-out test file included. */
async function loadTrainingData(flags: TrainFlags): Promise<LoadedData> {
  const loaded = await loadFlaggedData(flags, undefined, flags.json);
  const warning = scaleWarning(loaded.train);
  if (warning && !flags.json) process.stderr.write(`latentkit: warning: ${warning}\n`);
  return loaded;
}

/** What every save of a run records about its data, scaling, backend and training. */
function runInfo(settings: TrainingSettings, loaded: LoadedData, backendName: string) {
  return { data: { source: settings.data.spec, shape: loaded.train.shape }, scaling: loaded.train.scaling, backend: backendName, training: settings };
}

interface Session {
  flags: TrainFlags;
  /** A recipe's run: its other members' files and the detection entry, saved with every save of this run. */
  recipe?: { files: Record<string, Uint8Array>; detection: Detection };
  model: AutoencoderModel;
  loaded: LoadedData;
  settings: TrainingSettings;
  out: string;
  backendName: string;
  resume?: TrainerState;
}

/**
 * Trains, checkpointing into `out` and stopping cleanly on SIGINT/SIGTERM (a checkpoint, then exit 130/143), and saves
 * the finished run. A run that stopped on a non-finite or diverging loss throws before anything is saved.
 */
async function trainAndSave(s: Session): Promise<void> {
  const { flags, model, loaded, settings, out } = s;
  const { train: trainData, validation } = splitValidation(loaded.train, settings.validationSplit, settings.seed);
  const progress = progressCallbacks(settings.epochs, trainData.size, Boolean(flags.json), isLatentVariable(model));
  if (!flags.json) {
    process.stderr.write(`latentkit: ${s.resume ? `resuming at epoch ${s.resume.epoch}, batch ${s.resume.batch + 1}: ` : ''}training ` +
      `${model.config.kind} on ${trainData.source}: ${trainData.size} examples of [${trainData.shape}]` +
      `${validation ? `, ${validation.size} for validation` : ''}, backend ${s.backendName}\n`);
  }
  const info = { ...runInfo(settings, loaded, s.backendName), detection: s.recipe?.detection, files: s.recipe?.files };
  const abort = new AbortController();
  let signal: NodeJS.Signals | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (signal) process.exit(name === 'SIGINT' ? 130 : 143); // asked twice: stop now (the last checkpoint stays)
    signal = name;
    abort.abort();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  let result: FitResult;
  try {
    result = await fit(model, trainData, {
      epochs: settings.epochs, batchSize: settings.batchSize, seed: settings.seed, adam: { learningRate: settings.learningRate },
      validationData: validation, patience: settings.patience, callbacks: progress, resume: s.resume, signal: abort.signal,
      checkpointEvery: settings.checkpointEvery, perturb: settings.perturb,
      onCheckpoint: async (state) => void (await saveRun(out, model, { ...info, history: state.history, checkpoint: state })),
    }).finally(() => progress.stop());
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
  if (result.interrupted) {
    const state = result.interrupted;
    await saveRun(out, model, { ...info, history: state.history, checkpoint: state });
    process.stderr.write(`latentkit: ${signal ?? 'stopped'}: saved a checkpoint at epoch ${state.epoch}, batch ${state.batch} in ${out}/; ` +
      `continue with 'latentkit train --resume ${out}'\n`);
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  }
  if (result.skippedBatches > 0 && !flags.json) {
    process.stderr.write(`latentkit: warning: skipped ${result.skippedBatches} batches with a non-finite loss or gradient\n`);
  }
  const { terms, where } = finalScore(model, loaded, validation);
  check(!terms || Number.isFinite(terms.total), `the trained model's ${where} loss is ${terms?.total}; not saving it (lower --lr)`);
  const files: Record<string, Uint8Array> = {};
  const shown = loaded.heldOut ? loaded.test : validation ?? loaded.train;
  if (isDrawable(model.inputShape)) {
    files['reconstructions.png'] = reconstructionPng(model, shown);
    if (hasPrior(model)) files['samples.png'] = samplesPng(model, 64, settings.seed);
  }
  await saveRun(out, model, { ...info, history: result.history, test: loaded.heldOut ? terms : undefined, files: { ...s.recipe?.files, ...files } });
  printResult(flags, { event: 'done', out, test: loaded.heldOut ? terms : undefined, validation: loaded.heldOut ? undefined : terms,
    bestEpoch: result.bestEpoch, stoppedEarly: result.stoppedEarly, files: Object.keys(files) },
  [
    (terms ? `${where} ${describeTerms(terms, isLatentVariable(model))}` : 'no held-out data to score (pass --test-data or a --validation-split)') +
      (result.stoppedEarly ? ` — stopped early, weights of epoch ${result.bestEpoch}` : ''),
    `saved ${out}/ (encoder/, decoder/, latentkit.json, metrics.json${Object.keys(files).map((f) => ', ' + f).join('')}` +
      `${s.recipe ? s.recipe.detection.ensemble.map((m) => `, ${m}/`).join('') : ''})` +
      (s.recipe ? `\nrecipe ${s.recipe.detection.recipe}: 'latentkit detect ${out} --data …' scores with all ${s.recipe.detection.ensemble.length + 1} members (${s.recipe.detection.scores.join(' and ')})` : ''),
  ].join('\n'));
  model.dispose();
}

/** The score reported at the end: on held-out test rows, else on the validation rows (never the training rows as "test"). */
function finalScore(model: AutoencoderModel, loaded: LoadedData, validation?: Dataset): { terms?: LossTerms; where: string } {
  if (loaded.heldOut) return { terms: evaluate(model, loaded.test), where: `test on ${loaded.test.source}` };
  if (validation) return { terms: evaluate(model, validation), where: `validation on ${validation.source}` };
  return { where: 'no held-out data' };
}

async function resumeRun(flags: TrainFlags, given: Set<string>): Promise<void> {
  const run = resolve(flags.resume!);
  const foreign = [...given].filter((name) => !['resume', 'json', 'backend'].includes(name));
  check(foreign.length === 0, () => `--resume continues with the run's recorded settings; drop ${foreign.map((f) => '--' + f.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())).join(', ')}`);
  const unlock = lockDir(run);
  try {
    const backend = await useBackend(flags);
    const { model, manifest, state } = await loadCheckpoint(run);
    const settings = recordedSettings(manifest, run);
    if (settings.backend !== backend.name && !flags.json) {
      process.stderr.write(`latentkit: warning: the run was trained on ${settings.backend}, resuming on ${backend.name}; the result will differ slightly\n`);
    }
    const loaded = await loadTrainingData({ ...flags, ...recordedDataFlags(settings) });
    check(fingerprint(loaded.train) === settings.fingerprint,
      `${settings.data.spec}: the data differs from what ${run} was trained on (fingerprint mismatch); resume needs the same data`);
    const recipe = manifest.detection && { files: await memberFiles(run, manifest.detection), detection: manifest.detection };
    await trainAndSave({ flags, model, loaded, settings, out: run, backendName: backend.name, resume: state, recipe });
  } finally {
    unlock();
  }
}

async function train(flags: TrainFlags, cmd: Command): Promise<void> {
  const given = new Set(Object.keys(flags).filter((name) => cmd.getOptionValueSource(name) === 'cli'));
  check(!(flags.resume && flags.from), '--resume and --from cannot be used together');
  if (flags.resume) return resumeRun(flags, given);
  let recorded: { config: ModelConfig; settings: TrainingSettings } | undefined;
  if (flags.from) {
    const manifest = await readManifest(flags.from);
    check(!manifest.detection, () => `${flags.from}: a run of recipe ${manifest.detection!.recipe}; train it again with --recipe ${manifest.detection!.recipe}`);
    recorded = { config: manifest.config, settings: recordedSettings(manifest, flags.from) };
    const modelFlags = [...given].filter((name) => !TRAINING_FLAGS.has(name));
    check(modelFlags.length === 0, () => `--from takes the model and data recorded in ${flags.from}; only training flags may change`);
    const r = recorded.settings;
    const settingsAsFlags = { epochs: r.epochs, batchSize: r.batchSize, lr: r.learningRate, seed: r.seed, validationSplit: r.validationSplit, patience: r.patience, perturb: r.perturb };
    // The recorded value of each training flag, unless the command line gives it.
    const kept = Object.fromEntries(Object.entries(settingsAsFlags).filter(([name]) => !given.has(name)));
    flags = { ...flags, ...recordedDataFlags(r), model: recorded.config.kind, ...kept };
  }
  const recipe = flags.recipe && RECIPES[flags.recipe];
  if (recipe) {
    check(!flags.model && !flags.from, `--recipe ${flags.recipe} chooses the models; drop --model and --from`);
    const modelFlags = givenModelFlags(flags as unknown as Record<string, unknown>).map((f) => f.flag);
    check(modelFlags.length === 0, () => `--recipe ${flags.recipe} chooses the models; drop ${modelFlags.join(', ')}`);
    flags = { ...flags, model: 'ae', ...(!given.has('epochs') && { epochs: recipe.epochs }), ...(!given.has('batchSize') && { batchSize: recipe.batchSize }) };
  }
  check(flags.model, '--model is required (or --resume RUN to continue a run, or --from RUN to train one again)');
  check(flags.data, '--data is required (mnist, fashion-mnist, a .csv / .idx / .idx.gz file, or a folder of PNGs)');
  check(flags.patience === undefined || flags.validationSplit > 0, '--patience needs a validation set: set --validation-split above 0');
  const out = resolve(flags.out ?? `runs/${flags.recipe ?? flags.model}-${basename(flags.data).replace(/\..*$/, '')}`);
  checkOutTarget(out, Boolean(flags.force));
  const unlock = lockDir(out);
  try {
    const backend = await useBackend(flags);
    const loaded = await loadTrainingData(flags);
    if (!recorded) flags = withTableTraining(flags, loaded.train, given);
    const configs = recipe ? recipeConfigs(recipe, loaded.train.shape, flags.seed) : undefined;
    const config = recorded?.config ?? configs?.[0] ?? configFromFlags(flags as TrainFlags & { model: ModelKind }, loaded.train.shape, loaded.train);
    if (!flags.json) process.stderr.write(`latentkit: ${describeSetup(config, loaded.train, flags)}\n`);
    const settings: TrainingSettings = {
      data: {
        spec: flags.data, labels: flags.labels, labelColumn: flags.labelColumn, header: flags.header, scale: flags.scale, limit: flags.limit,
        window: flags.window, stride: flags.window ? flags.stride : undefined, testData: flags.testData,
      },
      fingerprint: fingerprint(loaded.train), epochs: flags.epochs, batchSize: flags.batchSize, learningRate: flags.lr, seed: flags.seed,
      validationSplit: flags.validationSplit, patience: flags.patience, checkpointEvery: flags.checkpointEvery, perturb: flags.perturb, backend: backend.name,
      version: VERSION,
    };
    const members = recipe && configs && await trainOtherMembers(flags.recipe!, recipe, configs, splitValidation(loaded.train, settings.validationSplit, settings.seed).train, {
      epochs: settings.epochs, batchSize: settings.batchSize, learningRate: settings.learningRate, json: Boolean(flags.json),
      info: runInfo(settings, loaded, backend.name),
    });
    if (members && !flags.json) process.stderr.write(`latentkit: recipe ${flags.recipe}: member 1 of ${configs!.length} (${config.kind}, seed ${config.seed})\n`);
    await trainAndSave({ flags, model: createModel(config), loaded, settings, out, backendName: backend.name, recipe: members });
  } finally {
    unlock();
  }
}

/** Flags that --from lets change: the rest (model and data) come from the recorded run. */
const TRAINING_FLAGS = new Set(['from', 'out', 'force', 'epochs', 'batchSize', 'lr', 'seed', 'validationSplit', 'patience', 'perturb', 'checkpointEvery', 'json', 'backend']);

export function trainCommand(): Command {
  const kinds = MODEL_KINDS.map((k) => `${k}: ${FAMILIES[k].description}`).join('; ');
  const cmd = new Command('train').description('train a model and save it as a run directory');
  cmd.addOption(new Option('--model <kind>', `model kind (${kinds})`).choices(MODEL_KINDS));
  cmd.addOption(new Option('--recipe <name>', `train a detection recipe's models instead of one --model (one-class: ${ONE_CLASS.description}); 'latentkit detect RUN' then scores with all of them`).choices(RECIPE_NAMES));
  withDataFlags(cmd, false);
  cmd
    .option('--test-data <file>', 'held-out test rows in the format of --data (scaled as the training rows)')
    .option('--out <dir>', 'run directory to write (default runs/<model>-<data>); an existing run is replaced only with --force')
    .option('--force', 'replace the run at --out')
    .option('--resume <run>', 'continue an interrupted run from its checkpoint (same data, settings and seed)')
    .option('--from <run>', 'train again with the model and settings recorded in a run')
    .option('--checkpoint-every <n>', 'epochs between checkpoints (0: none; default every epoch for runs over a minute)', nonNegativeInt('--checkpoint-every'))
    .option('--epochs <n>', 'training epochs', positiveInt('--epochs'), 10)
    .option('--batch-size <n>', 'examples per step', positiveInt('--batch-size'), 128)
    .option('--lr <rate>', 'Adam learning rate', positiveNumber('--lr'), 1e-3)
    .option('--seed <n>', 'seed of initialisation, shuffling and sampling', nonNegativeInt('--seed'), 1)
    .option('--validation-split <f>', 'fraction of training rows held out for validation', fraction('--validation-split'), 0.1)
    .option('--patience <n>', 'stop after n epochs without a lower validation loss', positiveInt('--patience'))
    .option('--perturb <rate>', 'train on inputs with this fraction of features replaced by uniform draws: a background model for detect --score ratio (Ren et al. use 0.1–0.2)', fraction('--perturb'));
  addModelFlags(cmd);
  withCommon(cmd);
  return cmd.action(action(train));
}
