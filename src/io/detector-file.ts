// Detector files (written by `latentkit detect --save-detector`): read as untrusted input and checked field by field.
import { z } from 'zod';
import { parseJsonFile } from './json-file.js';
import { SCORE_KINDS, type DetectorState, type ScoreKind } from '../tasks/anomaly.js';
import { readRegularFile } from './read-file.js';

const finite = z.number().finite();
const detectorSchema = z.object({
  score: z.enum(SCORE_KINDS as [ScoreKind, ...ScoreKind[]]),
  threshold: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('percentile'), q: finite.min(0).max(100) }),
    z.object({ kind: z.literal('contamination'), rate: finite.gt(0).lt(1) }),
    z.object({ kind: z.literal('sigma'), k: finite }),
    z.object({ kind: z.literal('fixed'), value: finite }),
  ]),
  value: finite,
  samples: z.number().int().positive().max(100000),
});

/** Reads and checks a detector file written by --save-detector. */
export async function readDetector(path: string): Promise<DetectorState> {
  const text = (await readRegularFile(path, { maxBytes: 2 ** 20 })).toString('utf8');
  return parseJsonFile(text, path, detectorSchema, 'not a detector file (write one with detect --save-detector)');
}
