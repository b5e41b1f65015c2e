// A tfjs IOHandler for a folder on disk: model.json + weights.bin, the standard tfjs layers-model files. A run folder
// is untrusted input (people share them): every file it names must be a regular file inside the folder, of the size
// its manifest implies, read only after those checks.
import * as tf from '../backend/tfjs.js';
import { lstat, writeFile, mkdir } from 'node:fs/promises';
import { readRegularFile } from './read-file.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { checkTopology } from './topology.js';
import { parseJsonFile } from './json-file.js';

const BYTES = { float32: 4, int32: 4, bool: 1 } as const;

/** The largest model.json and the most weight bytes a run may hold (a 4 GB model is far beyond latentkit's models). */
export const MAX_MODEL_JSON_BYTES = 16 * 2 ** 20;
export const MAX_WEIGHT_BYTES = 2 ** 31;


/** A weight file name: one plain name in the model's own folder (no separators, no '..', not hidden). */
const weightFileName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'a plain file name in the model folder');

const weightSpec = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative().max(2 ** 31)).max(8),
  dtype: z.enum(['float32', 'int32', 'bool']),
}).passthrough();

const modelJsonSchema = z.object({
  modelTopology: z.object({}).passthrough(),
  format: z.string().optional(),
  weightsManifest: z.array(z.object({ paths: z.array(weightFileName).min(1).max(64), weights: z.array(weightSpec) })).max(64),
}).passthrough();

/** Saves a LayersModel's topology and weights into `dir` (which the caller makes atomic). */
export function folderSaveHandler(dir: string): tf.io.IOHandler {
  return {
    save: async (artifacts) => {
      await mkdir(dir, { recursive: true });
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers`,
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
      await writeFile(join(dir, 'weights.bin'), weights);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

function specBytes(spec: z.infer<typeof weightSpec>): number {
  return spec.shape.reduce((a, b) => a * b, 1) * BYTES[spec.dtype];
}

/** Parses and checks model.json against the layers-model format and its topology, with the first problem as one line. */
function parseModelJson(text: string, path: string): z.infer<typeof modelJsonSchema> {
  const modelJson = parseJsonFile(text, path, modelJsonSchema, 'not a tfjs layers model, or a corrupt one');
  checkTopology(modelJson.modelTopology, path);
  return modelJson;
}

/** Loads `dir/model.json` and its weights, confined to `dir`, checking that the weight files hold what it lists. */
export function folderLoadHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const jsonPath = join(dir, 'model.json');
      const modelJson = parseModelJson((await readRegularFile(jsonPath, { maxBytes: MAX_MODEL_JSON_BYTES })).toString('utf8'), jsonPath);
      const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
      const expected = specs.reduce((sum, s) => sum + specBytes(s), 0);
      if (expected > MAX_WEIGHT_BYTES) throw new UserError(`${jsonPath}: lists ${expected} bytes of weights, more than latentkit loads (${MAX_WEIGHT_BYTES})`);
      const paths = modelJson.weightsManifest.flatMap((group) => group.paths);
      const sizes = await Promise.all(paths.map(async (p) => {
        const info = await lstat(join(dir, p)).catch(() => undefined);
        if (!info) throw new UserError(`${join(dir, p)}: missing; the run is incomplete`);
        if (!info.isFile()) throw new UserError(`${join(dir, p)}: not a regular file (a link, folder or device); the run is corrupt`);
        return info.size;
      }));
      const total = sizes.reduce((a, b) => a + b, 0);
      if (total !== expected) {
        throw new UserError(`${dir}: weight files hold ${total} bytes but model.json lists ${expected}; the run is truncated or corrupt`);
      }
      const buffers = [];
      for (let i = 0; i < paths.length; i++) buffers.push(await readRegularFile(join(dir, paths[i]), { exact: sizes[i] }));
      const data = Buffer.concat(buffers);
      const floats = specs.every((s) => s.dtype === 'float32') && data.length % 4 === 0
        ? new Float32Array(data.buffer, data.byteOffset, data.length / 4) : undefined;
      if (floats && !floats.every(Number.isFinite)) throw new UserError(`${dir}: weights hold NaN or infinite values; the run is corrupt`);
      return {
        modelTopology: modelJson.modelTopology,
        format: modelJson.format,
        weightSpecs: specs as tf.io.WeightsManifestEntry[],
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
      };
    },
  };
}

/** Loads a layers model from `dir`, turning tfjs's errors on a malformed topology or mismatched weights into one line. */
export async function loadLayersFolder(dir: string): Promise<tfl.LayersModel> {
  const handler = folderLoadHandler(dir);
  const artifacts = await handler.load!();
  try {
    return await tfl.loadLayersModel({ load: async () => artifacts });
  } catch (err) {
    const message = String((err as Error).message ?? err).split('\n')[0];
    throw new UserError(`${join(dir, 'model.json')}: cannot build the model (${message}); the run is corrupt or from another tool`);
  }
}
