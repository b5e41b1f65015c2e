// Commands that use a saved run: eval, encode, reconstruct, sample, interpolate.
import { Command, InvalidArgumentError, Option } from 'commander';
import { featureCount, head, subset, type Dataset } from '../data/dataset.js';
import { invertScaling } from '../data/scaling.js';
import { NOISE_KINDS, type NoiseKind } from '../models/denoising.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadRun, type RunManifest } from '../io/run-dir.js';
import { hasDiscreteCode, isLatentVariable, type AutoencoderModel, type LossTerms } from '../models/types.js';
import { codeIndicesOf } from '../train/diagnostics.js';
import { EVAL_SEED, RowNoise } from '../train/rng.js';
import { decodeCodes, denoiseDataset, encodeDataset, reconstructDataset, sequenceErrors } from '../tasks/latent.js';
import { fitGmm, sampleGmm } from '../tasks/gmm.js';
import { importanceSampledNll, mean } from '../tasks/likelihood.js';
import { evaluate } from '../train/trainer.js';
import { denoisingPages, gridPages, interpolationPng, reconstructionPages, samplesPages, traversalPng } from '../viz/pictures.js';
import { check } from '../errors.js';
import { parseShard, type Shard } from '../data/shard.js';
import { labelField, modelChunks, streams, streamToFile, type StreamSource } from './batch-stream.js';
import { SINK_FORMATS, sinkFormat, withRowSink, type FieldValues, type OutField, type SinkFormat } from '../io/row-sink.js';
import {
  action, intListWithZero, loadFlaggedData, nonNegativeInt, nonNegativeNumber, positiveInt, printResult, useBackend, withCommon, withDataFlags,
  type CommonFlags, type DataFlags,
  recordedDataFlags,
} from './common.js';
import { describeTerms, progressBar } from './progress.js';

export interface UseFlags extends CommonFlags, DataFlags {
  out?: string;
  split: 'train' | 'test';
  count: number;
  seed: number;
  steps: number;
  from: number;
  to: number;
  shard?: Shard;
}

const SPLITS = ['train', 'test'];

/**
 * Loads the run and the data, scaled as the run's training data was: --data, or without it the data the run recorded
 * (its test file when it had one).
 */
export async function open(runDir: string, flags: UseFlags, needData: boolean) {
  await useBackend(flags);
  const { model, manifest } = await loadRun(runDir);
  if (!needData) return { model, manifest, data: undefined };
  return { model, manifest, data: await openData(runDir, model, manifest, flags) };
}

/** The data of `flags` (or the run's recorded data) scaled as the run's training data, checked to fit the model. */
export async function openData(runDir: string, model: AutoencoderModel, manifest: RunManifest, flags: UseFlags) {
  const loaded = await loadFlaggedData(withRecordedData(flags, manifest, runDir), manifest.scaling, flags.json);
  const data = flags.split === 'train' ? loaded.train : loaded.test;
  check(featureCount(data.shape) === featureCount(model.inputShape),
    `${data.source}: examples of shape [${data.shape}] do not fit the model in ${runDir}, which takes [${model.inputShape}]`);
  return data;
}

/** The flags with --data, when it was omitted, set to the data the run recorded. */
export function withRecordedData<F extends DataFlags>(flags: F, manifest: RunManifest, runDir: string): F {
  if (flags.data) return flags;
  check(manifest.training, `--data is required: ${runDir} records no training data (saved by an older latentkit)`);
  return { ...flags, ...recordedDataFlags(manifest.training) };
}

/** A --label given to a model without classes, or outside them, is an error rather than ignored. */
function checkLabelFlag(model: AutoencoderModel, label: number | undefined, runDir: string): void {
  if (label === undefined) return;
  check(model.classes, `--label needs a conditional model (cvae); ${runDir} is a '${model.kind}' model`);
  check(label < model.classes, `--label ${label} is outside the model's classes 0..${model.classes - 1}`);
}

