// tfjs layers-model files in a folder on disk. A run folder is untrusted input (people share them): every file it
// names must be a regular file inside the folder, of the size its manifest implies, read only after those checks.
import type * as tfl from '@tensorflow/tfjs-layers';
import { lstat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { readRegularFile } from './read-file.js';
import { buildLayersModel, layersArtifacts, layersFiles, MAX_MODEL_JSON_BYTES, parseModelJson, weightBytes, weightPaths, WEIGHTS_FILE } from './layers-artifacts.js';

/** Saves a layers model's model.json and weights.bin into `dir` (which the caller makes atomic). */
export async function saveLayersFolder(dir: string, model: tfl.LayersModel): Promise<void> {
  const files = await layersFiles(model);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.json'), files.modelJson);
  await writeFile(join(dir, WEIGHTS_FILE), files.weights);
}

/** Loads `dir/model.json` and its weights, confined to `dir`, checking that the weight files hold what it lists. */
export async function loadLayersFolder(dir: string): Promise<tfl.LayersModel> {
  const jsonPath = join(dir, 'model.json');
  const modelJson = parseModelJson((await readRegularFile(jsonPath, { maxBytes: MAX_MODEL_JSON_BYTES })).toString('utf8'), jsonPath);
  const paths = weightPaths(modelJson);
  const sizes = await Promise.all(paths.map(async (p) => {
    const info = await lstat(join(dir, p)).catch(() => undefined);
    if (!info) throw new UserError(`${join(dir, p)}: missing; the run is incomplete`);
    if (!info.isFile()) throw new UserError(`${join(dir, p)}: not a regular file (a link, folder or device); the run is corrupt`);
    return info.size;
  }));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== weightBytes(modelJson)) {
    throw new UserError(`${dir}: weight files hold ${total} bytes but model.json lists ${weightBytes(modelJson)}; the run is truncated or corrupt`);
  }
  const buffers: Uint8Array[] = [];
  for (let i = 0; i < paths.length; i++) buffers.push(await readRegularFile(join(dir, paths[i]), { exact: sizes[i] }));
  return buildLayersModel(layersArtifacts(modelJson, buffers, dir), jsonPath);
}
