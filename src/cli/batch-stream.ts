// The batch commands on a file in constant memory: rows read in chunks (CSV, .npy, Parquet, Arrow; data/row-stream.ts),
// each chunk computed and written at once (CSV, JSON lines, .npy, Parquet; io/row-sink.ts). `--shard i/n` does one
// part of the file; the shards' outputs joined in order (`latentkit merge`, or `cat` for CSV and JSON lines) equal
// the unsharded output, byte for byte.
import cliProgress from 'cli-progress';
import { featureCount } from '../data/dataset.js';
import { chunkRowsFor, rowFormat, streamRows } from '../data/row-stream.js';
import type { RowChunk, Shard } from '../data/shard.js';
import type { Scaling } from '../data/scaling.js';
import { withRowSink, type FieldValues, type OutField, type SinkFormat } from '../io/row-sink.js';
import type { AutoencoderModel } from '../models/types.js';
import type { DataFlags } from './common.js';

export interface StreamSource {
  data: string;
  labelColumn?: string;
  header?: boolean;
  scaling?: Scaling;
  shard?: Shard;
}

/** Whether the data flags name a file the batch commands stream (not windows of a series, not a --limit'ed read). */
export function streams(flags: DataFlags): boolean {
  const format = rowFormat(flags.data);
  return format !== undefined && !flags.window && !flags.limit && !(format === 'npy' && flags.labels);
}

/** The source's chunks for a model of `model`'s input, with a rows/s line on a TTY. */
export function modelChunks(model: AutoencoderModel, source: StreamSource, label: string, quiet: boolean): AsyncGenerator<RowChunk> {
  const { data, labelColumn, header, scaling, shard } = source;
  const chunks = streamRows(data, { labelColumn, header, scaling }, chunkRowsFor(featureCount(model.inputShape)), shard);
  return withProgress(chunks, label, quiet);
}

async function* withProgress(chunks: AsyncGenerator<RowChunk>, label: string, quiet: boolean): AsyncGenerator<RowChunk> {
  const started = performance.now();
  let rows = 0;
  let bar: cliProgress.SingleBar | undefined;
  try {
    for await (const chunk of chunks) {
      yield chunk;
      rows += chunk.data.size;
      const seconds = (performance.now() - started) / 1000;
      if (quiet || !process.stderr.isTTY || seconds < 1) continue;
      const payload = { rows: rows.toLocaleString('en'), speed: Math.round(rows / seconds).toLocaleString('en') };
      if (!bar) {
        bar = new cliProgress.SingleBar({ format: `${label}: {rows} rows  {speed} rows/s`, stream: process.stderr, hideCursor: true, clearOnComplete: true });
        bar.start(1, 0, payload);
      } else bar.update(0, payload);
    }
  } finally {
    bar?.stop();
  }
}

/**
 * Streams `chunks` through `compute` into `out`: `fields` says the output's columns (given whether the rows have
 * labels, known from the first chunk), `compute` a chunk's values for them. Returns the rows written.
 */
export async function streamToFile(args: {
  chunks: AsyncGenerator<RowChunk>;
  out: string;
  format: SinkFormat;
  header: boolean;
  fields: (labelled: boolean) => OutField[];
  compute: (chunk: RowChunk) => FieldValues[];
}): Promise<number> {
  const iterator = args.chunks[Symbol.asyncIterator]();
  const first = await iterator.next();
  const labelled = !first.done && first.value.data.labels !== undefined;
  return withRowSink(args.out, args.format, args.fields(labelled), args.header, async (sink) => {
    let rows = 0;
    for (let step = first; !step.done; step = await iterator.next()) {
      await sink.write(args.compute(step.value), step.value.data.size);
      rows += step.value.data.size;
    }
    return rows;
  });
}

/** A label field when the rows have labels. */
export const labelField = (labelled: boolean): OutField[] => (labelled ? [{ name: 'label', type: 'int32' }] : []);
