// Reading a CSV of numbers in chunks of rows, in constant memory, for the batch commands: the whole file, or one
// shard of it. A shard is a byte range cut at line starts, so the n shards' rows, in order, are the file's rows; its
// first row's index in the file comes from counting the lines before it. Rows are scaled with the run's scaling.
import { open, stat } from 'node:fs/promises';
import { UserError } from '../errors.js';
import type { RowChunk, Shard } from './shard.js';
import { CsvTable, type CsvOptions } from './csv-table.js';
import { Fallback, FastCsvScanner } from './csv-scan.js';
import { scanFile } from './csv.js';

const CHUNK_BYTES = 4 << 20;
const LF = 10;

type Handle = Awaited<ReturnType<typeof open>>;

/** The offset of the first line start at or after `p` (a line starts after a newline). */
async function lineStart(handle: Handle, p: number, floor: number, size: number): Promise<number> {
  if (p <= floor) return floor;
  if (p >= size) return size;
  const buf = new Uint8Array(64 << 10);
  for (let at = p - 1; at < size; at += buf.length) {
    const { bytesRead } = await handle.read(buf, 0, buf.length, at);
    const i = buf.subarray(0, bytesRead).indexOf(LF);
    if (i >= 0) return at + i + 1;
    if (bytesRead === 0) break;
  }
  return size;
}

/** Physical lines and non-empty lines in [from, to). */
async function countLines(handle: Handle, from: number, to: number): Promise<{ lines: number; rows: number }> {
  const buf = new Uint8Array(CHUNK_BYTES);
  let lines = 0;
  let rows = 0;
  let lineLength = 0;
  for (let at = from; at < to;) {
    const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, to - at), at);
    if (bytesRead === 0) break;
    for (let i = 0; i < bytesRead; i++) {
      if (buf[i] === LF) {
        lines++;
        if (lineLength > 0) rows++;
        lineLength = 0;
      } else if (buf[i] !== 13) lineLength++;
    }
    at += bytesRead;
  }
  return { lines, rows };
}

/**
 * The rows of `path` (or of one shard) in chunks of about `chunkRows`, each a Dataset scaled with `options.scaling`.
 * Reads plain numeric CSV (what the fast reader takes); a file that needs the general reader is an error naming the
 * line, since rows already handed on cannot be read again.
 */
export async function* streamCsv(path: string, options: CsvOptions, chunkRows = 16_384, shard?: Shard): AsyncGenerator<RowChunk> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`${path}: cannot read (${err.code ?? String(err)})`);
  });
  if (!info.isFile()) throw new UserError(`${path}: not a regular file`);
  const size = info.size;
  const handle = await open(path, 'r');
  try {
    // The first record decides the columns (header or not): read lines until it is seen.
    const head = new CsvTable(path, options, 16);
    const headScanner = new FastCsvScanner(head);
    const first = new Uint8Array(Math.min(size, 1 << 20));
    const { bytesRead } = await handle.read(first, 0, first.length, 0);
    let dataStart = 0;
    while (!head.hasStarted && dataStart < bytesRead) {
      const next = first.indexOf(LF, dataStart);
      const end = next < 0 ? bytesRead : next + 1;
      try {
        dataStart += headScanner.scan(first.subarray(dataStart, end), end - dataStart, next < 0);
      } catch (err) {
        if (!(err instanceof Fallback)) throw err;
        throw new UserError(`${path}: line ${err.line}: not a plain number row; streaming reads plain numeric CSV only`);
      }
    }
    if (!head.hasStarted) throw new UserError(`${path}: the file holds no rows`);
    // Without a header, the first line is data: start there.
    if (!head.headerRow) dataStart = first.subarray(0, dataStart).lastIndexOf(LF, dataStart - 2) + 1;
    const span = size - dataStart;
    const lo = shard ? await lineStart(handle, dataStart + Math.floor((span * shard.index) / shard.count), dataStart, size) : dataStart;
    const hi = shard ? await lineStart(handle, dataStart + Math.floor((span * (shard.index + 1)) / shard.count), dataStart, size) : size;
    const before = await countLines(handle, 0, lo);
    const beforeData = dataStart > 0 ? await countLines(handle, dataStart, lo) : before;
    let firstRow = beforeData.rows;
    const table = CsvTable.like(head, chunkRows);
    const scanner = new FastCsvScanner(table, before.lines);
    const scan = (buf: Uint8Array, end: number, final: boolean): number => {
      try {
        return scanner.scan(buf, end, final);
      } catch (err) {
        if (!(err instanceof Fallback)) throw err;
        throw new UserError(`${path}: line ${err.line}: not a plain number row (quoted text, a letter, a line break in quotes…); ` +
          'streaming reads plain numeric CSV only');
      }
    };
    for await (const { bytes, final } of scanFile(handle, lo, hi, scan)) {
      options.onProgress?.({ bytes, totalBytes: hi - lo, rows: firstRow + table.rows });
      if (table.rows >= chunkRows || (final && table.rows > 0)) {
        const rows = table.rows;
        yield { data: table.takeRows(), firstRow };
        firstRow += rows;
      }
    }
  } finally {
    await handle.close();
  }
}
