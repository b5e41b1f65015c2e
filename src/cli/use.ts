// Commands that use a saved run: eval, encode, reconstruct, sample, interpolate.
import { Command } from 'commander';
import { featureCount } from '../data/dataset.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadRun } from '../io/run-dir.js';
import { encodeDataset } from '../tasks/latent.js';
import { evaluate } from '../train/trainer.js';
import { interpolationPng, reconstructionPng, samplesPng } from '../viz/pictures.js';
import { check } from '../errors.js';
import {
  action, loadFlaggedData, nonNegativeInt, positiveInt, printResult, useBackend, withCommon, withDataFlags,
  type CommonFlags, type DataFlags,
} from './common.js';

interface UseFlags extends CommonFlags, DataFlags {
  out?: string;
  split: 'train' | 'test';
  count: number;
  seed: number;
  steps: number;
  from: number;
  to: number;
}

/** Loads the run and, when --data is given, the data scaled as the run's training data was. */
async function open(runDir: string, flags: UseFlags, needData: boolean) {
  await useBackend(flags);
  const { model, manifest } = await loadRun(runDir);
  if (!needData) return { model, manifest, data: undefined };
  const loaded = await loadFlaggedData(flags, manifest.scaling, flags.json);
  const data = flags.split === 'train' ? loaded.train : loaded.test;
  check(featureCount(data.shape) === featureCount(model.inputShape),
    `${data.source}: examples of shape [${data.shape}] do not fit the model in ${runDir}, which takes [${model.inputShape}]`);
  return { model, manifest, data };
}

function runCommand(name: string, description: string, needsData: boolean): Command {
  const cmd = new Command(name).description(description).argument('<run>', 'run directory written by latentkit train');
  if (needsData) {
    withDataFlags(cmd, true);
    cmd.option('--split <name>', 'which split of an embedded dataset (files use all rows)', 'test');
  }
  return withCommon(cmd);
}

async function evalRun(runDir: string, flags: UseFlags): Promise<void> {
  const { model, data } = await open(runDir, flags, true);
  const terms = evaluate(model, data!);
  printResult(flags, { run: runDir, data: data!.source, examples: data!.size, ...terms },
    `${data!.source}: ${data!.size} examples  loss ${terms.total.toFixed(4)}  reconstruction ${terms.reconstruction.toFixed(4)}  kl ${terms.kl.toFixed(4)}` +
      (model.variational ? '  (−ELBO in nats per example)' : ''));
}

async function encodeRun(runDir: string, flags: UseFlags): Promise<void> {
  const { model, data } = await open(runDir, flags, true);
  const codes = encodeDataset(model, data!);
  const k = model.latentDim;
  const header = [...Array.from({ length: k }, (_, j) => `z${j}`), ...(data!.labels ? ['label'] : [])].join(',');
  const lines = [header];
  for (let i = 0; i < data!.size; i++) {
    const row = Array.from(codes.subarray(i * k, (i + 1) * k), (v) => String(v));
    if (data!.labels) row.push(String(data!.labels[i]));
    lines.push(row.join(','));
  }
  const out = flags.out ?? 'codes.csv';
  await writeFileAtomic(out, lines.join('\n') + '\n');
  printResult(flags, { out, examples: data!.size, latentDim: k }, `wrote ${data!.size} codes of size ${k} to ${out}`);
}

async function picture(out: string, png: Buffer, flags: UseFlags, what: string): Promise<void> {
  await writeFileAtomic(out, png);
  printResult(flags, { out }, `wrote ${what} to ${out}`);
}

export function useCommands(): Command[] {
  const evalCmd = runCommand('eval', 'loss terms of a run on a dataset (−ELBO, reconstruction, KL)', true)
    .action(action(evalRun));
  const encode = runCommand('encode', 'write the code (latent mean) of every example as CSV', true)
    .option('--out <file>', 'CSV file to write', 'codes.csv')
    .action(action(encodeRun));
  const reconstruct = runCommand('reconstruct', 'PNG grid of inputs (odd rows) and their reconstructions (even rows)', true)
    .option('--out <file>', 'PNG file to write', 'reconstructions.png')
    .option('--count <n>', 'examples to draw', positiveInt('--count'), 32)
    .action(action(async (run: string, flags: UseFlags) => {
      const { model, data } = await open(run, flags, true);
      await picture(flags.out!, reconstructionPng(model, data!, flags.count), flags, `${Math.min(flags.count, data!.size)} reconstructions`);
    }));
  const sample = runCommand('sample', 'PNG grid of new examples decoded from the prior N(0, I) (VAE)', false)
    .option('--out <file>', 'PNG file to write', 'samples.png')
    .option('--count <n>', 'samples to draw', positiveInt('--count'), 64)
    .option('--seed <n>', 'seed of the prior samples', nonNegativeInt('--seed'), 1)
    .action(action(async (run: string, flags: UseFlags) => {
      const { model } = await open(run, flags, false);
      await picture(flags.out!, samplesPng(model, flags.count, flags.seed), flags, `${flags.count} samples`);
    }));
  const interpolate = runCommand('interpolate', 'PNG row decoded along the line between two examples\' codes', true)
    .option('--out <file>', 'PNG file to write', 'interpolation.png')
    .option('--from <i>', 'index of the first example', nonNegativeInt('--from'), 0)
    .option('--to <i>', 'index of the second example', nonNegativeInt('--to'), 1)
    .option('--steps <n>', 'images along the line, ends included', positiveInt('--steps'), 10)
    .action(action(async (run: string, flags: UseFlags) => {
      const { model, data } = await open(run, flags, true);
      await picture(flags.out!, interpolationPng(model, data!, flags.from, flags.to, flags.steps), flags, `${flags.steps} interpolation steps`);
    }));
  return [evalCmd, encode, reconstruct, sample, interpolate];
}
