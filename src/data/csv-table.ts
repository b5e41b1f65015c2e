// CSV tables of numbers → a Dataset: the header decision, the label column, the rows in one growing Float32Array and
// each column's statistics gathered as rows arrive (for the scaling), with every problem reported by line and column.
// Both readers feed it (the byte-level fast path in csv-scan.ts and csv-parse for everything else), so they accept
// the same files and give the same values and errors. Platform-neutral.
import { UserError, check } from '../errors.js';
import { makeDataset, type Dataset } from './dataset.js';
import { applyScaling, type Scaling, type ScalingKind } from './scaling.js';

export interface LoadProgress {
  bytes: number;
  totalBytes: number;
  rows: number;
}

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
  /** Called as a file is read, after each chunk. */
  onProgress?(progress: LoadProgress): void;
}

/** A cell is a number when Number() reads it as a finite value (and it is not blank). */
export const isNumberCell = (cell: string): boolean => cell.trim() !== '' && Number.isFinite(Number(cell));

export class CsvTable {
  columns: string[] = [];
  /** Index of the label column among the cells, or −1. */
  labelIndex = -1;
  /** Feature columns (cells minus the label column). */
  features = 0;
  rows = 0;
  /** Whether the first record was a header (decided by first()). */
  headerRow = false;
  private values = new Float32Array(0);
  private labels?: Int32Array;
  private started = false;
  // Per-feature statistics of the values as stored (float32): min, max, and the sum and sum of squares of the values
  // shifted by the first row's (the shift keeps the variance accurate when the mean is far from zero).
  private min = new Float64Array(0);
  private max = new Float64Array(0);
  private shift = new Float64Array(0);
  private sum = new Float64Array(0);
  private sumSq = new Float64Array(0);

  /** `expectedRows`: a guess of the row count (from the file size), so the array rarely grows. */
  constructor(readonly path: string, readonly options: CsvOptions, private readonly expectedRows = 1024) {}

  /** Whether the first record has been seen (the header decision is made). */
  get hasStarted(): boolean {
    return this.started;
  }

  /** The first record: the header, or the first data row (by `options.header`, else whether any cell is not a number). */
  first(cells: string[], line: number): void {
    this.started = true;
    const hasHeader = this.options.header ?? cells.some((cell) => !isNumberCell(cell));
    this.headerRow = hasHeader;
    this.columns = hasHeader ? cells : cells.map((_, j) => `column${j}`);
    this.labelIndex = this.findLabel();
    this.features = this.columns.length - (this.labelIndex >= 0 ? 1 : 0);
    check(this.features > 0, `${this.path}: no feature columns besides the label column`);
    const d = this.features;
    this.values = new Float32Array(Math.max(1, this.expectedRows) * d);
    if (this.labelIndex >= 0) this.labels = new Int32Array(Math.max(1, this.expectedRows));
    this.min = new Float64Array(d).fill(Infinity);
    this.max = new Float64Array(d).fill(-Infinity);
    this.shift = new Float64Array(d);
    this.sum = new Float64Array(d);
    this.sumSq = new Float64Array(d);
    if (!hasHeader) this.cells(cells, line);
  }

  private findLabel(): number {
    const { labelColumn, labelColumnOptional } = this.options;
    if (labelColumn === undefined) return -1;
    const byName = this.columns.indexOf(String(labelColumn));
    if (byName >= 0) return byName;
    const asIndex = Number(labelColumn);
    const valid = Number.isInteger(asIndex) && asIndex >= 0 && asIndex < this.columns.length;
    if (labelColumnOptional && !valid) return -1;
    check(valid, `${this.path}: no label column '${labelColumn}' (columns: ${this.columns.join(', ')})`);
    return asIndex;
  }

  /** Checks a record's cell count against the columns. */
  checkCount(count: number, line: number): void {
    if (count !== this.columns.length) {
      throw new UserError(`${this.path}: line ${line}: ${count} cell${count === 1 ? '' : 's'}, but the table has ${this.columns.length} columns`);
    }
  }

  /** A data record as text cells (the general reader). */
  cells(cells: string[], line: number): void {
    this.checkCount(cells.length, line);
    const row = this.reserve();
    let k = 0;
    for (let j = 0; j < cells.length; j++) {
      const cell = cells[j];
      if (!isNumberCell(cell)) {
        throw new UserError(`${this.path}: line ${line}, column ${j + 1} (${this.columns[j]}): '${cell}' is not a finite number`);
      }
      const v = Number(cell);
      if (j === this.labelIndex) {
        check(Number.isInteger(v), `${this.path}: line ${line}: label '${cell}' is not an integer`);
        this.labels![this.rows] = v;
      } else this.values[row + k++] = v;
    }
    this.commit(row);
  }

