// IDX files (the MNIST format), raw or gzipped: magic number, dimensions, then big-endian values.
import { MAX_DATA_BYTES, readRegularFile } from '../io/read-file.js';
import { gunzipSync } from 'node:zlib';
import { UserError, check } from '../errors.js';
import { makeDataset, type Dataset } from './dataset.js';

const GZIP_MAGIC = [0x1f, 0x8b];

/** IDX element types (third magic byte): size in bytes and a reader. */
const TYPES: Record<number, { name: string; bytes: number; read: (v: DataView, at: number) => number }> = {
  0x08: { name: 'ubyte', bytes: 1, read: (v, at) => v.getUint8(at) },
  0x09: { name: 'byte', bytes: 1, read: (v, at) => v.getInt8(at) },
  0x0b: { name: 'short', bytes: 2, read: (v, at) => v.getInt16(at) },
  0x0c: { name: 'int', bytes: 4, read: (v, at) => v.getInt32(at) },
  0x0d: { name: 'float', bytes: 4, read: (v, at) => v.getFloat32(at) },
  0x0e: { name: 'double', bytes: 8, read: (v, at) => v.getFloat64(at) },
};

export interface IdxArray {
  type: number;
  dims: number[];
  values: Uint8Array | Float32Array;
}

async function readBytes(path: string): Promise<Uint8Array> {
  const bytes = await readRegularFile(path, { maxBytes: MAX_DATA_BYTES, followLinks: true });
  const gzipped = bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
  const namedGz = path.endsWith('.gz');
  if (gzipped && !namedGz) throw new UserError(`${path}: file is gzip-compressed but not named .gz; rename it to ${path}.gz or gunzip it`);
  if (!gzipped && namedGz) throw new UserError(`${path}: named .gz but is not gzip-compressed; remove the .gz suffix`);
  if (!gzipped) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_DATA_BYTES });
  } catch (err) {
    throw new UserError(`${path}: corrupt gzip data (${(err as Error).message})`);
  }
}

/** Parses an IDX file; ubyte stays uint8, every other type becomes float32. */
export async function readIdx(path: string): Promise<IdxArray> {
  const bytes = await readBytes(path);
  check(bytes.length >= 4, `${path}: ${bytes.length} bytes is too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const type = TYPES[bytes[2]];
  const rank = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !type || rank === 0) {
    throw new UserError(`${path}: expected an IDX magic number such as 0x00000803 (images) or 0x00000801 (labels), ` +
      `found 0x${magic.toString(16).padStart(8, '0')}`);
  }
  check(bytes.length >= 4 + 4 * rank, `${path}: truncated IDX header`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * rank;
  const expected = start + count * type.bytes;
  check(bytes.length === expected,
    `${path}: header says [${dims}] ${type.name} values (${expected} bytes) but the file has ${bytes.length} bytes`);
  // A view, not a copy: the file's bytes are the images' bytes.
  if (bytes[2] === 0x08) return { type: bytes[2], dims, values: bytes.subarray(start) };
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = type.read(view, start + i * type.bytes);
  return { type: bytes[2], dims, values };
}

/** Loads IDX images ([n, rows, cols] or [n, rows, cols, channels]) and optional IDX labels ([n]) as a Dataset. */
export async function loadIdx(imagesPath: string, labelsPath?: string): Promise<Dataset> {
  const images = await readIdx(imagesPath);
  check(images.dims.length >= 2, `${imagesPath}: expected examples along the first dimension, found shape [${images.dims}]`);
  const [n, ...rest] = images.dims;
  const shape = rest.length === 2 ? [...rest, 1] : rest;
  let labels: Int32Array | undefined;
  if (labelsPath) {
    const l = await readIdx(labelsPath);
    check(l.dims.length === 1, `${labelsPath}: labels must be one-dimensional, found shape [${l.dims}]`);
    check(l.dims[0] === n, `${labelsPath}: ${l.dims[0]} labels but ${imagesPath} holds ${n} images`);
    const values = Array.from(l.values as ArrayLike<number>);
    const bad = values.findIndex((v) => !Number.isInteger(v));
    check(bad < 0, () => `${labelsPath}: label ${bad} is ${values[bad]}; labels must be integers`);
    labels = Int32Array.from(values);
  }
  return makeDataset({ source: imagesPath, values: images.values, shape, size: n, labels });
}
