// A tfjs IOHandler for a folder on disk: model.json + weights.bin, the standard tfjs layers-model files.
import * as tf from '../backend/tfjs.js';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, complex64: 8 };

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

async function read(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new UserError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** Loads `dir/model.json` and its weights, checking that the weight file holds exactly what the manifest lists. */
export function folderLoadHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const jsonPath = join(dir, 'model.json');
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse((await read(jsonPath)).toString('utf8'));
      } catch (err) {
        if (err instanceof UserError) throw err;
        throw new UserError(`${jsonPath}: not valid JSON (${(err as Error).message}); the run is corrupt`);
      }
      if (!modelJson?.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
        throw new UserError(`${jsonPath}: not a tfjs layers model (no modelTopology or weightsManifest)`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(manifest.flatMap((group) => group.paths).map((p) => read(join(dir, p))));
        const data = Buffer.concat(buffers);
        const expected = specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * (BYTES[s.dtype] ?? 4), 0);
        if (data.length !== expected) {
          throw new UserError(`${dir}: weight files hold ${data.length} bytes but model.json lists ${expected}; the run is truncated or corrupt`);
        }
        return [specs, data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)];
      });
    },
  };
}