  /** The values array now (the fast reader writes rows into it; reserve() may replace it). */
  get buffer(): Float32Array {
    return this.values;
  }

  /** Room for one more row; returns its offset in the values array (the fast reader writes there, then commits). */
  reserve(): number {
    const d = this.features;
    if ((this.rows + 1) * d > this.values.length) {
      const capacity = Math.ceil(Math.max(this.rows + 1, this.values.length / d) * 1.25);
      const grown = new Float32Array(capacity * d);
      grown.set(this.values);
      this.values = grown;
      if (this.labels) {
        const labels = new Int32Array(capacity);
        labels.set(this.labels);
        this.labels = labels;
      }
    }
    return this.rows * d;
  }

  /** Sets the label of the row being written (the fast reader). */
  setLabel(label: number): void {
    this.labels![this.rows] = label;
  }

  /** Ends the row at `row` (written in place): updates the statistics. */
  commit(row: number): void {
    const { values, min, max, shift, sum, sumSq } = this;
    if (this.rows++ === 0) for (let j = 0; j < this.features; j++) shift[j] = values[row + j];
    for (let j = 0; j < this.features; j++) {
      const v = values[row + j];
      if (v < min[j]) min[j] = v;
      if (v > max[j]) max[j] = v;
      const u = v - shift[j];
      sum[j] += u;
      sumSq[j] += u * u;
    }
  }

  /** The scaling the statistics give (constant features get scale 1, so they never divide by zero). */
  private fitted(kind: ScalingKind): Scaling {
    const d = this.features;
    const offset = new Array<number>(d).fill(0);
    const scale = new Array<number>(d).fill(1);
    if (kind === 'minmax') {
      for (let j = 0; j < d; j++) {
        offset[j] = this.min[j];
        scale[j] = this.max[j] > this.min[j] ? this.max[j] - this.min[j] : 1;
      }
    } else if (kind === 'zscore') {
      for (let j = 0; j < d; j++) {
        const mean = this.sum[j] / this.rows;
        const std = Math.sqrt(Math.max(0, this.sumSq[j] / this.rows - mean * mean));
        offset[j] = this.shift[j] + mean;
        scale[j] = std > 0 ? std : 1;
      }
    }
    return { kind, offset, scale };
  }

  /** A table with `other`'s columns and label column, empty (a shard of a file whose header another table read). */
  static like(other: CsvTable, expectedRows: number): CsvTable {
    const table = new CsvTable(other.path, { ...other.options, header: true }, expectedRows);
    table.first(other.columns, 0);
    return table;
  }

  /** The rows read so far, scaled by the given scaling (streaming needs one), as a Dataset; the table starts empty again. */
  takeRows(): Dataset {
    const d = this.features;
    const values = this.values.slice(0, this.rows * d);
    const { scaling } = this.options;
    if (scaling) {
      check(scaling.offset.length === d, `${this.path}: ${d} feature columns but the model was trained on ${scaling.offset.length}`);
      applyScaling(scaling, values);
    }
    const data = makeDataset({ source: this.path, values, shape: [d], size: this.rows, labels: this.labels?.slice(0, this.rows), ...(scaling && { scaling }) });
    this.rows = 0;
    return data;
  }

  /** The rows read, scaled (by the given scaling, or one fitted on these rows), as a Dataset. */
  finish(): Dataset {
    check(this.started, `${this.path}: the file holds no rows`);
    check(this.rows > 0, `${this.path}: the file holds a header but no data rows`);
    const d = this.features;
    const { scaling: given } = this.options;
    if (given) check(given.offset.length === d, `${this.path}: ${d} feature columns but the model was trained on ${given.offset.length}`);
    // A view of the used rows: the spare capacity (at most a quarter) is not copied away, to keep the peak low.
    const values = this.values.length === this.rows * d ? this.values : this.values.subarray(0, this.rows * d);
    const scaling = given ?? this.fitted(this.options.scale ?? 'minmax');
    applyScaling(scaling, values);
    return makeDataset({ source: this.path, values, shape: [d], size: this.rows, labels: this.labels?.subarray(0, this.rows), scaling });
  }
}
