// CSV files of numbers, read whole and parsed by data/csv-table.ts.
import { readRegularFile } from '../io/read-file.js';
import type { Dataset } from './dataset.js';
import { parseCsv, type CsvOptions } from './csv-table.js';

export type { CsvOptions } from './csv-table.js';

/** The largest CSV read whole: V8's strings stop a little below 512 MiB. */
const MAX_CSV_BYTES = 2 ** 29 - 64;

/** Loads a CSV of numbers as a Dataset of shape [features]; non-numeric cells are errors naming row and column. */
export async function loadCsv(path: string, options: CsvOptions = {}): Promise<Dataset> {
  return parseCsv((await readRegularFile(path, { maxBytes: MAX_CSV_BYTES, followLinks: true })).toString('utf8'), path, options);
}
