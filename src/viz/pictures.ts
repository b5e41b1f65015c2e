// PNG pictures of a model's work, labelled (labelled.ts): reconstructions under their inputs, denoising rows,
// samples from the prior, interpolations between two real examples, traversals and manifolds with their z values.
// Long ones come in pages of at most EXAMPLES_PER_PAGE examples, each a PNG.
import { batchTensor, head, imageDims, subset, type Dataset } from '../data/dataset.js';
import type { AutoencoderModel } from '../models/types.js';
import { decodeCodes, interpolate, manifoldCodes, reconstructDataset, samplePrior, traverseCodes } from '../tasks/latent.js';
import { figurePng, pages, type FigureRow } from './labelled.js';

/** The most examples one page of a banded picture holds (8 columns × 8 bands). */
export const EXAMPLES_PER_PAGE = 64;

/** The examples' own values in [0, 1], row-major. */
function inputsOf(data: Dataset): Float32Array {
  const x = batchTensor(data, 0, data.size);
  const values = x.dataSync() as Float32Array;
  x.dispose();
  return values;
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2)).replace('-', '−');

/**
 * Pages of a grid in bands: for each group of `columns` examples, one labelled row per source (e.g. input, then
 * reconstruction), so that versions of the same example stand above one another; `first` numbers the examples.
 */
function bandedPages(model: AutoencoderModel, title: string, sources: { label: string; values: Float32Array }[], count: number, columns: number, first = 0): Buffer[] {
  const d = sources[0].values.length / count;
  const all = pages(count, EXAMPLES_PER_PAGE);
  return all.map(({ start, end }, p) => {
    const rows: FigureRow[] = [];
    for (let band = start; band < end; band += columns) {
      const last = Math.min(end, band + columns);
      sources.forEach(({ label, values }, j) => rows.push({
        label, images: values.subarray(band * d, last * d),
        ...(j === 0 && { captions: Array.from({ length: last - band }, (_, c) => `#${first + band + c}`) }),
      }));
    }
    const page = all.length > 1 ? ` (page ${p + 1} of ${all.length})` : '';
    return figurePng({ title: `${title}${page}`, shape: imageShape(model), rows });
  });
}

/** The image shape of the model's examples ([D] square as √D × √D × 1). */
const imageShape = (model: AutoencoderModel): number[] => imageDims(model.inputShape) ?? model.inputShape;

/** Inputs above their reconstructions, `columns` per row, in pages. */
export function reconstructionPages(model: AutoencoderModel, data: Dataset, count = 32, columns = 8): Buffer[] {
  const part = head(data, count);
  return bandedPages(model, `Reconstructions of ${part.source}`, [
    { label: 'input', values: inputsOf(part) }, { label: 'reconstruction', values: reconstructDataset(model, part) },
  ], part.size, columns);
}

/** The first page of reconstructionPages. */
export function reconstructionPng(model: AutoencoderModel, data: Dataset, count = 32, columns = 8): Buffer {
  return reconstructionPages(model, data, Math.min(count, EXAMPLES_PER_PAGE), columns)[0];
}

/** Rows of corrupted inputs, their reconstructions and the clean inputs, in pages. */
export function denoisingPages(model: AutoencoderModel, data: Dataset, corrupted: Float32Array, denoised: Float32Array, columns = 8): Buffer[] {
  return bandedPages(model, `Denoising ${data.source}`, [
    { label: 'corrupted', values: corrupted }, { label: 'denoised', values: denoised }, { label: 'clean', values: inputsOf(data) },
  ], data.size, columns);
}

/**
 * Samples from the prior: `count` of class `label` (in pages), or, for a conditional model given no label, one row of
 * `columns` samples per class, labelled with the class.
 */
export function samplesPages(model: AutoencoderModel, count = 64, seed = 1, label?: number, columns = 8, temperature = 1): Buffer[] {
  const shape = imageShape(model);
  const t = temperature === 1 ? '' : `, temperature ${fmt(temperature)}`;
  if (model.classes && label === undefined) {
    const classes = Array.from({ length: model.classes }, (_, c) => c);
    const all = pages(classes.length, Math.floor(EXAMPLES_PER_PAGE / columns) * 2);
    return all.map(({ start, end }, p) => figurePng({
      title: `Samples from the prior, one row per class${t}${all.length > 1 ? ` (page ${p + 1} of ${all.length})` : ''}`, shape,
      rows: classes.slice(start, end).map((c) => ({ label: `class ${c}`, images: samplePrior(model, columns, { seed: seed + c, label: c, temperature }) })),
    }));
  }
  const what = label !== undefined ? ` of class ${label}` : '';
  return gridPages(model, samplePrior(model, count, { seed, label, temperature }), count, `${count} samples from the prior${what}${t}`, columns);
}