export function runCommand(name: string, description: string, needsData: boolean): Command {
  const cmd = new Command(name).description(description).argument('<run>', 'run directory written by latentkit train');
  if (needsData) {
    withDataFlags(cmd, true);
    cmd.addOption(new Option('--split <name>', 'which split of an embedded dataset (files use all rows)').choices(SPLITS).default('test'));
  }
  return withCommon(cmd);
}

/**
 * The data of a batch command as a stream, when --data (or the run's recorded data) is a file that streams; else
 * undefined (the data is loaded whole), and --shard is refused.
 */
export function streamSource(runDir: string, manifest: RunManifest, flags: UseFlags): StreamSource | undefined {
  const dataFlags = withRecordedData(flags, manifest, runDir);
  if (!streams(dataFlags) || (dataFlags.testData && !streams({ ...dataFlags, data: dataFlags.testData }))) {
    check(!flags.shard, '--shard splits CSV, .npy, Parquet and Arrow files; this data is none of them (or is cut into windows)');
    return undefined;
  }
  // As when loaded whole: the test split is the recorded (or given) test file, when there is one.
  const file = flags.split === 'test' && dataFlags.testData ? dataFlags.testData : dataFlags.data;
  return { data: file, labelColumn: dataFlags.labelColumn, header: dataFlags.header, scaling: manifest.scaling, shard: flags.shard };
}

/** Whether this process writes the CSV header: without a shard, or as shard 0 (the shards then concatenate). */
const writesHeader = (shard?: Shard): boolean => !shard || shard.index === 0;
const shardNote = (flags: UseFlags): string => (flags.shard ? ` (shard ${flags.shard.index}/${flags.shard.count})` : '');

async function evalRun(runDir: string, flags: UseFlags & { iw?: number }): Promise<void> {
  await useBackend(flags);
  const { model, manifest } = await loadRun(runDir);
  const source = streamSource(runDir, manifest, flags);
  const sums: Record<string, number> = {};
  let examples = 0;
  let nllSum = 0;
  let where: string;
  const add = (terms: LossTerms, nll: Float64Array | undefined, n: number) => {
    for (const [name, v] of Object.entries(terms)) if (typeof v === 'number') sums[name] = (sums[name] ?? 0) + v * n;
    if (nll) for (const v of nll) nllSum += v;
    examples += n;
  };
  const importance = (data: Dataset, firstRow: number) => flags.iw === undefined ? undefined
    : importanceSampledNll(model, data, { samples: flags.iw, noise: RowNoise.of(EVAL_SEED, firstRow, data.size) });
  if (source) {
    where = source.data;
    for await (const { data, firstRow } of modelChunks(model, source, 'evaluating', Boolean(flags.json))) {
      add(evaluate(model, data, { firstRow }), importance(data, firstRow), data.size);
    }
    check(examples > 0, `${source.data}: no rows to evaluate${shardNote(flags)}`);
  } else {
    const data = await openData(runDir, model, manifest, flags);
    where = data.source;
    const bar = progressBar(data.size, `importance sampling, K = ${flags.iw}`, Boolean(flags.json) || flags.iw === undefined);
    const nll = flags.iw === undefined ? undefined : importanceSampledNll(model, data, { samples: flags.iw, onProgress: (done) => bar.update(done) });
    bar.stop();
    add(evaluate(model, data), nll, data.size);
  }
  const terms = Object.fromEntries(Object.entries(sums).map(([name, v]) => [name, v / examples])) as unknown as LossTerms;
  const nll = flags.iw !== undefined ? nllSum / examples : undefined;
  printResult(flags, { run: runDir, data: where, examples, ...terms, ...(nll !== undefined && { nll, importanceSamples: flags.iw }), ...(flags.shard && { shard: `${flags.shard.index}/${flags.shard.count}` }) },
    `${where}${shardNote(flags)}: ${examples} examples  ${describeTerms(terms, isLatentVariable(model), 4)}` +
      (isLatentVariable(model) ? '  (−ELBO in nats per example)' : '') +
      (nll !== undefined ? `\nimportance-sampled −log p(x) with K = ${flags.iw}: ${nll.toFixed(4)} nats per example` : ''));
}

