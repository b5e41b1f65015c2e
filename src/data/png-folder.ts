// A folder of PNG images of one size (grayscale or RGB); subfolders, when present, name the classes.
import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { UserError, check } from '../errors.js';
import { makeDataset, type Dataset } from './dataset.js';
import { decodePngFile, type DecodedPng } from './png-decode.js';

interface Image {
  file: string;
  png: DecodedPng;
  label: number;
}

/**
 * Folders with less PNG data decode on the main thread. Measured on a 2-core EPYC: 4,000 MNIST-sized files (1.2 MB)
 * took 1.4 s on one thread and 1.9 s on two workers (file reads, not inflating, dominate); 600 files of 256 × 256
 * RGB (≈ 100 MB) took 3.7 s and 2.4–2.8 s.
 */
const PARALLEL_FROM_BYTES = 16 * 2 ** 20;

/** The decoding worker's module, beside this one: compiled JavaScript in dist/, or the TypeScript source under tsx. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER = new URL(FROM_SOURCE ? './png-worker.ts' : './png-worker.js', import.meta.url);

/** A decoding worker; from the sources (tests), one that registers tsx's loader before importing the TypeScript. */
function startWorker(): Worker {
  // Node flags carry over, except --input-type, which only applies to code given on the command line.
  if (!FROM_SOURCE) return new Worker(WORKER, { execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')) });
  const code = `(async () => { (await import('tsx/esm/api')).register(); await import(${JSON.stringify(WORKER.href)}); })();`;
  return new Worker(code, { eval: true });
}

/**
 * Decodes `files` in order, across up to `threads` workers when they hold at least `parallelFromBytes`; the first
 * failing file in folder order is the error, as a sequential read would report.
 */
export async function decodePngs(files: string[], threads = Math.min(4, availableParallelism()), parallelFromBytes = PARALLEL_FROM_BYTES): Promise<DecodedPng[]> {
  const bytes = threads < 2 ? 0 : files.reduce((sum, f) => sum + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0);
  if (threads < 2 || files.length < 2 * threads || bytes < parallelFromBytes) {
    const out: DecodedPng[] = [];
    for (const file of files) out.push(await decodePngFile(file));
    return out;
  }
  const results: (DecodedPng | { error: string })[] = new Array(files.length);
  const share = Math.ceil(files.length / threads);
  await Promise.all(Array.from({ length: threads }, (_, t) => {
    const first = t * share;
    const mine = files.slice(first, first + share);
    if (mine.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const worker = startWorker();
      let done = 0;
      worker.on('message', (batch: (DecodedPng | { error: string })[]) => {
        for (const r of batch) results[first + done++] = r;
        if (done === mine.length) void worker.terminate().then(() => resolve());
      });
      worker.on('error', reject);
      worker.postMessage(mine);
    });
  }));
  return results.map((r) => {
    if ('error' in r) throw new UserError(r.error);
    return r;
  });
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
  const decoded = await decodePngs(listed.map((l) => l.file));
  const images: Image[] = listed.map((l, i) => ({ ...l, png: decoded[i] }));
  const { width, height } = images[0].png;
  const odd = images.find((im) => im.png.width !== width || im.png.height !== height);
  if (odd) throw new UserError(`${odd.file}: ${odd.png.width}×${odd.png.height}, but ${images[0].file} is ${width}×${height}; all images must be one size`);
  // pngjs decodes to RGBA; an image is colour when any pixel's channels differ.
  const isColour = images.some(({ png }) => {
    for (let p = 0; p < png.rgba.length; p += 4) if (png.rgba[p] !== png.rgba[p + 1] || png.rgba[p] !== png.rgba[p + 2]) return true;
    return false;
  });
  const channels = isColour ? 3 : 1;
  const d = width * height * channels;
  const values = new Uint8Array(images.length * d);
  images.forEach(({ png }, i) => {
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < channels; c++) values[i * d + p * channels + c] = png.rgba[p * 4 + c];
    }
  });
  const labelled = images[0].label >= 0;
  return makeDataset({
    source: dir, values, shape: [height, width, channels], size: images.length,
    labels: labelled ? Int32Array.from(images, (im) => im.label) : undefined,
  });
}
