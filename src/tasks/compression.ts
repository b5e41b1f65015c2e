// Compression: codes quantized to 8 or 16 bits per dimension in a small binary format tied to one model.
//
// Format (little-endian), version 1:
//   0  'LKZ1' magic            4  uint16 version          6  uint8 bits (8 | 16)     7  uint8 shape rank r
//   8  16-byte model fingerprint (SHA-256 prefix of the decoder's weights)
//  24  uint32 examples n      28  uint16 latentDim k     30  r × uint32 example shape
//  then k × float32 minima, k × float32 maxima, then n × k codes of bits/8 bytes each:
//  q = round((z − min) / (max − min) · (2^bits − 1)), decoded as min + q · (max − min) / (2^bits − 1).
import { createHash } from 'node:crypto';
import { check, UserError } from '../errors.js';
import type { AutoencoderModel } from '../models/types.js';

const MAGIC = 'LKZ1';
const VERSION = 1;

/** A fingerprint of the decoder's weights: a file decodes only with the model that wrote it. */
export function modelFingerprint(model: AutoencoderModel): Uint8Array {
  const hash = createHash('sha256');
  for (const w of model.decoder.getWeights()) hash.update(new Uint8Array((w.dataSync() as Float32Array).buffer.slice(0)));
  return new Uint8Array(hash.digest()).subarray(0, 16);
}

export interface CompressedCodes {
  codes: Float32Array;
  count: number;
  latentDim: number;
  shape: number[];
  bits: 8 | 16;
}

/** Quantizes codes [count, latentDim] per dimension to `bits` and packs them with their header. */
export function packCodes(codes: Float32Array, latentDim: number, shape: number[], bits: 8 | 16, fingerprint: Uint8Array): Uint8Array {
  check(bits === 8 || bits === 16, `bits must be 8 or 16, got ${bits}`);
  const count = codes.length / latentDim;
  const levels = 2 ** bits - 1;
  const min = new Float32Array(latentDim).fill(Infinity);
  const max = new Float32Array(latentDim).fill(-Infinity);
  codes.forEach((z, i) => {
    const d = i % latentDim;
    if (z < min[d]) min[d] = z;
    if (z > max[d]) max[d] = z;
  });
  const headerBytes = 30 + 4 * shape.length + 8 * latentDim;
  const out = new Uint8Array(headerBytes + count * latentDim * (bits / 8));
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint16(4, VERSION, true);
  view.setUint8(6, bits);
  view.setUint8(7, shape.length);
  out.set(fingerprint, 8);
  view.setUint32(24, count, true);
  view.setUint16(28, latentDim, true);
  shape.forEach((s, i) => view.setUint32(30 + 4 * i, s, true));
  const ranges = 30 + 4 * shape.length;
  for (let d = 0; d < latentDim; d++) {
    view.setFloat32(ranges + 4 * d, min[d], true);
    view.setFloat32(ranges + 4 * (latentDim + d), max[d], true);
  }
  codes.forEach((z, i) => {
    const d = i % latentDim;
    const span = max[d] - min[d];
    const q = span > 0 ? Math.round(((z - min[d]) / span) * levels) : 0;
    if (bits === 8) view.setUint8(headerBytes + i, q);
    else view.setUint16(headerBytes + 2 * i, q, true);
  });
  return out;
}

/** Unpacks a file written by packCodes, refusing files of another format, version or model. */
export function unpackCodes(bytes: Uint8Array, fingerprint: Uint8Array, source = 'file'): CompressedCodes {
  if (bytes.length < 30 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw new UserError(`${source}: not a latentkit compressed file (no '${MAGIC}' magic)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== VERSION) throw new UserError(`${source}: compressed format version ${version}, this latentkit reads ${VERSION}`);
  if (!bytes.subarray(8, 24).every((b, i) => b === fingerprint[i])) {
    throw new UserError(`${source}: written by another model (fingerprint differs); decompress it with the run that compressed it`);
  }
  const bits = view.getUint8(6) as 8 | 16;
  const rank = view.getUint8(7);
  const count = view.getUint32(24, true);
  const latentDim = view.getUint16(28, true);
  check(bits === 8 || bits === 16, `${source}: header says ${bits} bits per code; the file is corrupt`);
  check(count > 0 && latentDim > 0, `${source}: header says ${count} codes of ${latentDim} dimensions; the file is corrupt`);
  check(rank >= 1 && rank <= 4 && bytes.length >= 30 + 4 * rank, `${source}: header says an example shape of rank ${rank}; the file is corrupt`);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(30 + 4 * i, true));
  check(shape.every((s) => s > 0), `${source}: header says an example shape [${shape}]; the file is corrupt`);
  const ranges = 30 + 4 * rank;
  const headerBytes = ranges + 8 * latentDim;
  const expected = headerBytes + count * latentDim * (bits / 8);
  if (bytes.length !== expected) throw new UserError(`${source}: ${bytes.length} bytes, but its header describes ${expected}; the file is truncated or corrupt`);
  const minima = Array.from({ length: latentDim }, (_, d) => view.getFloat32(ranges + 4 * d, true));
  const maxima = Array.from({ length: latentDim }, (_, d) => view.getFloat32(ranges + 4 * (latentDim + d), true));
  const bad = minima.findIndex((min, d) => !Number.isFinite(min) || !Number.isFinite(maxima[d]) || min > maxima[d]);
  check(bad < 0, () => `${source}: dimension ${bad}'s range [${minima[bad]}, ${maxima[bad]}] is not a finite interval; the file is corrupt`);
  const levels = 2 ** bits - 1;
  const codes = new Float32Array(count * latentDim);
  for (let i = 0; i < codes.length; i++) {
    const d = i % latentDim;
    const min = minima[d];
    const max = maxima[d];
    const q = bits === 8 ? view.getUint8(headerBytes + i) : view.getUint16(headerBytes + 2 * i, true);
    codes[i] = min + (q * (max - min)) / levels;
  }
  return { codes, count, latentDim, shape, bits };
}

/** Peak signal-to-noise ratio in dB of a reconstruction of values in [0, 1]: 10·log10(1 / MSE). */
export function psnr(original: ArrayLike<number>, reconstruction: ArrayLike<number>): number {
  let sq = 0;
  for (let i = 0; i < original.length; i++) sq += (original[i] - reconstruction[i]) ** 2;
  return 10 * Math.log10(1 / (sq / original.length));
}