type TableFlags = UseFlags & { format?: SinkFormat };

/**
 * Writes a per-example table (`fields` of each chunk's rows, computed by `compute`) to --out: streamed from a file that
 * streams, else from the data loaded whole. Returns the rows written.
 */
async function writeTable(runDir: string, model: AutoencoderModel, manifest: RunManifest, flags: TableFlags, out: string, label: string,
  fields: (labelled: boolean) => OutField[], compute: (data: Dataset, firstRow: number) => FieldValues[]): Promise<{ rows: number; source: string }> {
  const format = flags.format ?? sinkFormat(out);
  const source = streamSource(runDir, manifest, flags);
  if (source) {
    const chunks = modelChunks(model, source, label, Boolean(flags.json));
    const rows = await streamToFile({ chunks, out, format, header: writesHeader(flags.shard), fields, compute: ({ data, firstRow }) => compute(data, firstRow) });
    return { rows, source: source.data };
  }
  const data = await openData(runDir, model, manifest, flags);
  await withRowSink(out, format, fields(data.labels !== undefined), true, (sink) => sink.write(compute(data, 0), data.size));
  return { rows: data.size, source: data.source };
}

const withLabels = (values: FieldValues, data: Dataset): FieldValues[] => [values, ...(data.labels ? [data.labels] : [])];

async function encodeRun(runDir: string, flags: TableFlags): Promise<void> {
  const out = flags.out ?? 'codes.csv';
  const { model, manifest } = await open(runDir, flags, false);
  // A discrete code is written as its codebook indices (c0…), a continuous one as its values (z0…).
  const discrete = hasDiscreteCode(model);
  const k = discrete ? model.positions : model.latentDim;
  const { rows, source } = await writeTable(runDir, model, manifest, flags, out, 'encoding',
    (labelled) => [discrete ? { name: 'code', type: 'int32', width: k, prefix: 'c' } : { name: 'code', type: 'float32', width: k, prefix: 'z' }, ...labelField(labelled)],
    (data) => withLabels(discrete ? codeIndicesOf(model, data) : encodeDataset(model, data), data));
  printResult(flags, { out, examples: rows, latentDim: k, ...(flags.shard && { shard: `${flags.shard.index}/${flags.shard.count}` }) },
    `wrote ${rows} codes of size ${k} to ${out}${flags.shard ? ` (shard ${flags.shard.index}/${flags.shard.count} of ${source})` : ''}`);
}

/** Reconstructions of every example, in the data's own units (the run's scaling undone), as a table. */
async function reconstructTable(runDir: string, flags: TableFlags, out: string): Promise<void> {
  const { model, manifest } = await open(runDir, flags, false);
  const d = featureCount(model.inputShape);
  const { rows } = await writeTable(runDir, model, manifest, flags, out, 'reconstructing',
    (labelled) => [{ name: 'reconstruction', type: 'float32', width: d, prefix: 'x' }, ...labelField(labelled)],
    (data) => {
      const recon = reconstructDataset(model, data);
      return withLabels(manifest.scaling ? invertScaling(manifest.scaling, recon) : recon, data);
    });
  printResult(flags, { out, examples: rows, ...(flags.shard && { shard: `${flags.shard.index}/${flags.shard.count}` }) },
    `wrote ${rows} reconstructions to ${out}${shardNote(flags)}`);
}