/** `count` images in rows of `columns` under a title, in pages. */
export function gridPages(model: AutoencoderModel, images: Float32Array, count: number, title: string, columns = 8): Buffer[] {
  const d = images.length / count;
  const all = pages(count, EXAMPLES_PER_PAGE);
  return all.map(({ start, end }, p) => {
    const rows: FigureRow[] = [];
    for (let r = start; r < end; r += columns) rows.push({ images: images.subarray(r * d, Math.min(end, r + columns) * d) });
    return figurePng({ title: `${title}${all.length > 1 ? ` (page ${p + 1} of ${all.length})` : ''}`, shape: imageShape(model), rows });
  });
}

/** The first page of samplesPages. */
export function samplesPng(model: AutoencoderModel, count = 64, seed = 1, label?: number, columns = 8, temperature = 1): Buffer {
  return samplesPages(model, count, seed, label, columns, temperature)[0];
}

/** Example a's input, the decoded path from its code to example b's, and b's input, with t along the top. */
export function interpolationPng(model: AutoencoderModel, data: Dataset, a: number, b: number, steps: number, path: 'linear' | 'spherical' = 'linear'): Buffer {
  const decoded = interpolate(model, data, a, b, steps, path);
  const ends = inputsOf(subset(data, [a, b]));
  const d = ends.length / 2;
  const images = new Float32Array((steps + 2) * d);
  images.set(ends.subarray(0, d), 0);
  images.set(decoded, d);
  images.set(ends.subarray(d), (steps + 1) * d);
  const ts = Array.from({ length: steps }, (_, s) => `t=${fmt(s / (steps - 1))}`);
  return figurePng({
    title: `${path === 'spherical' ? 'Spherical' : 'Linear'} interpolation from example #${a} to #${b} of ${data.source}`,
    shape: imageShape(model), columnLabels: [`#${a}`, ...ts, `#${b}`], rows: [{ label: 'decoded', images }],
    footer: `ends: the two inputs; between: decoded codes, t = 0 is #${a}'s code, t = 1 is #${b}'s`,
  });
}

/** One row per latent dimension, labelled z_d, varying it from −range to +range around `base` (the others fixed). */
export function traversalPng(model: AutoencoderModel, base: Float32Array, dims: number[], range: number, steps: number, label?: number, around = 'the prior mean'): Buffer {
  const images = decodeCodes(model, traverseCodes(base, dims, range, steps), label);
  const d = images.length / (dims.length * steps);
  return figurePng({
    title: `Traversal around ${around}: one latent dimension per row`, shape: imageShape(model),
    columnLabels: Array.from({ length: steps }, (_, s) => fmt(-range + (2 * range * s) / (steps - 1))),
    rows: dims.map((dim, r) => ({ label: `z${dim}`, images: images.subarray(r * steps * d, (r + 1) * steps * d) })),
    footer: `value of the row's dimension, from −${fmt(range)} to +${fmt(range)}`,
  });
}

/** A 2-D latent space decoded over [−range, range]²: z0 along the top, z1 down the side. */
export function manifoldPng(model: AutoencoderModel, steps: number, range: number, label?: number): Buffer {
  const images = decodeCodes(model, manifoldCodes(steps, range), label);
  const d = images.length / (steps * steps);
  const at = (i: number) => fmt(-range + (2 * range * i) / (steps - 1));
  return figurePng({
    title: `Decoded over [−${fmt(range)}, ${fmt(range)}]²${label !== undefined ? `, class ${label}` : ''}`, shape: imageShape(model), scale: 1,
    columnLabels: Array.from({ length: steps }, (_, c) => (c % 2 === 0 || steps <= 8 ? at(c) : '')),
    rows: Array.from({ length: steps }, (_, r) => ({ label: `z1 = ${at(steps - 1 - r)}`, images: images.subarray(r * steps * d, (r + 1) * steps * d) })),
    footer: 'z0 →',
  });
}
