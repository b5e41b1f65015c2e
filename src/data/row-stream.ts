// The files the batch commands (encode, reconstruct, detect, eval) read in chunks, in constant memory: CSV, .npy,
// Parquet and Arrow IPC, whole or one shard of them.
import type { CsvOptions } from './csv-table.js';
import { streamCsv } from './csv-stream.js';
import { streamNpy } from './npy-read.js';
import { streamParquet } from './parquet-read.js';
import { streamArrow } from './arrow-read.js';
import type { RowChunk, Shard } from './shard.js';

/** The row formats by file name: .csv, .npy, .parquet, .arrow / .feather / .arrows / .ipc. */
export type RowFormat = 'csv' | 'npy' | 'parquet' | 'arrow';

export function rowFormat(path: string): RowFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.npy')) return 'npy';
  if (lower.endsWith('.parquet') || lower.endsWith('.pq')) return 'parquet';
  if (/\.(arrow|arrows|feather|ipc)$/.test(lower)) return 'arrow';
  return undefined;
}

/** Rows per chunk: about 4 M values, between 256 and 16,384 rows. */
export const chunkRowsFor = (features: number): number => Math.max(256, Math.min(16_384, Math.floor((4 << 20) / Math.max(1, features))));

/** The rows of `path` (or of one shard) in chunks of about `chunkRows`, scaled with `options.scaling`. */
export function streamRows(path: string, options: CsvOptions, chunkRows: number, shard?: Shard): AsyncGenerator<RowChunk> {
  switch (rowFormat(path)) {
    case 'npy': return streamNpy(path, options.scaling, chunkRows, shard);
    case 'parquet': return streamParquet(path, options, chunkRows, shard);
    case 'arrow': return streamArrow(path, options, chunkRows, shard);
    default: return streamCsv(path, options, chunkRows, shard);
  }
}
