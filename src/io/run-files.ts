// A run as files in memory (path → bytes), the form a browser downloads, a server sends and a .zip holds; the Node
// run folder (io/run-dir.ts) writes and reads the same files. Platform-neutral.
import { unzipSync, zipSync } from 'fflate';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { UserError } from '../errors.js';
import { restoreModel } from '../models/registry.js';
import type { AutoencoderModel } from '../models/types.js';
import { buildLayersModel, layersArtifacts, layersFiles, MAX_MODEL_JSON_BYTES, MAX_WEIGHT_BYTES, parseModelJson, weightBytes, weightPaths } from './layers-artifacts.js';
import { buildManifest, MAX_MANIFEST_BYTES, parseManifest, type RunInfo, type RunManifest } from './run-manifest.js';

/** A run's files by path inside the run (`latentkit.json`, `encoder/model.json`, …). */
export type RunFiles = Record<string, Uint8Array>;

/** What reading a run gives: the model and its manifest. */
export interface LoadedRun {
  model: AutoencoderModel;
  manifest: RunManifest;
  /** The files the run was read from (to hand on, e.g. to a page that runs the model itself). */
  files: RunFiles;
}

const PARTS = ['encoder', 'decoder'] as const;
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The files of a run holding `model` (without a checkpoint: that is for run folders on disk). */
export async function runToFiles(model: AutoencoderModel, info: RunInfo): Promise<{ files: RunFiles; manifest: RunManifest }> {
  const manifest = buildManifest(model, info);
  const files: RunFiles = {};
  for (const part of PARTS) {
    const saved = await layersFiles(model[part]);
    files[`${part}/model.json`] = utf8(saved.modelJson);
    files[`${part}/weights.bin`] = saved.weights;
  }
  files['latentkit.json'] = utf8(JSON.stringify(manifest, null, 2));
  files['metrics.json'] = utf8(JSON.stringify(manifest.metrics, null, 2));
  for (const [name, content] of Object.entries(info.files ?? {})) files[name] = typeof content === 'string' ? utf8(content) : content;
  return { files, manifest };
}

/** Gets one file of a run; `undefined` when the run does not have it. */
export type RunFileReader = (path: string, maxBytes: number) => Promise<Uint8Array | undefined>;

/** Reads a run through `read` (files in memory, a URL, a zip), checking every file as untrusted input; `name` is for messages. */
export async function readRun(read: RunFileReader, name: string): Promise<LoadedRun> {
  const files: RunFiles = {};
  const need = async (path: string, maxBytes: number): Promise<Uint8Array> => {
    const bytes = await read(path, maxBytes);
    if (bytes) files[path] = bytes;
    if (!bytes) {
      throw new UserError(path === 'latentkit.json'
        ? `${name}: not a latentkit run (no latentkit.json)` : `${name}/${path}: missing; the run is incomplete`);
    }
    if (bytes.byteLength > maxBytes) throw new UserError(`${name}/${path}: ${bytes.byteLength} bytes is more than the ${maxBytes} this file may hold`);
    return bytes;
  };
  const manifest = parseManifest(text(await need('latentkit.json', MAX_MANIFEST_BYTES)), `${name}/latentkit.json`);
  const layers: LayersModel[] = [];
  try {
    for (const part of PARTS) {
      const where = `${name}/${part}/model.json`;
      const modelJson = parseModelJson(text(await need(`${part}/model.json`, MAX_MODEL_JSON_BYTES)), where);
      const weights = [];
      // No weight file can be larger than all the weights model.json lists (itself at most MAX_WEIGHT_BYTES).
      for (const p of weightPaths(modelJson)) weights.push(await need(`${part}/${p}`, weightBytes(modelJson)));
      layers.push(await buildLayersModel(layersArtifacts(modelJson, weights, `${name}/${part}`), where));
    }
  } catch (err) {
    for (const l of layers) l.dispose();
    throw err;
  }
  try {
    return { model: restoreModel(manifest.config, layers[0], layers[1], manifest.params), manifest, files };
  } catch (err) {
    for (const l of layers) l.dispose();
    if (err instanceof UserError) throw new UserError(`${name}: ${err.message}`);
    throw new UserError(`${name}: the saved layers do not fit latentkit.json's model (${String((err as Error).message).split('\n')[0]}); the run is corrupt`);
  }
}

/** Reads a run from files in memory. */
export function runFromFiles(files: RunFiles, name = 'run'): Promise<LoadedRun> {
  return readRun(async (path) => (Object.hasOwn(files, path) ? files[path] : undefined), name);
}

/** Reads a run served at `baseUrl` (a folder URL holding latentkit.json, encoder/ and decoder/), e.g. by `latentkit serve`. */
export function fetchRun(baseUrl: string, fetchFn: typeof fetch = fetch): Promise<LoadedRun> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return readRun(async (path, maxBytes) => {
    const response = await fetchFn(new URL(path, new URL(base, globalThis.location?.href)).href);
    if (response.status === 404) return undefined;
    if (!response.ok) throw new UserError(`${base}${path}: HTTP ${response.status}`);
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > maxBytes) throw new UserError(`${base}${path}: ${length} bytes is more than the ${maxBytes} this file may hold`);
    return new Uint8Array(await response.arrayBuffer());
  }, base.replace(/\/$/, ''));
}

/** The most bytes a zipped run may inflate to. */
const MAX_ZIP_BYTES = MAX_WEIGHT_BYTES;

/** A run's files as one .zip (what the studio downloads; `latentkit eval run.zip` reads it). */
export function zipRun(files: RunFiles): Uint8Array {
  return zipSync(files, { level: 6 });
}

/** A run's files from a .zip made by `zipRun` (or by zipping a run folder), sizes checked before inflating. */
export function unzipRun(bytes: Uint8Array, name: string): RunFiles {
  let total = 0;
  let files: RunFiles;
  try {
    files = unzipSync(bytes, {
      filter: (file) => {
        total += file.originalSize;
        if (total > MAX_ZIP_BYTES) throw new UserError(`${name}: inflates to more than ${MAX_ZIP_BYTES} bytes; not a latentkit run`);
        return !file.name.endsWith('/');
      },
    });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${name}: not a valid zip file (${(err as Error).message})`);
  }
  // A zip of the run's folder holds its files under one top folder: read them from there.
  const names = Object.keys(files);
  const top = names.find((n) => n.endsWith('latentkit.json'))?.slice(0, -'latentkit.json'.length) ?? '';
  if (!top) return files;
  return Object.fromEntries(names.filter((n) => n.startsWith(top)).map((n) => [n.slice(top.length), files[n]]));
}
