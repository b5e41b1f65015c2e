// Request bodies of the JSON API, checked with zod like every other untrusted input; rows may be flat or nested.
import { z } from 'zod';
import { UserError } from '../errors.js';
import { SCORE_KINDS } from '../tasks/anomaly.js';

/** The limits a server enforces. */
export interface ApiLimits {
  /** The most examples one request may carry (inputs, codes or samples). */
  maxBatch: number;
}

const label = z.number().int().nonnegative().max(9999);
const examples = z.array(z.unknown()).min(1);

export const rowsBody = z.object({
  inputs: examples,
  labels: z.array(label).optional(),
  score: z.enum(SCORE_KINDS).optional(),
}).strict();

export const codesBody = z.object({ codes: examples, label: label.optional() }).strict();

export const sampleBody = z.object({
  count: z.number().int().positive(),
  temperature: z.number().finite().min(0).max(10).optional(),
  seed: z.number().int().nonnegative().max(2 ** 32 - 1).optional(),
  label: label.optional(),
}).strict();

/** `body` checked against `schema`; the first problem as a UserError naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`invalid request body at '${issue.path.join('.') || '(root)'}': ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Examples (each a flat or nested array of `width` finite numbers) as one row-major Float32Array; `field` names them
 * in errors (`inputs[3][5] is not a finite number`).
 */
export function rowMajor(list: unknown[], width: number, field: string, limits: ApiLimits): Float32Array {
  if (list.length > limits.maxBatch) throw new UserError(`${field}: ${list.length} examples is more than the ${limits.maxBatch} one request may carry`);
  const out = new Float32Array(list.length * width);
  list.forEach((example, i) => {
    let k = 0;
    const put = (v: unknown, path: string, depth: number): void => {
      if (Array.isArray(v)) {
        if (depth > 8) throw new UserError(`${path}: nested too deeply`);
        v.forEach((x, j) => put(x, `${path}[${j}]`, depth + 1));
        return;
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`${path} is ${JSON.stringify(v) ?? String(v)}, not a finite number`);
      if (k >= width) throw new UserError(`${field}[${i}]: more than the ${width} values an example holds`);
      out[i * width + k++] = v;
    };
    if (!Array.isArray(example)) throw new UserError(`${field}[${i}] must be an array of ${width} numbers`);
    // The common case, a flat row of numbers, without the recursion; anything else (nested, or an error to name) walks.
    if (example.length === width) {
      let j = 0;
      for (; j < width; j++) {
        const v = example[j];
        if (typeof v !== 'number' || !Number.isFinite(v)) break;
        out[i * width + j] = v;
      }
      if (j === width) return;
    }
    put(example, `${field}[${i}]`, 0);
    if (k !== width) throw new UserError(`${field}[${i}]: ${k} values where an example holds ${width}`);
  });
  return out;
}

/** A row-major array as a list of rows (what JSON responses carry). */
export function rowsOf(values: ArrayLike<number>, width: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i * width < values.length; i++) rows.push(Array.from({ length: width }, (_, j) => values[i * width + j]));
  return rows;
}
