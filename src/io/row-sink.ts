// Row outputs of the batch commands written as they are computed, atomically (temp file + rename): CSV (a header, then
// one line per row), JSON lines, .npy (the first field as a float32 matrix; the header is rewritten with the row count
// at the end) and Parquet (hyparquet-writer, snappy; fixed row groups, so a merged set of shards is the same file).
import type { FileHandle } from 'node:fs/promises';
import { ByteWriter, ParquetWriter, type SchemaElement } from 'hyparquet-writer';
import { withFileAtomic } from './atomic.js';
import { npyHeader } from './npy.js';
import { check } from '../errors.js';

export type SinkFormat = 'csv' | 'jsonl' | 'npy' | 'parquet';
export const SINK_FORMATS: readonly SinkFormat[] = ['csv', 'jsonl', 'npy', 'parquet'];

/** The format a file name asks for (csv by default). */
export function sinkFormat(path: string): SinkFormat {
  const lower = path.toLowerCase();
  return lower.endsWith('.npy') ? 'npy' : lower.endsWith('.jsonl') ? 'jsonl' : lower.endsWith('.parquet') ? 'parquet' : 'csv';
}

/**
 * One output field: a scalar column, or with `width` a vector, written as columns `${prefix}0…` in CSV and Parquet and
 * as an array under `name` in JSON lines.
 */
export interface OutField {
  name: string;
  type: 'float32' | 'float64' | 'int32';
  width?: number;
  prefix?: string;
}

export type FieldValues = Float32Array | Float64Array | Int32Array;

/** The flat column names of the fields (vectors expanded). */
export const columnNames = (fields: OutField[]): string[] =>
  fields.flatMap((f) => (f.width === undefined ? [f.name] : Array.from({ length: f.width }, (_, j) => `${f.prefix ?? f.name}${j}`)));

/** Room for the .npy header, rewritten in place at the end with the final shape. */
export const NPY_HEADER_BYTES = 128;

/** Rows per Parquet row group: about 4 M values, from 1,024 to 65,536 rows (a function of the columns only). */
export const parquetGroupRows = (columns: number): number => Math.max(1024, Math.min(65_536, Math.floor((4 << 20) / Math.max(1, columns))));

export interface RowSink {
  /** Appends `rows` rows: one array per field (a vector field's rows are `width` values each). */
  write(values: FieldValues[], rows: number): Promise<void>;
}

/** What a format needs from a file: its writes in order, and a close that may finish the file. */
interface FormatWriter extends RowSink {
  close(): Promise<void>;
}

const parquetType = (t: OutField['type']): SchemaElement['type'] => (t === 'float32' ? 'FLOAT' : t === 'float64' ? 'DOUBLE' : 'INT32');

function textWriter(handle: FileHandle, fields: OutField[], format: 'csv' | 'jsonl', header: boolean): FormatWriter {
  let first = true;
  return {
    async write(values, rows) {
      const lines: string[] = [];
      if (first && header && format === 'csv') lines.push(columnNames(fields).join(','));
      first = false;
      for (let i = 0; i < rows; i++) {
        if (format === 'csv') {
          const cells: number[] = [];
          fields.forEach((f, k) => {
            const w = f.width ?? 1;
            for (let j = 0; j < w; j++) cells.push(values[k][i * w + j]);
          });
          lines.push(cells.join(','));
        } else {
          const row: Record<string, number | number[]> = {};
          fields.forEach((f, k) => {
            row[f.name] = f.width === undefined ? values[k][i] : Array.from(values[k].subarray(i * f.width, (i + 1) * f.width));
          });
          lines.push(JSON.stringify(row));
        }
      }
      if (lines.length > 0) await handle.write(lines.join('\n') + '\n');
    },
    close: async () => undefined,
  };
}

function npyWriter(handle: FileHandle, fields: OutField[]): FormatWriter {
  const main = fields[0];
  check(main.type !== 'float64', `.npy output holds a float32 or int32 matrix; '${main.name}' is ${main.type}`);
  const descr = main.type === 'int32' ? '<i4' : '<f4';
  const width = main.width ?? 1;
  let rows = 0;
  let started = false;
  return {
    async write(values, n) {
      if (!started) await handle.write(new Uint8Array(NPY_HEADER_BYTES));
      started = true;
      const v = values[0];
      await handle.write(new Uint8Array(v.buffer, v.byteOffset, n * width * 4));
      rows += n;
    },
    async close() {
      if (!started) await handle.write(new Uint8Array(NPY_HEADER_BYTES));
      await handle.write(npyHeader([rows, width], NPY_HEADER_BYTES, descr), 0, NPY_HEADER_BYTES, 0);
    },
  };
}

/** Parquet: rows gathered into fixed row groups (parquetGroupRows of the column count), written as each fills. */
function parquetWriter(handle: FileHandle, fields: OutField[]): FormatWriter {
  const names = columnNames(fields);
  const types = fields.flatMap((f) => Array<OutField['type']>(f.width ?? 1).fill(f.type));
  const schema: SchemaElement[] = [
    { name: 'root', num_children: names.length },
    ...names.map((name, j): SchemaElement => ({ name, type: parquetType(types[j]), repetition_type: 'REQUIRED' })),
  ];
  const bytes = new ByteWriter(1 << 20);
  // hyparquet-writer calls flush after each row group and awaits it: the group's bytes go to the file.
  Object.assign(bytes, {
    flush: async () => {
      await handle.write(new Uint8Array(bytes.buffer, 0, bytes.index));
      bytes.index = 0;
    },
  });
  const writer = new ParquetWriter({ writer: bytes, schema, createdBy: 'latentkit' });
  const groupRows = parquetGroupRows(names.length);
  const pending = types.map((t) => (t === 'float32' ? new Float32Array(groupRows) : t === 'float64' ? new Float64Array(groupRows) : new Int32Array(groupRows)));
  let filled = 0;
  const flushGroup = async () => {
    if (filled === 0) return;
    const columnData = names.map((name, j) => ({ name, data: pending[j].slice(0, filled) }));
    await writer.write({ columnData, rowGroupSize: filled });
    filled = 0;
  };
  return {
    async write(values, rows) {
      for (let i = 0; i < rows;) {
        const take = Math.min(rows - i, groupRows - filled);
        let c = 0;
        fields.forEach((f, k) => {
          const w = f.width ?? 1;
          for (let j = 0; j < w; j++, c++) {
            const column = pending[c];
            for (let r = 0; r < take; r++) column[filled + r] = values[k][(i + r) * w + j];
          }
        });
        filled += take;
        i += take;
        if (filled === groupRows) await flushGroup();
      }
    },
    async close() {
      await flushGroup();
      await writer.finish();
      await handle.write(new Uint8Array(bytes.buffer, 0, bytes.index));
      bytes.index = 0;
    },
  };
}

/**
 * Writes `path` in `format` through `fill`, which receives a sink for `fields` (the CSV header is written when `header`
 * is true: shard 0, or no shard); the file appears whole under its name when `fill` resolves, or not at all.
 */
export async function withRowSink<T>(path: string, format: SinkFormat, fields: OutField[], header: boolean, fill: (sink: RowSink) => Promise<T>): Promise<T> {
  let result: T;
  await withFileAtomic(path, async (handle) => {
    const writer = format === 'npy' ? npyWriter(handle, fields)
      : format === 'parquet' ? parquetWriter(handle, fields)
        : textWriter(handle, fields, format, header);
    result = await fill(writer);
    await writer.close();
  });
  return result!;
}
