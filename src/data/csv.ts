// CSV files of numbers, read in chunks: the fast reader (csv-scan.ts) straight from the bytes, or csv-parse's stream
// for files it hands back — both into one CsvTable, so memory stays near the size of the numbers themselves.
import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { UserError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { CsvTable, type CsvOptions } from './csv-table.js';
import { CSV_PARSE_OPTIONS, estimateRows, Fallback, FastCsvScanner, readRecord } from './csv-scan.js';

export type { CsvOptions } from './csv-table.js';

/** Bytes read per chunk. */
const CHUNK = 4 << 20;

async function fileSize(path: string): Promise<number> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`${path}: cannot read (${err.code ?? String(err)})`);
  });
  if (!info.isFile()) throw new UserError(`${path}: not a regular file`);
  return info.size;
}

/**
 * Reads bytes [from, to) of `handle` in 4 MB chunks through `scan`, which reads whole lines and returns where it
 * stopped; the rest carries over into the next read (the buffer grows for a line longer than itself). Yields after
 * each scan with the bytes read so far and whether that was the last.
 */
export async function* scanFile(handle: FileHandle, from: number, to: number, scan: (buf: Uint8Array, end: number, final: boolean) => number): AsyncGenerator<{ bytes: number; final: boolean }> {
  let buf = new Uint8Array(CHUNK);
  let filled = 0;
  for (let at = from; ;) {
    const want = Math.min(buf.length - filled, to - at);
    const { bytesRead } = want > 0 ? await handle.read(buf, filled, want, at) : { bytesRead: 0 };
    at += bytesRead;
    const end = filled + bytesRead;
    const final = bytesRead === 0 || at >= to;
    const consumed = scan(buf, end, final);
    yield { bytes: at - from, final };
    if (final) return;
    buf.copyWithin(0, consumed, end);
    filled = end - consumed;
    if (filled === buf.length) {
      const grown = new Uint8Array(buf.length * 2);
      grown.set(buf);
      buf = grown;
    }
  }
}

async function readFast(path: string, size: number, options: CsvOptions): Promise<Dataset> {
  const handle = await open(path, 'r');
  try {
    let table: CsvTable | undefined;
    let scanner: FastCsvScanner | undefined;
    const chunks = scanFile(handle, 0, size, (buf, end, final) => {
      // The first chunk's line lengths give the row estimate that sizes the table.
      table ??= new CsvTable(path, options, estimateRows(buf.subarray(0, end), size));
      scanner ??= new FastCsvScanner(table);
      return scanner.scan(buf, end, final);
    });
    for await (const { bytes } of chunks) options.onProgress?.({ bytes, totalBytes: size, rows: table!.rows });
    return table!.finish();
  } finally {
    await handle.close();
  }
}

async function readGeneral(path: string, size: number, options: CsvOptions): Promise<Dataset> {
  const table = new CsvTable(path, options);
  const input = createReadStream(path);
  let read = 0;
  input.on('data', (chunk) => {
    read += chunk.length;
    options.onProgress?.({ bytes: read, totalBytes: size, rows: table.rows });
  });
  try {
    for await (const { record, info } of input.pipe(parse(CSV_PARSE_OPTIONS))) readRecord(table, record, info.lines);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${path}: not valid CSV (${(err as Error).message})`);
  } finally {
    input.destroy();
  }
  return table.finish();
}

/**
 * Loads a CSV of numbers as a Dataset of shape [features]; non-numeric cells are errors naming line and column.
 * `general` forces the csv-parse reader (for tests and benchmarks; both readers give the same values and errors).
 */
export async function loadCsv(path: string, options: CsvOptions = {}, general = false): Promise<Dataset> {
  const size = await fileSize(path);
  if (!general) {
    try {
      return await readFast(path, size, options);
    } catch (err) {
      if (!(err instanceof Fallback)) throw err;
    }
  }
  return readGeneral(path, size, options);
}
