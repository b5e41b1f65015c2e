// CSV text of numbers → a Dataset: optional header, optional label column, per-feature scaling fitted on the rows.
// Platform-neutral: '#csv-parse' is csv-parse's Node build on Node and its browser build in a bundle.
import { parse } from '#csv-parse';
import { UserError, check } from '../errors.js';
import { makeDataset, type Dataset } from './dataset.js';
import { applyScaling, fitScaling, type ScalingKind, type Scaling } from './scaling.js';

export interface CsvOptions {
  /** Whether the first row names the columns; by default it is a header when any of its cells is not a number. */
  header?: boolean;
  /** The column holding integer class labels, by header name or 0-based index; it is not a feature. */
  labelColumn?: string | number;
  /** Read files that lack the named label column as unlabelled instead of failing (e.g. normal calibration data). */
  labelColumnOptional?: boolean;
  /** How to scale features when no `scaling` is given (default `minmax`). */
  scale?: ScalingKind;
  /** A scaling fitted earlier (saved with a model): applied as it is instead of fitting a new one. */
  scaling?: Scaling;
}

interface CsvTable {
  columns: string[];
  rows: string[][];
  /** The 1-based line of the first data row, for messages. */
  firstLine: number;
}

const isNumber = (cell: string): boolean => cell.trim() !== '' && Number.isFinite(Number(cell));

function readTable(text: string, path: string, header: boolean | undefined): CsvTable {
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (err) {
    throw new UserError(`${path}: not valid CSV (${(err as Error).message})`);
  }
  check(rows.length > 0, `${path}: the file holds no rows`);
  const hasHeader = header ?? rows[0].some((cell) => !isNumber(cell));
  const columns = hasHeader ? rows[0] : rows[0].map((_, j) => `column${j}`);
  return { columns, rows: hasHeader ? rows.slice(1) : rows, firstLine: hasHeader ? 2 : 1 };
}

function labelIndex(path: string, columns: string[], labelColumn: string | number | undefined, optional = false): number {
  if (labelColumn === undefined) return -1;
  const byName = columns.indexOf(String(labelColumn));
  if (byName >= 0) return byName;
  const asIndex = Number(labelColumn);
  if (optional && !(Number.isInteger(asIndex) && asIndex >= 0 && asIndex < columns.length)) return -1;
  check(Number.isInteger(asIndex) && asIndex >= 0 && asIndex < columns.length,
    `${path}: no label column '${labelColumn}' (columns: ${columns.join(', ')})`);
  return asIndex;
}

/** CSV text (from `path`, for messages) as a Dataset of shape [features]; non-numeric cells are errors naming row and column. */
export function parseCsv(text: string, path: string, options: CsvOptions = {}): Dataset {
  const { columns, rows, firstLine } = readTable(text, path, options.header);
  check(rows.length > 0, `${path}: the file holds a header but no data rows`);
  const li = labelIndex(path, columns, options.labelColumn, options.labelColumnOptional);
  const d = columns.length - (li >= 0 ? 1 : 0);
  check(d > 0, `${path}: no feature columns besides the label column`);
  const values = new Float32Array(rows.length * d);
  const labels = li >= 0 ? new Int32Array(rows.length) : undefined;
  rows.forEach((row, i) => {
    let k = 0;
    row.forEach((cell, j) => {
      const v = Number(cell);
      if (!isNumber(cell)) {
        throw new UserError(`${path}: line ${i + firstLine}, column ${j + 1} (${columns[j]}): '${cell}' is not a finite number`);
      }
      if (j === li) {
        check(Number.isInteger(v), `${path}: line ${i + firstLine}: label '${cell}' is not an integer`);
        labels![i] = v;
      } else values[i * d + k++] = v;
    });
  });
  if (options.scaling) {
    check(options.scaling.offset.length === d, `${path}: ${d} feature columns but the model was trained on ${options.scaling.offset.length}`);
  }
  const scaling = options.scaling ?? fitScaling(options.scale ?? 'minmax', values, d);
  applyScaling(scaling, values);
  return makeDataset({ source: path, values, shape: [d], size: rows.length, labels, scaling });
}
