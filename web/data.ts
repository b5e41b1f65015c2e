// Data for the studio: a sample of the run's data from `latentkit serve`, the MNIST and Fashion-MNIST samples shipped
// with the page, or files the user drops (a CSV of numbers, or PNG images of one size).
import { makeDataset, parseCsv, type Dataset } from '../src/browser.js';

/** Examples in the data's own units (images in [0, 1]) with labels when known. */
export interface Sample {
  source: string;
  shape: number[];
  rows: Float32Array;
  labels?: Int32Array;
}

export const BUNDLED = ['mnist', 'fashion-mnist'] as const;
export type BundledName = (typeof BUNDLED)[number];
export const isBundled = (name: string): name is BundledName => (BUNDLED as readonly string[]).includes(name);

/** A split of a bundled set as a Dataset (uint8 pixels, as Node's loader gives). */
export async function loadBundled(name: BundledName, split: 'train' | 'test'): Promise<Dataset> {
  const index = await (await fetch('data/index.json')).json() as Record<string, { shape: number[]; train: number; test: number }>;
  const { shape } = index[name];
  const n = index[name][split];
  const bytes = new Uint8Array(await (await fetch(`data/${name}-${split}.bin`)).arrayBuffer());
  const d = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== n * (d + 1)) throw new Error(`data/${name}-${split}.bin: ${bytes.length} bytes where ${n * (d + 1)} are expected`);
  return makeDataset({ source: `${name}:${split}`, values: bytes.slice(0, n * d), shape, size: n, labels: Int32Array.from(bytes.subarray(n * d)) });
}

/** A Dataset's rows in the data's own units (uint8 pixels → [0, 1]). */
export function sampleOf(data: Dataset, limit = data.size): Sample {
  const d = data.values.length / data.size;
  const n = Math.min(limit, data.size);
  const rows = Float32Array.from(data.values.subarray(0, n * d), (v) => (data.values instanceof Uint8Array ? v / 255 : v));
  return { source: data.source, shape: data.shape, rows, labels: data.labels?.slice(0, n) };
}

/** The run's data from `latentkit serve` (GET /v1/data), or undefined when the page is not served with it. */
export async function fetchServedSample(limit: number): Promise<Sample | undefined> {
  const response = await fetch(`v1/data?limit=${limit}`).catch(() => undefined);
  if (!response?.ok || !(response.headers.get('content-type') ?? '').includes('json')) return undefined;
  const body = await response.json() as { source: string; shape: number[]; inputs: number[][]; labels?: number[] };
  return { source: body.source, shape: body.shape, rows: Float32Array.from(body.inputs.flat()), labels: body.labels && Int32Array.from(body.labels) };
}

/** Dropped files as a Dataset: one CSV (min–max scaled, last integer column named 'label' as labels), or PNG images. */
export async function datasetFromFiles(files: FileList | File[]): Promise<Dataset> {
  const list = Array.from(files);
  if (list.length === 0) throw new Error('drop a .csv file or .png images first');
  const csv = list.find((f) => f.name.toLowerCase().endsWith('.csv'));
  if (csv) {
    const text = await csv.text();
    const header = text.slice(0, text.indexOf('\n')).split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
    return parseCsv(text, csv.name, { scale: 'minmax', ...(header.includes('label') && { labelColumn: 'label' }) });
  }
  const pngs = list.filter((f) => f.name.toLowerCase().endsWith('.png'));
  if (pngs.length === 0) throw new Error('no .csv or .png among the dropped files');
  const images = await Promise.all(pngs.map((f) => createImageBitmap(f)));
  const { width, height } = images[0];
  const odd = images.findIndex((im) => im.width !== width || im.height !== height);
  if (odd >= 0) throw new Error(`${pngs[odd].name}: ${images[odd].width}×${images[odd].height}, but ${pngs[0].name} is ${width}×${height}; images must share one size`);
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const values = new Uint8Array(images.length * width * height);
  images.forEach((im, i) => {
    ctx.clearRect(0, 0, width, height);
    ctx.drawImage(im, 0, 0);
    const { data } = ctx.getImageData(0, 0, width, height);
    for (let p = 0; p < width * height; p++) values[i * width * height + p] = Math.round((data[4 * p] + data[4 * p + 1] + data[4 * p + 2]) / 3);
  });
  return makeDataset({ source: `${pngs.length} PNG images`, values, shape: [height, width, 1], size: images.length });
}
