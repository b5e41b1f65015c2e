// The standard tfjs layers-model files (model.json + one weights file) as bytes in memory, read as untrusted input:
// the JSON checked against the format and its topology, the weights against the sizes it lists. Platform-neutral.
import * as tf from '../backend/tfjs.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { checkTopology } from './topology.js';
import { parseJsonFile } from './json-file.js';

const BYTES = { float32: 4, int32: 4, bool: 1 } as const;

/** The largest model.json and the most weight bytes a run may hold (a 4 GB model is far beyond latentkit's models). */
export const MAX_MODEL_JSON_BYTES = 16 * 2 ** 20;
export const MAX_WEIGHT_BYTES = 2 ** 31;

/** The weights file latentkit writes next to model.json. */
export const WEIGHTS_FILE = 'weights.bin';

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

export type ModelJson = z.infer<typeof modelJsonSchema>;

/** Parses and checks model.json (read from `path`) against the layers-model format and its topology. */
export function parseModelJson(text: string, path: string): ModelJson {
  const modelJson = parseJsonFile(text, path, modelJsonSchema, 'not a tfjs layers model, or a corrupt one');
  checkTopology(modelJson.modelTopology, path);
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const expected = specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * BYTES[s.dtype], 0);
  if (expected > MAX_WEIGHT_BYTES) throw new UserError(`${path}: lists ${expected} bytes of weights, more than latentkit loads (${MAX_WEIGHT_BYTES})`);
  return modelJson;
}

/** The weight bytes `modelJson` lists. */
export function weightBytes(modelJson: ModelJson): number {
  return modelJson.weightsManifest.flatMap((g) => g.weights).reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * BYTES[s.dtype], 0);
}

/** The weight files `modelJson` names, in order. */
export function weightPaths(modelJson: ModelJson): string[] {
  return modelJson.weightsManifest.flatMap((group) => group.paths);
}

/** Model artifacts from a checked model.json and the contents of its weight files (in `weightPaths` order). */
export function layersArtifacts(modelJson: ModelJson, weights: Uint8Array[], where: string): tf.io.ModelArtifacts {
  const total = weights.reduce((n, w) => n + w.byteLength, 0);
  const expected = weightBytes(modelJson);
  if (total !== expected) throw new UserError(`${where}: weight files hold ${total} bytes but model.json lists ${expected}; the run is truncated or corrupt`);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const w of weights) {
    data.set(w, offset);
    offset += w.byteLength;
  }
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
  if (specs.every((s) => s.dtype === 'float32') && !new Float32Array(data.buffer).every(Number.isFinite)) {
    throw new UserError(`${where}: weights hold NaN or infinite values; the run is corrupt`);
  }
  return { modelTopology: modelJson.modelTopology, format: modelJson.format, weightSpecs: specs as tf.io.WeightsManifestEntry[], weightData: data.buffer };
}

/** Builds a layers model from checked artifacts, turning tfjs's errors on a malformed topology or mismatched weights into one line. */
export async function buildLayersModel(artifacts: tf.io.ModelArtifacts, where: string): Promise<tfl.LayersModel> {
  try {
    return await tfl.loadLayersModel({ load: async () => artifacts });
  } catch (err) {
    const message = String((err as Error).message ?? err).split('\n')[0];
    throw new UserError(`${where}: cannot build the model (${message}); the run is corrupt or from another tool`);
  }
}

/** A layers model as the two files tfjs's own loaders read: model.json (naming weights.bin) and weights.bin. */
export async function layersFiles(model: tfl.LayersModel): Promise<{ modelJson: string; weights: Uint8Array }> {
  let files: { modelJson: string; weights: Uint8Array } | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const modelJson: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology as object,
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy ?? 'TensorFlow.js tfjs-layers',
      convertedBy: null,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
    };
    files = { modelJson: JSON.stringify(modelJson), weights: new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0))) };
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
  return files!;
}
