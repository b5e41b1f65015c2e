// What a run records about its training data: a fingerprint to recognise the same rows again, and a scale check.
import { createHash } from 'node:crypto';
import type { Dataset } from './dataset.js';

/** sha256 of a dataset's shape, values and labels, in hex. */
export function fingerprint(data: Dataset): string {
  const hash = createHash('sha256');
  hash.update(`${data.values instanceof Uint8Array ? 'u8' : 'f32'}:[${data.shape}]x${data.size};`);
  hash.update(new Uint8Array(data.values.buffer, data.values.byteOffset, data.values.byteLength));
  if (data.labels) hash.update(new Uint8Array(data.labels.buffer, data.labels.byteOffset, data.labels.byteLength));
  return hash.digest('hex');
}

/** Values beyond ±1,000 make the default learning rate and initialisation misbehave. */
const LARGE = 1e3;

/** A warning when float inputs reach far outside the scale the models expect, else undefined. */
export function scaleWarning(data: Dataset): string | undefined {
  if (!(data.values instanceof Float32Array)) return undefined;
  let largest = 0;
  for (const v of data.values) if (Math.abs(v) > largest) largest = Math.abs(v);
  if (largest <= LARGE) return undefined;
  return `${data.source}: values reach ${largest.toPrecision(3)}; models train best on inputs near [0, 1] or [-1, 1] ` +
    `(--scale minmax or zscore)`;
}
