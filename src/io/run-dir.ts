// A run directory on disk: the run's files (io/run-files.ts) written atomically, plus a checkpoint/ while unfinished.
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { lockDir, readableDir, writeDirAtomic } from './atomic.js';
import { readRegularFile } from './read-file.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint-files.js';
import { MAX_MANIFEST_BYTES, parseManifest, type RunInfo, type RunManifest } from './run-manifest.js';
import { readRun, runFromFiles, runToFiles, unzipRun, type LoadedRun } from './run-files.js';
import type { AutoencoderModel } from '../models/types.js';
import type { TrainerState } from '../train/trainer.js';

export { RUN_FORMAT_VERSION, trainingSettingsSchema, type RunManifest, type RunInfo, type TrainingSettings } from './run-manifest.js';

/** Saves a model and what is known about it; an existing run at `dir` is replaced only once the new one is complete. */
export async function saveRun(dir: string, model: AutoencoderModel, info: RunInfo): Promise<RunManifest> {
  const { files, manifest } = await runToFiles(model, info);
  const unlock = lockDir(dir);
  try {
    await writeDirAtomic(dir, async (tmp) => {
      for (const [name, content] of Object.entries(files)) {
        await mkdir(dirname(join(tmp, name)), { recursive: true });
        await writeFile(join(tmp, name), content);
      }
      if (info.checkpoint) await writeCheckpoint(tmp, info.checkpoint);
    });
  } finally {
    unlock();
  }
  return manifest;
}

/** Reads and checks a run's latentkit.json. */
export async function readManifest(dir: string): Promise<RunManifest> {
  const path = join(readableDir(dir), 'latentkit.json');
  if (!existsSync(path)) throw new UserError(`${dir}: not a latentkit run (no latentkit.json); train one with 'latentkit train --out ${dir}'`);
  return parseManifest((await readRegularFile(path, { maxBytes: MAX_MANIFEST_BYTES })).toString('utf8'), path);
}

/** The most bytes a zipped run may hold. */
const MAX_ZIP_FILE_BYTES = 2 ** 31 - 1;

/** Loads a saved run (a run folder, or a .zip of one such as the studio downloads): its model and its manifest. */
export async function loadRun(path: string): Promise<LoadedRun> {
  if (path.toLowerCase().endsWith('.zip') && existsSync(path) && statSync(path).isFile()) {
    return runFromFiles(unzipRun(await readRegularFile(path, { maxBytes: MAX_ZIP_FILE_BYTES, followLinks: true }), path), path);
  }
  const found = readableDir(path);
  if (!existsSync(join(found, 'latentkit.json'))) {
    throw new UserError(`${path}: not a latentkit run (no latentkit.json); train one with 'latentkit train --out ${path}'`);
  }
  return readRun(async (name, maxBytes) => {
    const file = join(found, name);
    if (!lstatOrUndefined(file)) return undefined;
    return readRegularFile(file, { maxBytes });
  }, path);
}

/** The file's lstat, or undefined when nothing is there (a dangling link is there). */
function lstatOrUndefined(file: string): unknown {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

/** Loads an unfinished run with the trainer state to continue it. */
export async function loadCheckpoint(dir: string): Promise<{ model: AutoencoderModel; manifest: RunManifest; state: TrainerState }> {
  const run = await loadRun(dir);
  const state = run.manifest.status === 'in-progress' ? await readCheckpoint(readableDir(dir)) : undefined;
  if (!state) {
    run.model.dispose();
    throw new UserError(`${dir}: a finished run, nothing to resume; train it again with 'latentkit train --from ${dir} --out NEW'`);
  }
  return { ...run, state };
}

/**
 * Refuses to let a save at `dir` destroy anything but a latentkit run, and a run only when `force` is set.
 * An empty folder or a missing path is fine.
 */
export function checkOutTarget(dir: string, force: boolean): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new UserError(`${dir}: exists and is a file, not a run folder; latentkit will not replace it (choose another --out)`);
  const entries = readdirSync(dir);
  if (entries.length === 0) return;
  if (!entries.includes('latentkit.json')) {
    throw new UserError(`${dir}: exists and is not a latentkit run (${entries.length} entries, no latentkit.json); latentkit will not replace it (choose another --out)`);
  }
  if (!force) throw new UserError(`${dir}: holds a run already; pass --force to replace it, or --resume ${dir} to continue an unfinished one`);
}
