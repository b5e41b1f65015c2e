// `latentkit merge --out FILE PART…`: joins the outputs of a sharded batch command, in shard order, into the file the
// unsharded command writes: CSV (the first part's header kept, a repeated one dropped) and JSON lines concatenated;
// .npy parts' rows appended under one header; Parquet parts' rows rewritten in the same fixed row groups.
import { Command } from 'commander';
import { createReadStream } from 'node:fs';
import { open as openFile, stat } from 'node:fs/promises';
import { parseNpyHeader, type NpyHeader } from '../data/npy-read.js';
import { parquetBlocks, parquetColumns } from '../data/parquet-read.js';
import { withFileAtomic } from '../io/atomic.js';
import { npyHeader } from '../io/npy.js';
import { NPY_HEADER_BYTES, sinkFormat, withRowSink, type FieldValues, type OutField } from '../io/row-sink.js';
import { check, UserError } from '../errors.js';
import { action, printResult, withCommon, type CommonFlags } from './common.js';

interface MergeFlags extends CommonFlags {
  out: string;
}

async function checkedSize(path: string): Promise<number> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`${path}: cannot read (${err.code ?? String(err)})`);
  });
  if (!info.isFile()) throw new UserError(`${path}: not a regular file`);
  return info.size;
}

/** The first line of a text file (up to 64 KiB), without its newline. */
async function firstLine(path: string): Promise<string> {
  const handle = await openFile(path, 'r');
  try {
    const buf = new Uint8Array(65536);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const end = buf.subarray(0, bytesRead).indexOf(10);
    return new TextDecoder().decode(buf.subarray(0, end < 0 ? bytesRead : end));
  } finally {
    await handle.close();
  }
}

/** CSV and JSON lines: the parts' bytes in order; a CSV part that starts with the first part's header skips it. */
async function mergeText(out: string, parts: string[], csv: boolean): Promise<void> {
  for (const part of parts) await checkedSize(part);
  const header = csv ? await firstLine(parts[0]) : undefined;
  await withFileAtomic(out, async (handle) => {
    for (const [i, part] of parts.entries()) {
      const size = await checkedSize(part);
      const skip = i > 0 && header !== undefined && size > 0 && (await firstLine(part)) === header ? Buffer.byteLength(header) + 1 : 0;
      if (skip >= size) continue;
      for await (const chunk of createReadStream(part, { start: skip })) await handle.write(chunk as Buffer);
    }
  });
}

/** .npy: float32 parts with the same row shape, their rows under one header. */
async function mergeNpy(out: string, parts: string[]): Promise<number> {
  const headers: NpyHeader[] = [];
  for (const part of parts) {
    await checkedSize(part);
    const handle = await openFile(part, 'r');
    const first = new Uint8Array(65536 + 12);
    const { bytesRead } = await handle.read(first, 0, first.length, 0).finally(() => handle.close());
    const header = parseNpyHeader(first.subarray(0, bytesRead), part);
    check(header.descr === '<f4' || header.descr === '<i4', `${part}: dtype ${header.descr}; merge joins latentkit's float32 and int32 .npy outputs`);
    check(header.descr === (headers[0] ?? header).descr, `${part}: dtype ${header.descr} but ${parts[0]} holds ${headers[0]?.descr}`);
    headers.push(header);
  }
  const row = headers[0].shape.slice(1);
  headers.forEach((h, i) => check(h.shape.slice(1).join() === row.join(), `${parts[i]}: rows of shape [${h.shape.slice(1)}] but ${parts[0]} has [${row}]`));
  const rows = headers.reduce((n, h) => n + h.shape[0], 0);
  await withFileAtomic(out, async (handle) => {
    await handle.write(npyHeader([rows, ...row], NPY_HEADER_BYTES, headers[0].descr as '<f4' | '<i4'));
    for (const [i, part] of parts.entries()) {
      for await (const chunk of createReadStream(part, { start: headers[i].offset })) await handle.write(chunk as Buffer);
    }
  });
  return rows;
}

const FIELD_TYPES: Record<string, OutField['type']> = { FLOAT: 'float32', DOUBLE: 'float64', INT32: 'int32' };

/** Parquet: parts with the same columns, their rows rewritten through the same writer as the unsharded output. */
async function mergeParquet(out: string, parts: string[]): Promise<number> {
  const described = [];
  for (const part of parts) described.push({ part, ...(await parquetColumns(part)) });
  // A shard with no rows may lack the label column: it adds nothing, and its columns are not compared.
  const filled = described.filter((d) => d.rows > 0);
  const reference = filled[0] ?? described[0];
  for (const d of filled) {
    check(d.names.join() === reference.names.join() && d.types.join() === reference.types.join(),
      `${d.part}: columns ${d.names.join(',')} differ from ${reference.part}'s ${reference.names.join(',')}`);
  }
  const fields = reference.names.map((name, j): OutField => {
    const type = FIELD_TYPES[reference.types[j]];
    check(type, `${reference.part}: column '${name}' is ${reference.types[j]}; merge joins latentkit's outputs (float, double, int32)`);
    return { name, type };
  });
  let rows = 0;
  await withRowSink(out, 'parquet', fields, true, async (sink) => {
    for (const { part } of filled) {
      for await (const block of parquetBlocks(part)) {
        await sink.write(block.columns as FieldValues[], block.count);
        rows += block.count;
      }
    }
  });
  return rows;
}

async function merge(parts: string[], flags: MergeFlags): Promise<void> {
  const format = sinkFormat(flags.out);
  for (const part of parts) {
    check(sinkFormat(part) === format, `${part}: not a .${format} file like --out ${flags.out}; merge joins parts of one format`);
  }
  let rows: number | undefined;
  if (format === 'npy') rows = await mergeNpy(flags.out, parts);
  else if (format === 'parquet') rows = await mergeParquet(flags.out, parts);
  else await mergeText(flags.out, parts, format === 'csv');
  printResult(flags, { out: flags.out, parts: parts.length, ...(rows !== undefined && { rows }) },
    `joined ${parts.length} parts${rows !== undefined ? ` (${rows} rows)` : ''} into ${flags.out}`);
}

export function mergeCommand(): Command {
  return withCommon(new Command('merge')
    .description('join the outputs of a sharded encode / reconstruct / detect (--shard i/n), in shard order, into one file')
    .argument('<parts...>', 'the shards\' outputs, in order (CSV, JSON lines, .npy or Parquet)')
    .requiredOption('--out <file>', 'file to write, of the parts\' format')
    .action(action(merge)));
}
