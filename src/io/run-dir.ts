// A run directory: encoder/ and decoder/ (standard tfjs layers-model files), latentkit.json, metrics.json, pictures.
import * as tfl from '@tensorflow/tfjs-layers';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { writeDirAtomic } from './atomic.js';
import { folderLoadHandler, folderSaveHandler } from './layers-files.js';
import { modelConfigSchema } from '../models/config-schema.js';
import { restoreModel, type ModelConfig } from '../models/registry.js';
import type { AutoencoderModel, LossTerms } from '../models/types.js';
import type { Scaling } from '../data/scaling.js';
import type { EpochMetrics } from '../train/trainer.js';

export const RUN_FORMAT_VERSION = 1;

const lossTerms = z.object({ total: z.number(), reconstruction: z.number(), kl: z.number(), penalty: z.number().optional() });

const manifestSchema = z.object({
  format: z.literal('latentkit-run'),
  formatVersion: z.number().int(),
  config: modelConfigSchema,
  params: z.record(z.string(), z.union([z.number(), z.array(z.number())])),
  scaling: z.object({ kind: z.enum(['none', 'minmax', 'zscore']), offset: z.array(z.number()), scale: z.array(z.number()) }).optional(),
  data: z.object({ source: z.string(), shape: z.array(z.number().int().positive()) }),
  metrics: z.object({
    history: z.array(z.object({
      epoch: z.number(), train: lossTerms, validation: lossTerms.optional(), seconds: z.number(), samplesPerSecond: z.number(),
      activeUnits: z.number().int().optional(), warnings: z.array(z.string()).optional(),
    })),
    test: lossTerms.optional(),
  }),
  backend: z.string(),
  savedAt: z.string(),
});

export type RunManifest = z.infer<typeof manifestSchema> & { config: ModelConfig };

export interface RunInfo {
  data: { source: string; shape: number[] };
  history: EpochMetrics[];
  test?: LossTerms;
  scaling?: Scaling;
  backend: string;
  /** Extra files to write into the run (e.g. PNG pictures), by file name. */
  files?: Record<string, Uint8Array | string>;
}

/** Saves a model and what is known about it; an existing run at `dir` is replaced only once the new one is complete. */
export async function saveRun(dir: string, model: AutoencoderModel, info: RunInfo): Promise<RunManifest> {
  const manifest: RunManifest = {
    format: 'latentkit-run', formatVersion: RUN_FORMAT_VERSION, config: model.config, params: model.extraParams(),
    scaling: info.scaling, data: info.data, metrics: { history: info.history, test: info.test },
    backend: info.backend, savedAt: new Date().toISOString(),
  };
  await writeDirAtomic(dir, async (tmp) => {
    await model.encoder.save(folderSaveHandler(join(tmp, 'encoder')));
    await model.decoder.save(folderSaveHandler(join(tmp, 'decoder')));
    await writeFile(join(tmp, 'latentkit.json'), JSON.stringify(manifest, null, 2));
    await writeFile(join(tmp, 'metrics.json'), JSON.stringify(manifest.metrics, null, 2));
    for (const [name, content] of Object.entries(info.files ?? {})) await writeFile(join(tmp, name), content);
  });
  return manifest;
}

/** Reads and checks a run's latentkit.json. */
export async function readManifest(dir: string): Promise<RunManifest> {
  const path = join(dir, 'latentkit.json');
  if (!existsSync(path)) throw new UserError(`${dir}: not a latentkit run (no latentkit.json); train one with 'latentkit train --out ${dir}'`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${(err as Error).message}); the run is corrupt`);
  }
  const version = (json as { formatVersion?: unknown })?.formatVersion;
  if (typeof version === 'number' && version > RUN_FORMAT_VERSION) {
    throw new UserError(`${path}: run format version ${version} is newer than this latentkit reads (${RUN_FORMAT_VERSION}); upgrade latentkit`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${path}: invalid at '${issue.path.join('.')}': ${issue.message}`);
  }
  return parsed.data as RunManifest;
}

/** Loads a saved run: its model (rebuilt around the saved layers) and its manifest. */
export async function loadRun(dir: string): Promise<{ model: AutoencoderModel; manifest: RunManifest }> {
  const manifest = await readManifest(dir);
  const encoder = await tfl.loadLayersModel(folderLoadHandler(join(dir, 'encoder')));
  const decoder = await tfl.loadLayersModel(folderLoadHandler(join(dir, 'decoder')));
  return { model: restoreModel(manifest.config, encoder, decoder, manifest.params), manifest };
}
