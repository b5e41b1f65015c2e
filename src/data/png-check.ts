// Checks a PNG file before decoding it: a size limit in pixels read from its header, and a full inflate of its image
// data (zlib verifies the Adler-32 checksum) of exactly the length the header implies, so a corrupt or truncated
// stream is an error instead of a blank image, and a decompression bomb stops at the expected size.
import { inflateSync } from 'node:zlib';
import { UserError } from '../errors.js';

/** The most pixels one image may have; LATENTKIT_MAX_PIXELS changes it. */
export function maxPixels(): number {
  const set = Number(process.env.LATENTKIT_MAX_PIXELS);
  return Number.isInteger(set) && set > 0 ? set : 4096 * 4096;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Samples per pixel for each PNG colour type (grey, RGB, palette, grey + alpha, RGBA). */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Throws a UserError naming `file` unless `bytes` is a PNG of at most maxPixels() pixels with intact image data. */
export function checkPng(bytes: Buffer, file: string): void {
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(SIGNATURE) || bytes.toString('latin1', 12, 16) !== 'IHDR') {
    throw new UserError(`${file}: not a PNG file (no PNG signature and header)`);
  }
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const [depth, colour, , , interlace] = bytes.subarray(24, 29);
  if (width === 0 || height === 0 || width * height > maxPixels()) {
    throw new UserError(`${file}: ${width}×${height} pixels; latentkit reads images of 1 to ${maxPixels()} pixels (LATENTKIT_MAX_PIXELS)`);
  }
  const samples = SAMPLES[colour];
  if (!samples || ![1, 2, 4, 8, 16].includes(depth)) throw new UserError(`${file}: unsupported PNG colour type ${colour} at depth ${depth}`);
  const rowBytes = Math.ceil((width * samples * depth) / 8);
  // Interlaced images add filter bytes per pass row; their size is bounded, not fixed.
  const expected = height * (1 + rowBytes);
  const limit = interlace ? expected + 7 * height + 64 : expected;
  const parts: Buffer[] = [];
  for (let at = 8; at + 8 <= bytes.length;) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (at + 12 + length > bytes.length) throw new UserError(`${file}: truncated PNG (chunk '${type}' runs past the end)`);
    if (type === 'IDAT') parts.push(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  let inflated: Buffer;
  try {
    inflated = inflateSync(Buffer.concat(parts), { maxOutputLength: limit });
  } catch (err) {
    throw new UserError(`${file}: corrupt PNG image data (${(err as Error).message})`);
  }
  if (interlace ? inflated.length < expected : inflated.length !== expected) {
    throw new UserError(`${file}: PNG image data holds ${inflated.length} bytes, its header implies ${expected}; the file is corrupt`);
  }
}
