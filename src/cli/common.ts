// What every CLI command shares: backend and data flags, number parsing, JSON output, and error reporting.
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_PREFERENCES, parsePreference, selectBackend, type BackendInfo } from '../backend/select.js';
import { featureCount, head } from '../data/dataset.js';
import { slidingWindows } from '../data/windows.js';
import { loadData, type DataOptions, type LoadedData } from '../data/load.js';
import { SCALING_KINDS, type ScalingKind, type Scaling } from '../data/scaling.js';
import { check, UserError } from '../errors.js';
import type { TrainingSettings } from '../io/run-dir.js';
import { loadProgress } from './progress.js';

export interface CommonFlags {
  json?: boolean;
  backend?: string;
}

export interface DataFlags {
  data: string;
  labels?: string;
  labelColumn?: string;
  header?: boolean;
  scale?: ScalingKind;
  limit?: number;
  window?: number;
  stride?: number;
  /** Held-out test rows in a file of the same format (train only). */
  testData?: string;
}

/** A commander parser for a numeric flag that accepts values passing `ok`, described as `what` in the error. */
function numberFlag(name: string, ok: (n: number) => boolean, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !ok(n)) throw new InvalidArgumentError(`${name} must be ${what}, got '${value}'`);
    return n;
  };
}

export const positiveInt = (name: string) => numberFlag(name, (n) => Number.isInteger(n) && n > 0, 'a positive integer');
export const nonNegativeInt = (name: string) => numberFlag(name, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer');
export const nonNegativeNumber = (name: string) => numberFlag(name, (n) => Number.isFinite(n) && n >= 0, 'a non-negative number');
export const positiveNumber = (name: string) => numberFlag(name, (n) => Number.isFinite(n) && n > 0, 'a positive number');
export const fraction = (name: string) => numberFlag(name, (n) => Number.isFinite(n) && n >= 0 && n < 1, 'in [0, 1)');

/** Comma-separated non-negative integers (indices). */
export function intListWithZero(name: string) {
  return (value: string): number[] => value.split(',').map((part) => nonNegativeInt(name)(part.trim()));
}

export function intList(name: string) {
  return (value: string): number[] => {
    if (value.trim() === '') return [];
    return value.split(',').map((part) => positiveInt(name)(part.trim()));
  };
}

/** Adds --json and --backend. */
export function withCommon(cmd: Command): Command {
  return cmd
    .option('--json', 'print machine-readable JSON instead of text')
    .addOption(new Option('--backend <name>', 'compute backend').choices(BACKEND_PREFERENCES.filter((b) => b !== 'webgpu' && b !== 'webgl')));
}

/** Adds the flags that say how to read --data. */
export function withDataFlags(cmd: Command, defaultsToRecorded: boolean): Command {
  const help = `mnist, fashion-mnist, a .csv / .npy / .parquet / .arrow / .idx / .idx.gz file, or a folder of PNGs${defaultsToRecorded ? ' (default: the data the run was trained on)' : ''}`;
  return cmd
    .option('--data <spec>', help)
    .option('--labels <file>', 'labels for IDX images (an IDX file) or a .npy array (a 1-D .npy file)')
    .option('--label-column <name>', 'CSV, Parquet or Arrow column with integer labels (name or 0-based index); not a feature')
    .option('--header', 'the CSV has a header row (default: detected)')
    .option('--no-header', 'the CSV has no header row')
    .addOption(new Option('--scale <kind>', 'CSV feature scaling fitted on training rows').choices(SCALING_KINDS))
    .option('--limit <n>', 'use only the first n examples of each split', positiveInt('--limit'))
    .option('--window <n>', 'CSV time series: cut the rows into windows of n time steps (for seq-ae)', positiveInt('--window'))
    .option('--stride <n>', 'with --window: rows between window starts', positiveInt('--stride'), 1);
}

/** The data flags a run recorded when it was trained, as flags again. */
export function recordedDataFlags(settings: TrainingSettings): DataFlags {
  const { spec, ...rest } = settings.data;
  return { data: spec, ...rest };
}

export async function useBackend(flags: CommonFlags): Promise<BackendInfo> {
  const info = await selectBackend(flags.backend ? parsePreference(flags.backend) : undefined);
  if (info.fallbackReason && !flags.json) {
    process.stderr.write(`latentkit: using the ${info.name} backend (native backend unavailable: ${info.fallbackReason})\n`);
  }
  return info;
}

/** Loads --data; a saved scaling (from a trained run) is applied instead of fitting a new one. */
export async function loadFlaggedData(flags: DataFlags, scaling?: Scaling, quiet = false, labelColumnOptional = false): Promise<LoadedData> {
  const options: DataOptions = { labels: flags.labels, labelColumn: flags.labelColumn, labelColumnOptional, header: flags.header, scale: flags.scale, scaling };
  const load = async (spec: string, scalingToUse?: Scaling) => {
    const progress = loadProgress(spec, quiet);
    try {
      return await loadData(spec, { ...options, scaling: scalingToUse, onProgress: progress.onProgress });
    } finally {
      progress.stop();
    }
  };
  let loaded = await load(flags.data, scaling);
  if (flags.testData) {
    const test = (await load(flags.testData, loaded.train.scaling)).train;
    check(featureCount(test.shape) === featureCount(loaded.train.shape),
      `${flags.testData}: examples of shape [${test.shape}] but ${flags.data} has [${loaded.train.shape}]`);
    loaded = { ...loaded, test, heldOut: true };
  }
  if (!quiet) for (const w of loaded.warnings) process.stderr.write(`latentkit: warning: ${w}\n`);
  const windowed = flags.window
    ? { ...loaded, train: slidingWindows(loaded.train, flags.window, flags.stride), test: slidingWindows(loaded.test, flags.window, flags.stride) }
    : loaded;
  if (!flags.limit) return windowed;
  return { ...windowed, train: head(windowed.train, flags.limit), test: head(windowed.test, flags.limit) };
}

export function printResult(flags: CommonFlags, json: object, text: string): void {
  process.stdout.write(flags.json ? JSON.stringify(json) + '\n' : text + '\n');
}

/** Runs a command action, turning user errors into one line on stderr and exit code 1. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof UserError) {
        process.stderr.write(`latentkit: error: ${err.message}\n`);
        process.exit(1);
      }
      process.stderr.write(`latentkit: internal error: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(2);
    }
  };
}
