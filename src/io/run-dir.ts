// A run directory: encoder/ and decoder/ (standard tfjs layers-model files), latentkit.json, metrics.json, pictures.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { lockDir, readableDir, writeDirAtomic } from './atomic.js';
import { folderSaveHandler, loadLayersFolder } from './layers-files.js';
import { readRegularFile } from './read-file.js';
import { epochMetricsSchema, readCheckpoint, writeCheckpoint } from './checkpoint-files.js';
import { parseJsonFile } from './json-file.js';
import { modelConfigSchema } from '../models/config-schema.js';
import { restoreModel, type ModelConfig } from '../models/registry.js';
import type { AutoencoderModel, LossTerms } from '../models/types.js';
import type { Scaling } from '../data/scaling.js';
import type { EpochMetrics, TrainerState } from '../train/trainer.js';

export const RUN_FORMAT_VERSION = 1;

const lossTerms = z.object({ total: z.number(), reconstruction: z.number(), kl: z.number(), penalty: z.number().optional() });

/** How a run was trained: enough to resume it or train it again (`latentkit train --from`). */
export const trainingSettingsSchema = z.object({
  data: z.object({
    spec: z.string(), labels: z.string().optional(), labelColumn: z.string().optional(), header: z.boolean().optional(),
    scale: z.enum(['none', 'minmax', 'zscore']).optional(), limit: z.number().int().positive().optional(),
    window: z.number().int().positive().optional(), stride: z.number().int().positive().optional(), testData: z.string().optional(),
  }),
  /** sha256 of the training rows and labels as trained on, to tell whether a resume reads the same data. */
  fingerprint: z.string(),
  epochs: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  learningRate: z.number().positive(),
  seed: z.number().int().nonnegative(),
  validationSplit: z.number().min(0).max(1),
  patience: z.number().int().positive().optional(),
  checkpointEvery: z.number().int().nonnegative().optional(),
  backend: z.string(),
  version: z.string(),
});

export type TrainingSettings = z.infer<typeof trainingSettingsSchema>;

const manifestSchema = z.object({
  format: z.literal('latentkit-run'),
  formatVersion: z.number().int(),
  config: modelConfigSchema,
  params: z.record(z.string(), z.union([z.number(), z.array(z.number())])),
  scaling: z.object({ kind: z.enum(['none', 'minmax', 'zscore']), offset: z.array(z.number()), scale: z.array(z.number()) }).optional(),
  data: z.object({ source: z.string(), shape: z.array(z.number().int().positive()) }),
  metrics: z.object({
    history: z.array(epochMetricsSchema),
    test: lossTerms.optional(),
  }),
  backend: z.string(),
  savedAt: z.string(),
  /** 'in-progress': a checkpoint of an unfinished run (resume it with `latentkit train --resume`). */
  status: z.enum(['complete', 'in-progress']).optional(),
  training: trainingSettingsSchema.optional(),
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
  training?: TrainingSettings;
  /** Saves an unfinished run with the trainer's state, to resume from. */
  checkpoint?: TrainerState;
}

/** Saves a model and what is known about it; an existing run at `dir` is replaced only once the new one is complete. */
export async function saveRun(dir: string, model: AutoencoderModel, info: RunInfo): Promise<RunManifest> {
  const manifest: RunManifest = {
    format: 'latentkit-run', formatVersion: RUN_FORMAT_VERSION, config: model.config, params: model.extraParams(),
    scaling: info.scaling, data: info.data, metrics: { history: info.history, test: info.test },
    backend: info.backend, savedAt: new Date().toISOString(), status: info.checkpoint ? 'in-progress' : 'complete',
    ...(info.training && { training: info.training }),
  };
  const unlock = lockDir(dir);
  try {
    await writeDirAtomic(dir, async (tmp) => {
    await model.encoder.save(folderSaveHandler(join(tmp, 'encoder')));
    await model.decoder.save(folderSaveHandler(join(tmp, 'decoder')));
    await writeFile(join(tmp, 'latentkit.json'), JSON.stringify(manifest, null, 2));
    await writeFile(join(tmp, 'metrics.json'), JSON.stringify(manifest.metrics, null, 2));
    for (const [name, content] of Object.entries(info.files ?? {})) await writeFile(join(tmp, name), content);
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
  const text = (await readRegularFile(path, { maxBytes: 64 * 2 ** 20 })).toString('utf8');
  let version: unknown;
  try {
    version = (JSON.parse(text) as { formatVersion?: unknown })?.formatVersion;
  } catch {
    // parseJsonFile reports it
  }
  if (typeof version === 'number' && version > RUN_FORMAT_VERSION) {
    throw new UserError(`${path}: run format version ${version} is newer than this latentkit reads (${RUN_FORMAT_VERSION}); upgrade latentkit`);
  }
  return parseJsonFile(text, path, manifestSchema, 'the run is corrupt') as RunManifest;
}

/** Loads a saved run: its model (rebuilt around the saved layers) and its manifest. */
export async function loadRun(dir: string): Promise<{ model: AutoencoderModel; manifest: RunManifest }> {
  const found = readableDir(dir);
  const manifest = await readManifest(found);
  const encoder = await loadLayersFolder(join(found, 'encoder'));
  const decoder = await loadLayersFolder(join(found, 'decoder'));
  try {
    return { model: restoreModel(manifest.config, encoder, decoder, manifest.params), manifest };
  } catch (err) {
    encoder.dispose();
    decoder.dispose();
    if (err instanceof UserError) throw new UserError(`${dir}: ${err.message}`);
    throw new UserError(`${dir}: the saved layers do not fit latentkit.json's model (${String((err as Error).message).split('\n')[0]}); the run is corrupt`);
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
