// Decoding one PNG file of a folder: read as a regular file, checked (dimensions, checksums) before pngjs inflates it.
// Used on the main thread for small folders and by the decoding workers (png-worker.ts) for large ones.
import { PNG } from 'pngjs';
import { checkPng } from './png-check.js';
import { readRegularFile } from '../io/read-file.js';
import { UserError } from '../errors.js';

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, row-major. */
  rgba: Uint8Array;
}

export async function decodePngFile(file: string): Promise<DecodedPng> {
  const bytes = await readRegularFile(file, { maxBytes: 2 ** 28 });
  checkPng(bytes, file);
  try {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  } catch (err) {
    throw new UserError(`${file}: not a readable PNG (${(err as Error).message})`);
  }
}
