// `latentkit encode` on a CSV or .npy file: rows read in chunks (data/csv-stream.ts, data/npy-read.ts), encoded, and
// written as they come, so memory stays constant whatever the file's size; `--shard i/n` encodes one part of the file
// (a byte range cut at line starts for CSV, an equal split of the rows for .npy), and the shards' CSV or JSON-lines
// outputs concatenated in order equal the unsharded output.
import { withFileAtomic } from '../io/atomic.js';
import { npyHeader } from '../io/npy.js';
import { streamCsv, type Shard } from '../data/csv-stream.js';
import { streamNpy } from '../data/npy-read.js';
import { encodeDataset } from '../tasks/latent.js';
import type { AutoencoderModel } from '../models/types.js';
import type { RunManifest } from '../io/run-manifest.js';
import { check } from '../errors.js';

/** Room for the largest shape an .npy header here will hold, so it can be rewritten in place at the end. */
const NPY_HEADER_BYTES = 128;

export interface StreamEncodeArgs {
  model: AutoencoderModel;
  manifest: RunManifest;
  data: string;
  labelColumn?: string;
  header?: boolean;
  out: string;
  format: 'csv' | 'jsonl' | 'npy';
  shard?: Shard;
}

/** Encodes the CSV in chunks into `out`; returns the rows written. */
export async function encodeCsvStream(args: StreamEncodeArgs): Promise<number> {
  const { model, format, shard } = args;
  check(!(shard && format === 'npy'), '--shard writes csv or jsonl (their shards concatenate); use --format csv or jsonl');
  const k = model.latentDim;
  let rows = 0;
  await withFileAtomic(args.out, async (handle) => {
    const write = (text: string) => handle.write(text);
    if (format === 'npy') await handle.write(new Uint8Array(NPY_HEADER_BYTES));
    let wroteHeader = false;
    const scaling = args.manifest.scaling;
    const chunks = args.data.toLowerCase().endsWith('.npy')
      ? streamNpy(args.data, scaling, 16_384, shard)
      : streamCsv(args.data, { labelColumn: args.labelColumn, header: args.header, scaling }, 16_384, shard);
    for await (const { data } of chunks) {
      const codes = encodeDataset(model, data);
      const labels = data.labels;
      if (format === 'npy') {
        await handle.write(new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength));
      } else {
        const lines: string[] = [];
        if (format === 'csv' && !wroteHeader && (!shard || shard.index === 0)) {
          lines.push([...Array.from({ length: k }, (_, j) => `z${j}`), ...(labels ? ['label'] : [])].join(','));
        }
        wroteHeader = true;
        for (let i = 0; i < data.size; i++) {
          const code = Array.from(codes.subarray(i * k, (i + 1) * k));
          lines.push(format === 'csv'
            ? [...code.map(String), ...(labels ? [String(labels[i])] : [])].join(',')
            : JSON.stringify({ code, ...(labels && { label: labels[i] }) }));
        }
        await write(lines.join('\n') + '\n');
      }
      rows += data.size;
    }
    if (format === 'npy') await handle.write(npyHeader([rows, k], NPY_HEADER_BYTES), 0, NPY_HEADER_BYTES, 0);
  });
  return rows;
}
