// Detector files (written by `latentkit detect --save-detector`): read as untrusted input and checked field by field.
import { z } from 'zod';
import { parseJsonFile } from './json-file.js';
import { FITTED_SCORES, SCORE_KINDS, type DetectorState, type ScoreKind } from '../tasks/anomaly.js';
import { readRegularFile } from './read-file.js';
import { UserError } from '../errors.js';

const finite = z.number().finite();
const threshold = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('percentile'), q: finite.min(0).max(100) }),
  z.object({ kind: z.literal('contamination'), rate: finite.gt(0).lt(1) }),
  z.object({ kind: z.literal('sigma'), k: finite }),
  z.object({ kind: z.literal('fixed'), value: finite }),
]);
const detectorFields = {
  score: z.enum(SCORE_KINDS),
  threshold,
  value: finite,
  samples: z.number().int().positive().max(100000),
  featureScale: z.array(finite.positive()).max(1 << 20).optional(),
  nap: z.object({ mean: z.array(finite).max(2048), precision: z.array(finite).max(2048 * 2048) }).strict()
    .refine((n) => n.precision.length === n.mean.length ** 2, { message: 'precision must be mean.length² numbers' }).optional(),
  knn: z.object({ k: z.number().int().positive().max(1000), codes: z.array(finite).min(1).max(1 << 24) }).strict().optional(),
};
type Fitted = { score: ScoreKind; featureScale?: number[]; nap?: unknown; knn?: unknown };
/** What each score fitted on normal data keeps in the file. */
const FITTED_PART: Partial<Record<ScoreKind, keyof Fitted>> = { zmse: 'featureScale', nap: 'nap', latent: 'nap', knn: 'knn' };
const needsScale = (d: Fitted) => !FITTED_SCORES.includes(d.score) || d[FITTED_PART[d.score]!] !== undefined;
const scaleIssue = { message: "a 'zmse' detector needs its featureScale, a 'nap' or 'latent' detector its nap whitening, a 'knn' detector its codes", path: ['score'] };
const detectorSchema = z.object(detectorFields).strict().refine(needsScale, scaleIssue);
const ensembleSchema = z.object({
  threshold,
  value: finite,
  members: z.array(z.object({ ...detectorFields, mean: finite, std: finite.positive(), model: z.number().int().nonnegative().max(255).optional() })
    .strict().refine(needsScale, scaleIssue)).min(1).max(256),
}).strict();

/** The most bytes a detector file may hold: an ensemble's NAP whitenings of 800-unit pathways take tens of MB. */
const MAX_DETECTOR_BYTES = 2 ** 28;

export type EnsembleState = z.infer<typeof ensembleSchema>;
export type DetectorFile = { ensemble: false; state: DetectorState } | { ensemble: true; state: EnsembleState };

/** Reads and checks a detector file written by --save-detector: one detector, or an ensemble of them. */
export async function readDetectorFile(path: string): Promise<DetectorFile> {
  const text = (await readRegularFile(path, { maxBytes: MAX_DETECTOR_BYTES })).toString('utf8');
  const isEnsemble = /"members"\s*:/.test(text);
  return isEnsemble
    ? { ensemble: true, state: parseJsonFile(text, path, ensembleSchema, 'not a detector file (write one with detect --save-detector)') }
    : { ensemble: false, state: parseJsonFile(text, path, detectorSchema, 'not a detector file (write one with detect --save-detector)') };
}

/** Reads a detector file that must hold one detector (not an ensemble). */
export async function readDetector(path: string): Promise<DetectorState> {
  const file = await readDetectorFile(path);
  if (file.ensemble) throw new UserError(`${path}: an ensemble detector; it scores with its ${file.state.members.length} runs (detect RUN --ensemble …)`);
  return file.state;
}
