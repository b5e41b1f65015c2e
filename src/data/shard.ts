// Shards of a file's rows for the batch commands (`--shard i/n`): n deterministic parts that hold every row once, in
// order, so that their outputs joined in order equal the unsharded output.
import { UserError } from '../errors.js';
import type { Dataset } from './dataset.js';

/** Shard `index` of `count` (0-based). */
export interface Shard {
  index: number;
  count: number;
}

export function parseShard(spec: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(spec);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new UserError(`--shard '${spec}': expected i/n with 0 ≤ i < n, e.g. 0/4`);
  return { index, count };
}

/** The rows [from, to) of shard `shard` among `total` rows: an equal split (the whole range without a shard). */
export function shardRange(total: number, shard?: Shard): [number, number] {
  if (!shard) return [0, total];
  return [Math.floor((total * shard.index) / shard.count), Math.floor((total * (shard.index + 1)) / shard.count)];
}

/** A chunk of a file's rows as they stream. */
export interface RowChunk {
  data: Dataset;
  /** Index in the file (0-based, data rows only) of the chunk's first row. */
  firstRow: number;
}
