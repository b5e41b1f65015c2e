// Input complexity (Serrà et al., ICLR 2020, "Input complexity and out-of-distribution detection with likelihood-based
// generative models"): L(x), the length in bits of an image under a generic lossless compressor — the PNG of the
// image at 8 bits per channel, rows unfiltered, its data deflated at level 9 (fflate, so it runs in a browser too) —
// so that S(x) = −log₂ p(x) − L(x) scores how much less likely an image is than its complexity alone makes it.
import { zlibSync } from 'fflate';

/** PNG's bytes around the compressed data: signature 8, IHDR 25, the IDAT chunk's length, type and CRC 12, IEND 12. */
export const PNG_OVERHEAD_BYTES = 57;

/** The image's rows as PNG stores them unfiltered: a 0 (no filter) before each row of 8-bit samples. */
export function pngRows(values: ArrayLike<number>, h: number, w: number, c: number): Uint8Array {
  const row = w * c;
  const out = new Uint8Array(h * (row + 1));
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < row; i++) out[y * (row + 1) + 1 + i] = Math.round(255 * Math.min(1, Math.max(0, values[y * row + i])));
  }
  return out;
}

/** Bits of the PNG of one image (row-major h × w × c, values in [0, 1]; c is 1 or 3). */
export function pngBits(values: ArrayLike<number>, h: number, w: number, c: number): number {
  return 8 * (PNG_OVERHEAD_BYTES + zlibSync(pngRows(values, h, w, c), { level: 9 }).length);
}
