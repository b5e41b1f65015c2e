// Image grids as PNG: rows of examples (grayscale or RGB, values in [0, 1]) tiled with a one-pixel gap.
import { PNG } from 'pngjs';
import { check } from '../errors.js';
import { imageDims } from '../data/dataset.js';

export interface GridArgs {
  /** Row-major images, `count × height × width × channels`, values in [0, 1] (clipped). */
  images: Float32Array;
  /** [height, width, channels]; channels 1 or 3. A flat shape [D] with D a square is drawn as a D½×D½ image. */
  shape: number[];
  /** Images per row of the grid. */
  columns: number;
  /** Pixels per image pixel (default 2). */
  scale?: number;
}

function imageShape(shape: number[]): [number, number, number] {
  const dims = imageDims(shape);
  check(dims !== undefined, `cannot draw examples of shape [${shape}] as images`);
  return dims;
}

/** Whether examples of this shape can be drawn as pictures. */
export function isDrawable(shape: number[]): boolean {
  try {
    const [, , c] = imageShape(shape);
    return c === 1 || c === 3;
  } catch {
    return false;
  }
}

/** Encodes the images as one PNG grid. */
export function gridPng(args: GridArgs): Buffer {
  const [h, w, c] = imageShape(args.shape);
  check(c === 1 || c === 3, `cannot draw images with ${c} channels; expected 1 or 3`);
  const scale = args.scale ?? 2;
  const count = args.images.length / (h * w * c);
  const columns = Math.min(args.columns, count);
  const rows = Math.ceil(count / columns);
  const gap = 1;
  const png = new PNG({ width: columns * (w * scale + gap) + gap, height: rows * (h * scale + gap) + gap });
  png.data.fill(255);
  for (let k = 0; k < count; k++) {
    const ox = gap + (k % columns) * (w * scale + gap);
    const oy = gap + Math.floor(k / columns) * (h * scale + gap);
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        const src = k * h * w * c + (Math.floor(y / scale) * w + Math.floor(x / scale)) * c;
        const dst = ((oy + y) * png.width + ox + x) * 4;
        for (let ch = 0; ch < 3; ch++) {
          const v = args.images[src + (c === 3 ? ch : 0)];
          png.data[dst + ch] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
        png.data[dst + 3] = 255;
      }
    }
  }
  return PNG.sync.write(png);
}
