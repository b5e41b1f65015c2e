// A run's checkpoint/ folder: the trainer's state as state.json plus its arrays (Adam's moments, early stopping's best
// weights) as raw float32 in arrays.bin, read back with every size checked before use.
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { check, UserError } from '../errors.js';
import type { TrainerState } from '../train/trainer.js';
import { readRegularFile } from './read-file.js';
import { parseJsonFile } from './json-file.js';
import { epochMetricsSchema } from './run-manifest.js';

const finite = z.number().finite();
const count = z.number().int().nonnegative();
const rngState = z.object({ state: count.max(2 ** 32 - 1), spare: finite.optional() });

const stateSchema = z.object({
  epoch: count.min(1), batch: count, epochSeconds: z.number().nonnegative(),
  shuffle: rngState, noise: rngState,
  sums: z.object({ sums: z.record(z.string(), z.number()), count }),
  history: z.array(epochMetricsSchema),
  guard: z.object({
    skipped: count, skippedInRow: count, smoothed: finite.optional(), minSmoothed: finite.optional(), scale: finite.optional(),
    bestValidation: finite.optional(),
  }),
  adam: z.object({ step: count, accBeta1: finite, accBeta2: finite }),
  best: z.object({ loss: z.number(), epoch: count }).optional(),
  /** Lengths of the arrays in arrays.bin, in order: Adam's m, Adam's v, then the best weights. */
  arrays: z.object({ m: z.array(count), v: z.array(count), best: z.array(count) }),
});

export const CHECKPOINT_DIR = 'checkpoint';

/** Writes `state` into `dir/checkpoint/`. */
export async function writeCheckpoint(dir: string, state: TrainerState): Promise<void> {
  const folder = join(dir, CHECKPOINT_DIR);
  await mkdir(folder, { recursive: true });
  const best = state.best?.weights ?? [];
  const arrays = [...state.adam.m, ...state.adam.v, ...best];
  const json: z.infer<typeof stateSchema> = {
    epoch: state.epoch, batch: state.batch, epochSeconds: state.epochSeconds, shuffle: state.shuffle, noise: state.noise,
    sums: state.sums, history: state.history, guard: state.guard,
    adam: { step: state.adam.step, accBeta1: state.adam.accBeta1, accBeta2: state.adam.accBeta2 },
    ...(state.best && { best: { loss: state.best.loss, epoch: state.best.epoch } }),
    arrays: { m: state.adam.m.map((a) => a.length), v: state.adam.v.map((a) => a.length), best: best.map((a) => a.length) },
  };
  const bytes = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0));
  let offset = 0;
  for (const a of arrays) {
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset += a.byteLength;
  }
  await writeFile(join(folder, 'arrays.bin'), bytes);
  await writeFile(join(folder, 'state.json'), JSON.stringify(json));
}

/** Reads `dir/checkpoint/`, or returns undefined when the run has none. */
export async function readCheckpoint(dir: string): Promise<TrainerState | undefined> {
  const statePath = join(dir, CHECKPOINT_DIR, 'state.json');
  let text: string;
  try {
    text = (await readRegularFile(statePath, { maxBytes: 64 * 2 ** 20 })).toString('utf8');
  } catch (err) {
    if (err instanceof UserError && /ENOENT/.test(err.message)) return undefined;
    throw err;
  }
  const s = parseJsonFile(text, statePath, stateSchema, 'the checkpoint is corrupt');
  const lengths = [...s.arrays.m, ...s.arrays.v, ...s.arrays.best];
  const total = lengths.reduce((a, b) => a + b, 0);
  check(s.arrays.m.length === s.arrays.v.length,
    `${statePath}: ${s.arrays.m.length} first moments but ${s.arrays.v.length} second; the checkpoint is corrupt`);
  check(s.best !== undefined || s.arrays.best.length === 0, `${statePath}: best weights without a best epoch; the checkpoint is corrupt`);
  const bytes = await readRegularFile(join(dir, CHECKPOINT_DIR, 'arrays.bin'), { exact: total * 4 });
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const arrays: Float32Array[] = [];
  let offset = 0;
  for (const n of lengths) {
    arrays.push(all.subarray(offset, offset + n));
    offset += n;
  }
  const k = s.arrays.m.length;
  return {
    epoch: s.epoch, batch: s.batch, epochSeconds: s.epochSeconds, shuffle: s.shuffle, noise: s.noise, sums: s.sums,
    history: s.history as TrainerState['history'], guard: s.guard,
    adam: { ...s.adam, m: arrays.slice(0, k), v: arrays.slice(k, 2 * k) },
    ...(s.best && { best: { ...s.best, weights: arrays.slice(2 * k) } }),
  };
}
