// Resolves a `--data` value (an embedded set's name or a path) to train and test Datasets.
import { existsSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { EMBEDDED_NAMES, isEmbeddedName, loadEmbedded } from './embedded.js';
import { loadIdx } from './idx.js';
import { loadCsv, type CsvOptions } from './csv.js';
import { loadPngFolder } from './png-folder.js';
import { loadNpy } from './npy-read.js';
import { loadParquet } from './parquet-read.js';
import { loadArrow } from './arrow-read.js';
import { rowFormat } from './row-stream.js';

export interface DataOptions extends CsvOptions {
  /** An IDX labels file to pair with IDX images. */
  labels?: string;
}

export interface LoadedData {
  /** The training rows (an embedded set's train split, or a whole file). */
  train: Dataset;
  /** The held-out rows (an embedded set's test split), or for a file the whole file again (see `heldOut`). */
  test: Dataset;
  /** Whether `test` is really held out (an embedded set's test split, or a separate test file). */
  heldOut: boolean;
  warnings: string[];
}

const whole = (data: Dataset): LoadedData => ({ train: data, test: data, heldOut: false, warnings: [] });

/** Loads `spec`: `mnist`, `fashion-mnist`, a .idx / .idx.gz / .csv / .npy / .parquet / .arrow file, or a folder of PNG images. */
export async function loadData(spec: string, options: DataOptions = {}): Promise<LoadedData> {
  if (isEmbeddedName(spec)) return { ...(await loadEmbedded(spec)), heldOut: true };
  if (!existsSync(spec)) {
    throw new UserError(`${spec}: no such file or folder (and not an embedded dataset: ${EMBEDDED_NAMES.join(', ')})`);
  }
  if (statSync(spec).isDirectory()) return whole(await loadPngFolder(spec));
  const format = rowFormat(spec);
  if (format === 'csv') return whole(await loadCsv(spec, options));
  if (format === 'npy') return whole(await loadNpy(spec, { labels: options.labels, scale: options.scale, scaling: options.scaling }));
  if (format === 'parquet') return whole(await loadParquet(spec, options));
  if (format === 'arrow') return whole(await loadArrow(spec, options));
  if (/(\.idx\d?|-ubyte)(\.gz)?$/.test(spec.toLowerCase())) return whole(await loadIdx(spec, options.labels));
  throw new UserError(`${spec}: unknown data format; use a .csv, .npy, .parquet, .arrow, .idx or .idx.gz file, a folder of PNGs, or ${EMBEDDED_NAMES.join(' / ')}`);
}
