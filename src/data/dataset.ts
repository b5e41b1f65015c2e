// The Dataset type: compact rows (uint8 or float32) with a per-example shape, converted to float32 one batch at a time.
import * as tf from '../backend/tfjs.js';
import { check, UserError } from '../errors.js';
import type { Scaling } from './scaling.js';
import { batchRows } from './batch-rows.js';
import { mulberry32, permutation } from '../train/rng.js';

export interface Dataset {
  /** Where the rows came from, for messages (`mnist:train`, `data/x.csv`). */
  source: string;
  /** Row-major values, `size × featureCount(shape)`; uint8 values mean intensities and are divided by 255 when batched. */
  values: Uint8Array | Float32Array;
  /** Shape of one example, e.g. [28, 28, 1] for an MNIST image or [12] for a CSV row. */
  shape: number[];
  /** Number of examples. */
  size: number;
  /** Integer class labels, one per example, when the source has them. */
  labels?: Int32Array;
  /** The scaling already applied to float32 values (CSV), saved with a model so new data is scaled alike. */
  scaling?: Scaling;
}

/** The largest class label latentkit reads (a conditional model allocates one input per class). */
export const MAX_LABEL = 9999;

/** The number of classes labels 0..max make (0 without labels); a loop, as a spread of 200k labels overflows the stack. */
export function classCount(labels: Int32Array | undefined): number {
  let max = -1;
  for (const c of labels ?? []) if (c > max) max = c;
  return max + 1;
}

export function featureCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Builds a Dataset and checks that values, shape and labels agree and that every value is finite. */
export function makeDataset(fields: Dataset): Dataset {
  const d = featureCount(fields.shape);
  check(d > 0 && fields.shape.every((s) => Number.isInteger(s) && s > 0), `${fields.source}: bad example shape [${fields.shape}]`);
  check(fields.values.length === fields.size * d,
    `${fields.source}: ${fields.values.length} values do not make ${fields.size} examples of shape [${fields.shape}]`);
  if (fields.labels) {
    check(fields.labels.length === fields.size, `${fields.source}: ${fields.labels.length} labels for ${fields.size} examples`);
    const bad = fields.labels.findIndex((c) => c < 0 || c > MAX_LABEL);
    check(bad < 0, () => `${fields.source}: example ${bad} has label ${fields.labels![bad]}; labels must be class numbers 0..${MAX_LABEL}`);
  }
  if (fields.values instanceof Float32Array) {
    const values = fields.values;
    let bad = -1;
    // A plain loop: a callback per value costs more than the check itself on large tables.
    for (let i = 0; i < values.length; i++) {
      if (values[i] - values[i] !== 0) {
        bad = i;
        break;
      }
    }
    if (bad >= 0) {
      throw new UserError(`${fields.source}: example ${Math.floor(bad / d)}, feature ${bad % d} is ${fields.values[bad]}; ` +
        'remove or impute non-finite values before training');
    }
  }
  return fields;
}

/** A seeded split of `data` into training rows and `fractionHeld` of them held out for validation (both in file order). */
export function splitValidation(data: Dataset, fractionHeld: number, seed: number): { train: Dataset; validation?: Dataset } {
  const held = Math.floor(data.size * fractionHeld);
  if (held === 0) return { train: data };
  const order = permutation(data.size, mulberry32(seed ^ 0x5eed));
  return {
    train: subset(data, order.subarray(held).sort()),
    validation: subset(data, order.subarray(0, held).sort(), `${data.source} (validation)`),
  };
}

/** The examples at `indices`, as a new Dataset that copies their rows. */
export function subset(data: Dataset, indices: ArrayLike<number>, source = data.source): Dataset {
  const d = featureCount(data.shape);
  const values = new (data.values.constructor as Uint8ArrayConstructor | Float32ArrayConstructor)(indices.length * d);
  const labels = data.labels ? new Int32Array(indices.length) : undefined;
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i];
    values.set(data.values.subarray(row * d, (row + 1) * d), i * d);
    if (labels) labels[i] = data.labels![row];
  }
  return { ...data, source, values, size: indices.length, labels };
}

/** The first `count` examples (all when count is larger). */
export function head(data: Dataset, count: number): Dataset {
  if (count >= data.size) return data;
  return subset(data, Array.from({ length: count }, (_, i) => i));
}

/**
 * Float32 rows of the examples `order[start..end)` (or rows start..end when order is omitted), as a [batch, D] tensor;
 * with `classes`, each row is followed by its label one-hot ([batch, D + classes]) for conditional models.
 */
export function batchTensor(data: Dataset, start: number, end: number, order?: Int32Array, classes = 0): tf.Tensor2D {
  const d = featureCount(data.shape);
  const n = end - start;
  const width = d + classes;
  const rows = batchRows();
  const out = rows.alloc(n * width);
  if (data.values instanceof Float32Array) {
    for (let i = 0; i < n; i++) {
      const row = order ? order[start + i] : start + i;
      out.set(data.values.subarray(row * d, (row + 1) * d), i * width);
    }
  } else {
    rows.unitRows(data.values, d, order, start, n, out, width);
  }
  for (let i = 0; i < n && classes; i++) {
    const base = i * width + d;
    out.fill(0, base, base + classes);
    out[base + data.labels![order ? order[start + i] : start + i]] = 1;
  }
  return tf.tensor2d(out, [n, width]);
}

/** Checks that a dataset has labels in 0..classes−1, as a conditional model needs. */
export function checkLabels(data: Dataset, classes: number): void {
  if (!data.labels) throw new UserError(`${data.source}: a conditional model needs labels (--label-column for CSV, --labels for IDX, class subfolders for PNGs)`);
  const bad = data.labels.findIndex((c) => c < 0 || c >= classes);
  if (bad >= 0) throw new UserError(`${data.source}: example ${bad} has label ${data.labels[bad]}, outside the model's classes 0..${classes - 1}`);
}

/** [height, width, channels] of examples of `shape` drawn as images ([D] square as √D × √D × 1), or undefined. */
export function imageDims(shape: number[]): [number, number, number] | undefined {
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  if (shape.length === 2) return [shape[0], shape[1], 1];
  const side = Math.round(Math.sqrt(shape[0]));
  return shape.length === 1 && side * side === shape[0] ? [side, side, 1] : undefined;
}