/** Row-major values as CSV with a header (prefix0, prefix1, …[, label]). */
export function csvRows(values: Float32Array, width: number, labels?: Int32Array, prefix = 'x'): string {
  const lines = [[...Array.from({ length: width }, (_, j) => `${prefix}${j}`), ...(labels ? ['label'] : [])].join(',')];
  for (let i = 0; i < values.length / width; i++) {
    const row = Array.from(values.subarray(i * width, (i + 1) * width), (v) => String(v));
    if (labels) row.push(String(labels[i]));
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

/** Writes a picture, or its pages as out-1.png, out-2.png, … when it has several. */
export async function picture(out: string, pngs: Buffer | Buffer[], flags: CommonFlags, what: string): Promise<void> {
  const all = Array.isArray(pngs) ? pngs : [pngs];
  const names = all.length === 1 ? [out] : all.map((_, i) => out.replace(/(\.png)?$/i, `-${i + 1}.png`));
  for (const [i, png] of all.entries()) await writeFileAtomic(names[i], png);
  printResult(flags, { out: names.length === 1 ? out : names }, `wrote ${what} to ${names.length === 1 ? out : `${names.length} pages, ${names[0]} … ${names[names.length - 1]}`}`);
}

/** --format among the table formats. */
export const formatOption = (help: string): Option => new Option('--format <name>', help).choices(SINK_FORMATS as string[]);

/** Adds --shard i/n. */
export function withShardFlag(cmd: Command): Command {
  return cmd.option('--shard <i/n>', 'a CSV, .npy, Parquet or Arrow file: only shard i of n (0-based); the shards\' outputs joined in order (latentkit merge) equal the whole', (v: string) => {
    try {
      return parseShard(v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  });
}

export function useCommands(): Command[] {
  const evalCmd = runCommand('eval', 'loss terms of a run on a dataset (−ELBO, reconstruction, KL)', true)
    .option('--iw <K>', 'VAE kinds: also estimate −log p(x) by importance sampling with K samples per example (e.g. 5000)', positiveInt('--iw'))
    .action(action(evalRun));
  const encode = runCommand('encode', 'write the code (latent mean) of every example as CSV, JSON lines or .npy', true)
    .option('--out <file>', 'file to write', 'codes.csv')
    .addOption(formatOption('csv (z0,…,label), jsonl ({"code": […], "label": n}), npy (float32 [n, latentDim]) or parquet (z0,…,label)'));
  withShardFlag(encode);
  encode    .action(action(encodeRun));
  const reconstruct = runCommand('reconstruct', 'a PNG grid of inputs (odd rows) and their reconstructions (even rows), or every reconstruction as a table', true)
    .option('--out <file>', 'a .png grid, or a .csv / .jsonl / .npy / .parquet table of every example\'s reconstruction in the data\'s units', 'reconstructions.png')
    .option('--count <n>', 'examples to draw in a PNG', positiveInt('--count'), 32)
    .addOption(formatOption('the table\'s format: csv, jsonl, npy or parquet (default from --out)'))
    .action(action(async (run: string, flags: TableFlags) => {
      if (!flags.out!.toLowerCase().endsWith('.png') || flags.format) {
        await reconstructTable(run, flags, flags.out!);
        return;
      }
      check(!flags.shard, '--shard writes tables, not PNG grids: give --out a .csv, .jsonl, .npy or .parquet file');
      const { model, data } = await open(run, flags, true);
      await picture(flags.out!, reconstructionPages(model, data!, flags.count), flags, `${Math.min(flags.count, data!.size)} reconstructions`);
    }));
  withShardFlag(reconstruct);
  withShardFlag(evalCmd);
  const sample = withDataFlags(runCommand('sample', 'PNG grid of new examples decoded from the prior N(0, I) (VAE), or from a Gaussian mixture fitted on training codes', false), false)
    .option('--out <file>', 'PNG file to write', 'samples.png')
    .option('--sampler <name>', 'prior (VAE kinds), or gmm:K — a K-component Gaussian mixture fitted on the codes of --data\'s training split (any kind)', 'prior')
    .option('--count <n>', 'samples to draw', positiveInt('--count'), 64)
    .option('--seed <n>', 'seed of the prior samples', nonNegativeInt('--seed'), 1)
    .option('--label <c>', 'cvae: the class to sample (default: a row of each class)', nonNegativeInt('--label'))
    .option('--temperature <t>', 'scale of the prior samples z ~ N(0, t²I); below 1 gives more typical samples', nonNegativeNumber('--temperature'), 1)
    .action(action(async (run: string, flags: UseFlags & { label?: number; temperature: number; sampler: string }) => {
      const mixture = /^gmm:(\d+)$/.exec(flags.sampler);
      check(flags.sampler === 'prior' || mixture, `--sampler '${flags.sampler}': expected prior or gmm:K (e.g. gmm:10)`);
      check(!mixture || flags.data, '--sampler gmm:K needs --data to fit the mixture on its training codes');
      const { model, data } = await open(run, { ...flags, split: 'train' }, Boolean(mixture));
      checkLabelFlag(model, flags.label, run);
      if (mixture) {
        const codes = encodeDataset(model, head(data!, 10000));
        const gmm = fitGmm(codes, model.latentDim, Number(mixture[1]), flags.seed);
        const images = decodeCodes(model, sampleGmm(gmm, flags.count, flags.seed), flags.label);
        await picture(flags.out!, gridPages(model, images, flags.count, `${flags.count} samples from a ${mixture[1]}-component Gaussian mixture fitted on the codes`), flags, `${flags.count} samples from a ${mixture[1]}-component mixture`);
        return;
      }
      await picture(flags.out!, samplesPages(model, flags.count, flags.seed, flags.label, 8, flags.temperature), flags,
        flags.label === undefined && model.classes ? `8 samples of each of ${model.classes} classes` : `${flags.count} samples`);
    }));
  const interpolate = runCommand('interpolate', 'PNG row decoded along the line between two examples\' codes', true)
    .option('--out <file>', 'PNG file to write', 'interpolation.png')
    .option('--from <i>', 'index of the first example', nonNegativeInt('--from'), 0)
    .option('--to <i>', 'index of the second example', nonNegativeInt('--to'), 1)
    .option('--steps <n>', 'images along the line, ends included', positiveInt('--steps'), 10)
    .option('--spherical', 'follow the great circle between the codes (slerp) instead of the straight line')
    .action(action(async (run: string, flags: UseFlags & { spherical?: boolean }) => {
      const { model, data } = await open(run, flags, true);
      await picture(flags.out!, interpolationPng(model, data!, flags.from, flags.to, flags.steps, flags.spherical ? 'spherical' : 'linear'), flags,
        `${flags.steps} interpolation steps`);
    }));
  const traverse = withDataFlags(runCommand('traverse', 'PNG grid varying one latent dimension per row around a code (the prior mean, or --from\'s code)', false), false)
    .addOption(new Option('--split <name>', 'which split of an embedded dataset holds --from').choices(SPLITS).default('test'))
    .option('--out <file>', 'PNG file to write', 'traversal.png')
    .option('--from <i>', 'traverse around this example\'s code instead of the origin', nonNegativeInt('--from'))
    .option('--dims <list>', 'latent dimensions, comma-separated (default: all, up to 16)', intListWithZero('--dims'))
    .option('--range <r>', 'each dimension goes from −r to +r', nonNegativeNumber('--range'), 3)
    .option('--steps <n>', 'images per row', positiveInt('--steps'), 9)
    .option('--label <c>', 'cvae: the class to decode', nonNegativeInt('--label'))
    .action(action(async (run: string, flags: UseFlags & { dims?: number[]; range: number; label?: number }) => {
      const { model, data } = await open(run, { ...flags, split: flags.split ?? 'test' }, flags.from !== undefined);
      checkLabelFlag(model, flags.label, run);
      check(flags.from === undefined || flags.from < data!.size, () => `--from ${flags.from} is out of range 0..${data!.size - 1} of ${data!.source}`);
      const base = flags.from !== undefined ? encodeDataset(model, head(subset(data!, [flags.from]), 1)) : new Float32Array(model.latentDim);
      const dims = flags.dims ?? Array.from({ length: Math.min(model.latentDim, 16) }, (_, d) => d);
      const label = flags.label ?? (flags.from !== undefined ? data!.labels?.[flags.from] : undefined);
      await picture(flags.out!, traversalPng(model, base, dims, flags.range, flags.steps, label, flags.from !== undefined ? `example #${flags.from}'s code` : 'the prior mean'), flags, `a traversal of ${dims.length} dimensions`);
    }));
  const denoise = runCommand('denoise', 'corrupt examples (optionally), reconstruct them, and write a PNG grid or a CSV', true)
    .option('--out <file>', 'a .png grid (rows: corrupted, denoised, clean), or a .csv / .jsonl / .npy / .parquet table of denoised rows', 'denoised.png')
    .addOption(new Option('--noise <kind>', 'corruption to apply first (default: the model\'s own, none for other kinds)').choices(NOISE_KINDS).default(undefined))
    .option('--noise-level <x>', 'Gaussian σ, or the masked fraction', nonNegativeNumber('--noise-level'))
    .option('--count <n>', 'examples to draw in a PNG', positiveInt('--count'), 16)
    .option('--seed <n>', 'seed of the corruption', nonNegativeInt('--seed'), 1)
    .action(action(async (run: string, flags: UseFlags & { noise?: NoiseKind; noiseLevel?: number }) => {
      const { model, manifest, data } = await open(run, flags, true);
      const own = manifest.config.kind === 'denoising-ae' ? { kind: manifest.config.noise, level: manifest.config.noiseLevel } : undefined;
      const kind = flags.noise ?? own?.kind;
      const noise = kind ? { kind, level: flags.noiseLevel ?? own?.level ?? 0.3, seed: flags.seed } : undefined;
      const out = flags.out!;
      if (out.toLowerCase().endsWith('.png')) {
        const part = head(data!, flags.count);
        const { corrupted, denoised } = denoiseDataset(model, part, noise);
        await picture(out, denoisingPages(model, part, corrupted, denoised), flags, `${part.size} denoised examples`);
        return;
      }
      const { denoised } = denoiseDataset(model, data!, noise);
      const rows = manifest.scaling ? invertScaling(manifest.scaling, denoised) : denoised;
      const fields: OutField[] = [{ name: 'denoised', type: 'float32', width: featureCount(model.inputShape), prefix: 'x' }, ...labelField(data!.labels !== undefined)];
      await withRowSink(out, sinkFormat(out), fields, true, (sink) => sink.write(withLabels(rows, data!), data!.size));
      printResult(flags, { out, examples: data!.size }, `wrote ${data!.size} denoised rows to ${out}`);
    }));
  const errors = runCommand('errors', 'seq-ae: reconstruction error of every window and of each of its time steps, as CSV', true)
    .option('--out <file>', 'CSV file to write (window, error, step0, step1, …)', 'errors.csv')
    .action(action(async (run: string, flags: UseFlags) => {
      const { model, data } = await open(run, flags, true);
      const { perWindow, perStep, steps } = sequenceErrors(model, data!);
      const lines = [['window', 'error', ...Array.from({ length: steps }, (_, t) => `step${t}`)].join(',')];
      for (let w = 0; w < perWindow.length; w++) lines.push([w, perWindow[w], ...perStep.subarray(w * steps, (w + 1) * steps)].join(','));
      await writeFileAtomic(flags.out!, lines.join('\n') + '\n');
      printResult(flags, { out: flags.out, windows: perWindow.length, meanError: mean(perWindow) },
        `wrote the errors of ${perWindow.length} windows to ${flags.out} (mean ${mean(perWindow).toFixed(5)})`);
    }));
  return [evalCmd, encode, reconstruct, sample, interpolate, traverse, denoise, errors];
}
