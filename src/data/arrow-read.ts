// Apache Arrow IPC files as data (apache-arrow): the file format (.arrow, .feather v2) or the stream format (.arrows),
// every column a number (ints, floats, booleans), one of them optionally the label column. Record batches are read
// one at a time from a file stream, so memory follows the batch size; a shard is an equal split of the rows (the row
// count comes from a first pass over the batches).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { UserError } from '../errors.js';
import type { CsvOptions } from './csv-table.js';
import type { Dataset } from './dataset.js';
import { chunkColumns, loadColumns, type ColumnBlock, type ColumnValues } from './column-rows.js';
import { shardRange, type RowChunk, type Shard } from './shard.js';

type Arrow = typeof import('apache-arrow');
type Batch = import('apache-arrow').RecordBatch;
type Column = NonNullable<ReturnType<Batch['getChildAt']>>;

/** The record batches of the file, checked to hold numeric columns; apache-arrow is loaded on first use. */
async function* batches(path: string): AsyncGenerator<{ batch: Batch; names: string[]; arrow: Arrow }> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`${path}: cannot read (${err.code ?? String(err)})`);
  });
  if (!info.isFile()) throw new UserError(`${path}: not a regular file`);
  const arrow = await import('apache-arrow');
  const stream = createReadStream(path);
  try {
    let reader;
    try {
      reader = await arrow.RecordBatchReader.from(stream);
      await reader.open();
    } catch (err) {
      throw new UserError(`${path}: not a readable Arrow IPC file (${(err as Error).message})`);
    }
    const fields = reader.schema.fields;
    if (fields.length === 0) throw new UserError(`${path}: the Arrow file has no columns`);
    for (const f of fields) {
      if (!arrow.DataType.isInt(f.type) && !arrow.DataType.isFloat(f.type) && !arrow.DataType.isBool(f.type)) {
        throw new UserError(`${path}: column '${f.name}' is ${String(f.type)}; latentkit reads columns of numbers (int, float, bool)`);
      }
    }
    const names = fields.map((f) => f.name);
    try {
      for await (const batch of reader) yield { batch, names, arrow };
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`${path}: cannot decode a record batch (${(err as Error).message})`);
    }
  } finally {
    stream.destroy();
  }
}

/** A column's values for rows [from, to) of a batch: its typed array, or element by element (nulls, halves, booleans). */
function columnValues(arrow: Arrow, column: Column, from: number, to: number): ColumnValues {
  const plain = column.nullCount === 0 && !arrow.DataType.isBool(column.type) &&
    !(arrow.DataType.isFloat(column.type) && column.type.precision === arrow.Precision.HALF);
  if (plain && column.data.length === 1) return (column.toArray() as Float32Array).subarray(from, to);
  return Array.from({ length: to - from }, (_, i) => column.get(from + i));
}

/** The file's rows (or one shard's) one record batch at a time. */
async function* arrowBlocks(path: string, shard?: Shard): AsyncGenerator<ColumnBlock> {
  let total = -1;
  if (shard) {
    total = 0;
    for await (const { batch } of batches(path)) total += batch.numRows;
  }
  const [from, to] = shard ? shardRange(total, shard) : [0, Infinity];
  let start = 0;
  for await (const { batch, names, arrow } of batches(path)) {
    const lo = Math.max(from, start);
    const hi = Math.min(to, start + batch.numRows);
    const offset = start;
    start += batch.numRows;
    if (lo >= hi) continue;
    const columns = names.map((_, j) => columnValues(arrow, batch.getChildAt(j)!, lo - offset, hi - offset));
    yield { names, columns, count: hi - lo, firstRow: lo };
    if (start >= to) break;
  }
}

/** The rows of an Arrow IPC file (or of one shard) in chunks of about `chunkRows`, scaled with `options.scaling`. */
export function streamArrow(path: string, options: CsvOptions, chunkRows = 16_384, shard?: Shard): AsyncGenerator<RowChunk> {
  return chunkColumns(path, arrowBlocks(path, shard), options, chunkRows);
}

/** A whole Arrow IPC file as a Dataset (for training), scaled as a CSV's. */
export function loadArrow(path: string, options: CsvOptions = {}): Promise<Dataset> {
  return loadColumns(path, arrowBlocks(path), options);
}
