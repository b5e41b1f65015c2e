// Apache Parquet files as data (hyparquet, with hyparquet-compressors for gzip, zstd, brotli and lz4): every top-level
// column a number (floats, integers, booleans), one of them optionally the label column. Read one row group at a time,
// so memory follows the row group size, not the file size (pyarrow writes groups of at most 1 Mi rows); a shard is an
// equal split of the rows and reads only the row groups it overlaps.
import { open, stat } from 'node:fs/promises';
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { UserError } from '../errors.js';
import type { CsvOptions } from './csv-table.js';
import type { Dataset } from './dataset.js';
import { chunkColumns, loadColumns, sliceColumn, type ColumnBlock, type ColumnValues } from './column-rows.js';
import { shardRange, type RowChunk, type Shard } from './shard.js';

type Handle = Awaited<ReturnType<typeof open>>;

const NUMERIC = new Set(['BOOLEAN', 'INT32', 'INT64', 'FLOAT', 'DOUBLE']);

/** The file as hyparquet's AsyncBuffer, read through one open handle. */
async function fileBuffer(path: string): Promise<{ file: AsyncBuffer; handle: Handle }> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`${path}: cannot read (${err.code ?? String(err)})`);
  });
  if (!info.isFile()) throw new UserError(`${path}: not a regular file`);
  const handle = await open(path, 'r');
  const file: AsyncBuffer = {
    byteLength: info.size,
    async slice(start: number, end = info.size) {
      const bytes = new Uint8Array(Math.max(0, Math.min(end, info.size) - start));
      if (bytes.length > 0) await handle.read(bytes, 0, bytes.length, start);
      return bytes.buffer;
    },
  };
  return { file, handle };
}

/** Reads the footer and checks the columns: top-level, numeric. */
async function readMetadata(path: string, file: AsyncBuffer): Promise<{ metadata: FileMetaData; names: string[] }> {
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new UserError(`${path}: not a readable Parquet file (${(err as Error).message})`);
  }
  const columns = parquetSchema(metadata).children;
  if (columns.length === 0) throw new UserError(`${path}: the Parquet file has no columns`);
  for (const { element, children } of columns) {
    const nested = children.length > 0 || element.repetition_type === 'REPEATED';
    if (nested || !NUMERIC.has(element.type ?? '')) {
      const what = nested ? 'a nested or repeated field' : `of type ${element.type ?? 'none'}`;
      throw new UserError(`${path}: column '${element.name}' is ${what}; latentkit reads columns of numbers (float, double, int, boolean)`);
    }
  }
  return { metadata, names: columns.map((c) => c.element.name) };
}

/** Rows [lo, hi) of every column, one array per column (views of hyparquet's decoded column chunks). */
async function readRows(path: string, file: AsyncBuffer, metadata: FileMetaData, names: string[], lo: number, hi: number): Promise<ColumnValues[]> {
  const parts = new Map<string, { rowStart: number; data: ColumnValues }[]>(names.map((n) => [n, []]));
  try {
    await parquetRead({
      file, metadata, rowStart: lo, rowEnd: hi, compressors,
      onChunk: ({ columnName, columnData, rowStart }) => parts.get(columnName)?.push({ rowStart, data: columnData }),
    });
  } catch (err) {
    throw new UserError(`${path}: cannot decode rows ${lo + 1}–${hi} (${(err as Error).message})`);
  }
  return names.map((name) => {
    const chunks = parts.get(name)!;
    const whole = chunks.find((c) => c.rowStart <= lo && c.rowStart + c.data.length >= hi);
    if (whole) return sliceColumn(whole.data, lo - whole.rowStart, hi - whole.rowStart);
    const out = new Array<unknown>(hi - lo);
    for (const c of chunks) {
      for (let r = Math.max(lo, c.rowStart); r < Math.min(hi, c.rowStart + c.data.length); r++) out[r - lo] = c.data[r - c.rowStart];
    }
    return out;
  });
}

/** The physical type of each column (FLOAT, DOUBLE, INT32, INT64, BOOLEAN) and the row count, from the footer. */
export async function parquetColumns(path: string): Promise<{ names: string[]; types: string[]; rows: number }> {
  const { file, handle } = await fileBuffer(path);
  try {
    const { metadata, names } = await readMetadata(path, file);
    return { names, types: parquetSchema(metadata).children.map((c) => c.element.type!), rows: Number(metadata.num_rows) };
  } finally {
    await handle.close();
  }
}

/** The file's rows (or one shard's) one row group at a time. */
export async function* parquetBlocks(path: string, shard?: Shard): AsyncGenerator<ColumnBlock> {
  const { file, handle } = await fileBuffer(path);
  try {
    const { metadata, names } = await readMetadata(path, file);
    const [from, to] = shardRange(Number(metadata.num_rows), shard);
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      const groupEnd = groupStart + Number(group.num_rows);
      const lo = Math.max(from, groupStart);
      const hi = Math.min(to, groupEnd);
      groupStart = groupEnd;
      if (lo < hi) yield { names, columns: await readRows(path, file, metadata, names, lo, hi), count: hi - lo, firstRow: lo, totalRows: to - from };
    }
  } finally {
    await handle.close();
  }
}

/** The rows of a Parquet file (or of one shard) in chunks of about `chunkRows`, scaled with `options.scaling`. */
export function streamParquet(path: string, options: CsvOptions, chunkRows = 16_384, shard?: Shard): AsyncGenerator<RowChunk> {
  return chunkColumns(path, parquetBlocks(path, shard), options, chunkRows);
}

/** A whole Parquet file as a Dataset (for training), scaled as a CSV's. */
export function loadParquet(path: string, options: CsvOptions = {}): Promise<Dataset> {
  return loadColumns(path, parquetBlocks(path), options);
}
