// The fast CSV reader: plain numbers (optionally quoted), commas, LF or CRLF line ends, an optional BOM, read straight
// from bytes into the table's Float32Array without a string per cell. Anything else — a letter, an escaped quote, a
// quoted line break, a cell Number() would read differently — makes it give up (Fallback), and the general reader
// (csv-parse) reads the file instead, so the two accept the same files and report the same errors. Platform-neutral.
import { parse } from '#csv-parse';
import { UserError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { CsvTable, type CsvOptions } from './csv-table.js';

/** Thrown when the fast reader meets something only the general reader handles; `line` is where. */
export class Fallback extends Error {
  line = 0;
}

/** Options of csv-parse for the general reader (and for a header line): one record per row, trimmed cells. */
export const CSV_PARSE_OPTIONS = { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true, info: true } as const;

const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const COMMA = 44;
const QUOTE = 34;
const isBlank = (c: number): boolean => c === 32 || c === 9;

function latin1(buf: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(buf[i]);
  return out;
}

/** Where the last scanNumber call stopped (a module variable rather than an object per cell). */
let numberEnd = 0;

/**
 * Reads the longest plain decimal ([+-] digits [. digits] [e [+-] digits]) starting at buf[s], before e, and returns
 * its value as Math.fround(Number(text)) gives it (NaN when there is none); numberEnd is set to where it stopped. Up
 * to 15 significant digits and powers of ten up to 22 are exact (Clinger 1990); otherwise a close approximation is
 * used when it cannot round to a different float32, and Number() decides the rest.
 */
function scanNumber(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  let negative = false;
  if (buf[i] === 43 || buf[i] === 45) negative = buf[i++] === 45;
  let mantissa = 0;
  let digits = 0;
  let exp10 = 0;
  let any = false;
  let point = false;
  // Integer and fraction digits in one loop: up to 19 significant digits go into the mantissa; past them, integer
  // digits still scale by 10 and fraction digits no longer matter. Leading zeros count only as scale.
  for (; i < e; i++) {
    if (buf[i] === 46 && !point) {
      point = true;
      continue;
    }
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    any = true;
    if (digits < 19) {
      if (mantissa !== 0 || d !== 0) {
        mantissa = mantissa * 10 + d;
        digits++;
      }
      if (point) exp10--;
    } else if (!point) exp10++;
  }
  numberEnd = i;
  if (!any) return NaN;
  if (i < e && (buf[i] === 101 || buf[i] === 69)) {
    i++;
    let expNegative = false;
    if (buf[i] === 43 || buf[i] === 45) expNegative = buf[i++] === 45;
    let exponent = 0;
    let expDigits = false;
    for (; i < e; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      expDigits = true;
      if (exponent < 100_000) exponent = exponent * 10 + d;
    }
    // "1e" or "1e+" is not a number (Number() says NaN), whatever follows.
    if (!expDigits) return NaN;
    exp10 += expNegative ? -exponent : exponent;
    numberEnd = i;
  }
  if (mantissa === 0) return negative ? -0 : 0;
  if (digits <= 15 && exp10 >= -22 && exp10 <= 22) {
    const v = exp10 < 0 ? mantissa / POW10[-exp10] : mantissa * POW10[exp10];
    return Math.fround(negative ? -v : v);
  }
  if (exp10 >= -44 && exp10 <= 44) {
    const first = Math.max(-22, Math.min(22, exp10));
    let v = first < 0 ? mantissa / POW10[-first] : mantissa * POW10[first];
    const rest = exp10 - first;
    v = rest < 0 ? v / POW10[-rest] : v * POW10[rest];
    // v is within a few double ulps of Number(text): where every value that close rounds to one float32, it is that.
    const f = Math.fround(v);
    const slack = v * 2 ** -40;
    if (Math.fround(v - slack) === f && Math.fround(v + slack) === f && Number.isFinite(f)) return negative ? -f : f;
  }
  return Math.fround(Number(latin1(buf, s, i)));
}

/** The value of buf[s, e) when all of it is one plain decimal (see scanNumber), else NaN. */
export function plainNumber(buf: Uint8Array, s: number, e: number): number {
  const v = scanNumber(buf, s, e);
  return numberEnd === e ? v : NaN;
}

/** Reads lines of bytes into a CsvTable; see the file's opening comment. */
export class FastCsvScanner {
  /** Physical lines consumed so far (the next line's number is this + 1). */
  private line: number;
  private atStart: boolean;

  /** `lineOffset`: lines of the file before the first byte this scanner sees (a shard's start; 0 checks for a BOM). */
  constructor(private readonly table: CsvTable, lineOffset = 0) {
    this.line = lineOffset;
    this.atStart = lineOffset === 0;
  }

  /**
   * Reads the complete lines in buf[0, end) — and, when `final`, the unterminated last one — and returns the offset
   * after the last line read (the caller keeps the rest for the next call).
   */
  scan(buf: Uint8Array, end: number, final: boolean, stopAt = Infinity): number {
    let pos = 0;
    if (this.atStart && end >= 3) {
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
      this.atStart = false;
    }
    while (pos < end && pos < stopAt) {
      let next = buf.indexOf(10, pos);
      if (next < 0 || next >= end) {
        if (!final) break;
        next = end;
      }
      let lineEnd = next;
      if (lineEnd > pos && buf[lineEnd - 1] === 13) lineEnd--;
      this.line++;
      if (lineEnd > pos) {
        try {
          this.record(buf, pos, lineEnd);
        } catch (err) {
          if (err instanceof Fallback) err.line = this.line;
          throw err;
        }
      }
      pos = next + 1;
    }
    return Math.min(pos, end);
  }

  private record(buf: Uint8Array, s: number, e: number): void {
    const table = this.table;
    if (!table.hasStarted) {
      const text = new TextDecoder().decode(buf.subarray(s, e));
      let records: { record: string[] }[];
      try {
        records = parse(text, CSV_PARSE_OPTIONS) as unknown as { record: string[] }[];
      } catch {
        throw new Fallback();
      }
      if (records.length !== 1) throw new Fallback();
      table.first(records[0].record, this.line);
      return;
    }
    const row = table.reserve();
    const values = table.buffer;
    const label = table.labelIndex;
    let k = 0;
    let j = 0;
    let i = s;
    for (;;) {
      while (i < e && isBlank(buf[i])) i++;
      let start = i;
      let stop: number;
      let v = NaN;
      if (buf[i] === QUOTE) {
        start = ++i;
        const close = buf.indexOf(QUOTE, i);
        if (close < 0 || close >= e) throw new Fallback();
        stop = close;
        i = close + 1;
        while (i < e && isBlank(buf[i])) i++;
        if (i < e && buf[i] !== COMMA) throw new Fallback();
        while (start < stop && isBlank(buf[start])) start++;
      } else {
        // Read the number in place, then only blanks may come before the comma or the line's end.
        v = scanNumber(buf, start, e);
        i = numberEnd;
        while (i < e && isBlank(buf[i])) i++;
        if (i < e && buf[i] !== COMMA) throw new Fallback();
        stop = -1;
      }
      if (stop >= 0) {
        while (stop > start && isBlank(buf[stop - 1])) stop--;
        v = start < stop ? plainNumber(buf, start, stop) : NaN;
      }
      if (Number.isNaN(v)) throw new Fallback();
      if (j === label) {
        if (!Number.isInteger(v)) throw new Fallback();
        table.setLabel(v);
      } else {
        if (k >= table.features) throw new Fallback();
        values[row + k++] = v;
      }
      j++;
      if (i >= e) break;
      i++; // the comma
    }
    if (j !== table.columns.length) throw new Fallback();
    table.commit(row);
  }
}

/** CSV text (from `path`, for messages) as a Dataset of shape [features]; non-numeric cells are errors naming line and column. */
export function parseCsv(text: string, path: string, options: CsvOptions = {}): Dataset {
  const bytes = new TextEncoder().encode(text);
  try {
    const table = new CsvTable(path, options, estimateRows(bytes, bytes.length));
    new FastCsvScanner(table).scan(bytes, bytes.length, true);
    return table.finish();
  } catch (err) {
    if (!(err instanceof Fallback)) throw err;
  }
  const table = new CsvTable(path, options);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, CSV_PARSE_OPTIONS) as unknown as typeof records;
  } catch (err) {
    throw new UserError(`${path}: not valid CSV (${(err as Error).message})`);
  }
  for (const { record, info } of records) readRecord(table, record, info.lines);
  return table.finish();
}

/** One record from the general reader. */
export function readRecord(table: CsvTable, record: string[], line: number): void {
  if (table.hasStarted) table.cells(record, line);
  else table.first(record, line);
}

/** A guess of the rows in `totalBytes` from the line lengths at the start of `sample`. */
export function estimateRows(sample: Uint8Array, totalBytes: number): number {
  let lines = 0;
  let at = -1;
  const limit = Math.min(sample.length, 1 << 20);
  while ((at = sample.indexOf(10, at + 1)) >= 0 && at < limit) lines++;
  if (lines === 0) return 1024;
  return Math.ceil((totalBytes / (limit / lines)) * 1.02) + 16;
}
