// Columnar files (Parquet, Arrow) as rows of a table: numeric columns become features, the label column (by name or
// index, as for CSV) integer labels. Values go through the same table builder as CSV (csv-table.ts), so scaling,
// statistics, chunking and the label rules are the CSV reader's; only the cell reading differs.
import { UserError } from '../errors.js';
import { CsvTable, type CsvOptions } from './csv-table.js';
import type { Dataset } from './dataset.js';
import type { RowChunk } from './shard.js';

/** One column's values for a run of rows: a typed array, or a plain array (with nulls, bigints or booleans). */
export type ColumnValues = ArrayLike<unknown>;

/** A table for a columnar file's columns (`names`, in file order), with a header given by the names. */
export function columnTable(path: string, names: string[], options: CsvOptions, expectedRows: number): CsvTable {
  const table = new CsvTable(path, { ...options, header: true }, expectedRows);
  table.first(names, 0);
  return table;
}

/** A cell as a number, or undefined when it is not one (null, text, a date…). */
function cellNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

const describe = (v: unknown): string => (v === null || v === undefined ? 'null' : typeof v === 'string' ? `'${v.slice(0, 40)}'` : String(v));

/**
 * Appends `count` rows given as columns (one per table column, in order) to `table`; `firstRow` is the 0-based index
 * in the file of the first, for errors. Every value must be a finite number, the label an integer.
 */
export function appendColumns(table: CsvTable, columns: ColumnValues[], count: number, firstRow: number): void {
  const label = table.labelIndex;
  for (let i = 0; i < count; i++) {
    const row = table.reserve();
    const values = table.buffer;
    let k = 0;
    for (let j = 0; j < columns.length; j++) {
      const raw = columns[j][i];
      const v = typeof raw === 'number' ? raw : cellNumber(raw);
      if (v === undefined || !Number.isFinite(v)) {
        throw new UserError(`${table.path}: row ${firstRow + i + 1}, column '${table.columns[j]}': ${describe(raw)} is not a finite number`);
      }
      if (j === label) {
        if (!Number.isInteger(v)) throw new UserError(`${table.path}: row ${firstRow + i + 1}: label ${v} is not an integer`);
        table.setLabel(v);
      } else values[row + k++] = v;
    }
    table.commit(row);
  }
}

/** A run of rows of a columnar file, one array per column (in file order). */
export interface ColumnBlock {
  names: string[];
  columns: ColumnValues[];
  count: number;
  /** Index in the file (0-based) of the block's first row. */
  firstRow: number;
  /** The rows the file (or shard) holds, when its format says up front. */
  totalRows?: number;
}

/** Column blocks regrouped as chunks of about `chunkRows` rows, each scaled with `options.scaling`. */
export async function* chunkColumns(path: string, blocks: AsyncIterable<ColumnBlock>, options: CsvOptions, chunkRows: number): AsyncGenerator<RowChunk> {
  let table: CsvTable | undefined;
  let firstRow = 0;
  for await (const block of blocks) {
    if (!table) {
      table = columnTable(path, block.names, options, chunkRows);
      firstRow = block.firstRow;
    }
    for (let at = 0; at < block.count;) {
      const take = Math.min(block.count - at, chunkRows - table.rows);
      appendColumns(table, block.columns.map((c) => sliceColumn(c, at, at + take)), take, block.firstRow + at);
      at += take;
      if (table.rows >= chunkRows) {
        const rows = table.rows;
        yield { data: table.takeRows(), firstRow };
        firstRow += rows;
      }
    }
  }
  if (table && table.rows > 0) yield { data: table.takeRows(), firstRow };
}

/** All the column blocks as one Dataset, scaled by `options.scaling` or a scaling fitted on them (as a CSV's). */
export async function loadColumns(path: string, blocks: AsyncIterable<ColumnBlock>, options: CsvOptions): Promise<Dataset> {
  let table: CsvTable | undefined;
  for await (const block of blocks) {
    table ??= columnTable(path, block.names, options, block.totalRows ?? 1024);
    appendColumns(table, block.columns, block.count, block.firstRow);
    options.onProgress?.({ bytes: 0, totalBytes: 0, rows: table.rows });
  }
  if (!table) throw new UserError(`${path}: the file holds no data rows`);
  return table.finish();
}

/** Rows [from, to) of a column: a view for typed arrays. */
export function sliceColumn(data: ColumnValues, from: number, to: number): ColumnValues {
  if (from === 0 && to === data.length) return data;
  const sliceable = data as { subarray?: (a: number, b: number) => ColumnValues };
  return sliceable.subarray ? sliceable.subarray(from, to) : Array.prototype.slice.call(data, from, to);
}
