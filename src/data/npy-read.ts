// NumPy .npy files (versions 1–3) as data: little-endian float32, float64, int32, int64 or uint8 arrays in C order,
// the first axis the examples. uint8 arrays are image intensities (as IDX); the others are real values scaled like CSV
// columns. Read whole, or in chunks of rows (for the streaming batch commands and their shards).
import { open, stat } from 'node:fs/promises';
import { UserError, check } from '../errors.js';
import { makeDataset, type Dataset } from './dataset.js';
import { applyScaling, fitScaling, type Scaling, type ScalingKind } from './scaling.js';
import { shardRange, type RowChunk, type Shard } from './shard.js';

const DTYPES: Record<string, { bytes: number; read: (v: DataView, at: number) => number }> = {
  '<f4': { bytes: 4, read: (v, at) => v.getFloat32(at, true) },
  '<f8': { bytes: 8, read: (v, at) => v.getFloat64(at, true) },
  '<i4': { bytes: 4, read: (v, at) => v.getInt32(at, true) },
  '<i8': { bytes: 8, read: (v, at) => Number(v.getBigInt64(at, true)) },
  '|u1': { bytes: 1, read: (v, at) => v.getUint8(at) },
};

export interface NpyHeader {
  descr: string;
  shape: number[];
  /** Where the data starts. */
  offset: number;
}

/** Parses the header at the start of `bytes` (at least its first 64 KiB), checking magic, version, dtype and order. */
export function parseNpyHeader(bytes: Uint8Array, path: string): NpyHeader {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  check(bytes.length >= 10 && magic.every((b, i) => bytes[i] === b), `${path}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6];
  check(major >= 1 && major <= 3, `${path}: .npy version ${major} is not one latentkit reads (1–3)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  check(start + length <= bytes.length && length <= 65536, `${path}: truncated .npy header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + length));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  check(descr !== undefined && fortran !== undefined && shapeText !== undefined, `${path}: .npy header without descr, fortran_order and shape`);
  check(DTYPES[descr] !== undefined, `${path}: dtype '${descr}' is not one latentkit reads (${Object.keys(DTYPES).join(', ')})`);
  check(fortran === 'False', `${path}: Fortran-order arrays are not read; save it with numpy.ascontiguousarray`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  check(shape.length >= 1 && shape.every((n) => Number.isInteger(n) && n >= 0), `${path}: bad shape (${shapeText})`);
  return { descr, shape, offset: start + length };
}

/** The examples' shape (a 1-D array holds one value per example). */
const exampleShape = (shape: number[]): number[] => (shape.length === 1 ? [1] : shape.slice(1));

async function openNpy(path: string) {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`${path}: cannot read (${err.code ?? String(err)})`);
  });
  if (!info.isFile()) throw new UserError(`${path}: not a regular file`);
  const handle = await open(path, 'r');
  const first = new Uint8Array(Math.min(info.size, 65536 + 12));
  await handle.read(first, 0, first.length, 0);
  const header = parseNpyHeader(first, path);
  const dtype = DTYPES[header.descr];
  const d = exampleShape(header.shape).reduce((a, b) => a * b, 1);
  const n = header.shape[0];
  const expected = header.offset + n * d * dtype.bytes;
  if (info.size !== expected) {
    await handle.close();
    throw new UserError(`${path}: header says [${header.shape}] ${header.descr} (${expected} bytes) but the file has ${info.size}`);
  }
  return { handle, header, dtype, d, n };
}

/** Rows [from, to) as uint8 (for '|u1') or float32 values. */
async function readRows(npy: Awaited<ReturnType<typeof openNpy>>, from: number, to: number): Promise<Uint8Array | Float32Array> {
  const { handle, header, dtype, d } = npy;
  const bytes = new Uint8Array((to - from) * d * dtype.bytes);
  await handle.read(bytes, 0, bytes.length, header.offset + from * d * dtype.bytes);
  if (header.descr === '|u1') return bytes;
  if (header.descr === '<f4') return new Float32Array(bytes.buffer);
  const view = new DataView(bytes.buffer);
  return Float32Array.from({ length: (to - from) * d }, (_, i) => dtype.read(view, i * dtype.bytes));
}

/** Integer class labels from a 1-D .npy file of `n` entries. */
async function readLabels(path: string, n: number): Promise<Int32Array> {
  const npy = await openNpy(path);
  try {
    check(npy.header.shape.length === 1, `${path}: labels must be one-dimensional, found shape [${npy.header.shape}]`);
    check(npy.n === n, `${path}: ${npy.n} labels for ${n} examples`);
    const values = await readRows(npy, 0, n);
    const bad = Array.from(values).findIndex((v) => !Number.isInteger(v));
    check(bad < 0, () => `${path}: label ${bad} is ${values[bad]}; labels must be integers`);
    return Int32Array.from(values);
  } finally {
    await npy.handle.close();
  }
}

/** Loads a .npy array as a Dataset: uint8 as images, other dtypes as real values scaled by `scaling` or a fitted `scale`. */
export async function loadNpy(path: string, options: { labels?: string; scale?: ScalingKind; scaling?: Scaling } = {}): Promise<Dataset> {
  const npy = await openNpy(path);
  try {
    const values = await readRows(npy, 0, npy.n);
    const labels = options.labels ? await readLabels(options.labels, npy.n) : undefined;
    const shape = exampleShape(npy.header.shape);
    if (values instanceof Uint8Array) return makeDataset({ source: path, values, shape, size: npy.n, labels });
    if (options.scaling) check(options.scaling.offset.length === npy.d, `${path}: ${npy.d} features but the model was trained on ${options.scaling.offset.length}`);
    const scaling = options.scaling ?? fitScaling(options.scale ?? 'minmax', values, npy.d);
    applyScaling(scaling, values);
    return makeDataset({ source: path, values, shape, size: npy.n, labels, scaling });
  } finally {
    await npy.handle.close();
  }
}

/** The rows of a .npy file (or of one shard: an equal split of the rows) in chunks, scaled with `scaling`. */
export async function* streamNpy(path: string, scaling: Scaling | undefined, chunkRows = 16_384, shard?: Shard): AsyncGenerator<RowChunk> {
  const npy = await openNpy(path);
  try {
    const [from, to] = shardRange(npy.n, shard);
    const shape = exampleShape(npy.header.shape);
    for (let start = from; start < to; start += chunkRows) {
      const end = Math.min(to, start + chunkRows);
      const values = await readRows(npy, start, end);
      if (values instanceof Float32Array && scaling) applyScaling(scaling, values);
      yield { data: makeDataset({ source: path, values, shape, size: end - start, ...(scaling && values instanceof Float32Array && { scaling }) }), firstRow: start };
    }
  } finally {
    await npy.handle.close();
  }
}
