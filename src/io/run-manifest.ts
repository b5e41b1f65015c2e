// latentkit.json, a run's manifest: what model it holds, how its data was scaled, how it was trained. Platform-neutral.
import { z } from 'zod';
import { UserError } from '../errors.js';
import { parseJsonFile } from './json-file.js';
import { modelConfigSchema } from '../models/config-schema.js';
import type { ModelConfig } from '../models/registry.js';
import type { AutoencoderModel, LossTerms } from '../models/types.js';
import { SCALING_KINDS, type Scaling } from '../data/scaling.js';
import type { EpochMetrics, TrainerState } from '../train/trainer.js';
import { SCORE_KINDS } from '../tasks/anomaly.js';

export const RUN_FORMAT_VERSION = 1;

/** The most bytes a latentkit.json may hold. */
export const MAX_MANIFEST_BYTES = 64 * 2 ** 20;

export const lossTermsSchema = z.object({ total: z.number(), reconstruction: z.number(), kl: z.number(), penalty: z.number().optional() });

export const epochMetricsSchema = z.object({
  epoch: z.number(), train: lossTermsSchema, validation: lossTermsSchema.optional(), seconds: z.number(), samplesPerSecond: z.number(),
  activeUnits: z.number().int().optional(), warnings: z.array(z.string()).optional(),
});

/** How a run was trained: enough to resume it or train it again (`latentkit train --from`). */
export const trainingSettingsSchema = z.object({
  data: z.object({
    spec: z.string(), labels: z.string().optional(), labelColumn: z.string().optional(), header: z.boolean().optional(),
    scale: z.enum(SCALING_KINDS).optional(), limit: z.number().int().positive().optional(),
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
  /** Background models of the likelihood ratio: the share of input features replaced by uniform draws in training. */
  perturb: z.number().min(0).lt(1).optional(),
  backend: z.string(),
  version: z.string(),
});

export type TrainingSettings = z.infer<typeof trainingSettingsSchema>;

export const scalingSchema = z.object({ kind: z.enum(SCALING_KINDS), offset: z.array(z.number()), scale: z.array(z.number()) });

const manifestSchema = z.object({
  format: z.literal('latentkit-run'),
  formatVersion: z.number().int(),
  config: modelConfigSchema,
  params: z.record(z.string(), z.union([z.number(), z.array(z.number())])),
  scaling: scalingSchema.optional(),
  data: z.object({ source: z.string(), shape: z.array(z.number().int().positive()) }),
  metrics: z.object({
    history: z.array(epochMetricsSchema),
    test: lossTermsSchema.optional(),
  }),
  backend: z.string(),
  savedAt: z.string(),
  /** 'in-progress': a checkpoint of an unfinished run (resume it with `latentkit train --resume`). */
  status: z.enum(['complete', 'in-progress']).optional(),
  training: trainingSettingsSchema.optional(),
  /** Runs trained by a recipe (train --recipe): the score and the member runs inside this folder that detect uses. */
  detection: z.object({
    recipe: z.string(), scores: z.array(z.enum(SCORE_KINDS)).min(1).max(16), ensemble: z.array(z.string().regex(/^ensemble-[0-9]+$/, 'a member folder: ensemble-N')),
  }).optional(),
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
  /** A recipe's run: how detect scores with it (its member runs go in `files`). */
  detection?: RunManifest['detection'];
}

/** The manifest that describes `model` saved with `info`. */
export function buildManifest(model: AutoencoderModel, info: RunInfo): RunManifest {
  return {
    format: 'latentkit-run', formatVersion: RUN_FORMAT_VERSION, config: model.config, params: model.extraParams(),
    scaling: info.scaling, data: info.data, metrics: { history: info.history, test: info.test },
    backend: info.backend, savedAt: new Date().toISOString(), status: info.checkpoint ? 'in-progress' : 'complete',
    ...(info.training && { training: info.training }),
    ...(info.detection && { detection: info.detection }),
  };
}

/** Parses and checks latentkit.json's text (read from `path`); a newer format is an error that says to upgrade. */
export function parseManifest(text: string, path: string): RunManifest {
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
