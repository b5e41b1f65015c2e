// A folder of PNG images of one size (grayscale or RGB); subfolders, when present, name the classes.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { checkPng } from './png-check.js';
import { readRegularFile } from '../io/read-file.js';
import { UserError, check } from '../errors.js';
import { makeDataset, type Dataset } from './dataset.js';

interface Image {
  file: string;
  png: PNG;
  label: number;
}

async function listPngs(dir: string): Promise<{ file: string; label: number }[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new UserError(`${dir}: cannot read folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const classes = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const isPng = (name: string) => name.toLowerCase().endsWith('.png');
  if (classes.length === 0) {
    return entries.filter((e) => e.isFile() && isPng(e.name)).map((e) => e.name).sort().map((name) => ({ file: join(dir, name), label: -1 }));
  }
  const out: { file: string; label: number }[] = [];
  for (const [label, name] of classes.entries()) {
    const files = (await readdir(join(dir, name))).filter(isPng).sort();
    out.push(...files.map((f) => ({ file: join(dir, name, f), label })));
  }
  return out;
}

/** Loads every PNG in `dir` (or in its class subfolders) as uint8 images of shape [height, width, 1 or 3]. */
export async function loadPngFolder(dir: string): Promise<Dataset> {
  const listed = await listPngs(dir);
  check(listed.length > 0, `${dir}: no .png files found`);
  const images: Image[] = [];
  for (const { file, label } of listed) {
    const bytes = await readRegularFile(file, { maxBytes: 2 ** 28 });
    checkPng(bytes, file);
    try {
      images.push({ file, label, png: PNG.sync.read(bytes) });
    } catch (err) {
      throw new UserError(`${file}: not a readable PNG (${(err as Error).message})`);
    }
  }
  const { width, height } = images[0].png;
  const odd = images.find((im) => im.png.width !== width || im.png.height !== height);
  if (odd) throw new UserError(`${odd.file}: ${odd.png.width}×${odd.png.height}, but ${images[0].file} is ${width}×${height}; all images must be one size`);
  // pngjs decodes to RGBA; an image is colour when any pixel's channels differ.
  const isColour = images.some(({ png }) => {
    for (let p = 0; p < png.data.length; p += 4) if (png.data[p] !== png.data[p + 1] || png.data[p] !== png.data[p + 2]) return true;
    return false;
  });
  const channels = isColour ? 3 : 1;
  const d = width * height * channels;
  const values = new Uint8Array(images.length * d);
  images.forEach(({ png }, i) => {
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < channels; c++) values[i * d + p * channels + c] = png.data[p * 4 + c];
    }
  });
  const labelled = images[0].label >= 0;
  return makeDataset({
    source: dir, values, shape: [height, width, channels], size: images.length,
    labels: labelled ? Int32Array.from(images, (im) => im.label) : undefined,
  });
}
