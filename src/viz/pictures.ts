// PNG pictures of a model's work: reconstructions beside their inputs, samples from the prior, interpolations.
import { batchTensor, head, type Dataset } from '../data/dataset.js';
import type { AutoencoderModel } from '../models/types.js';
import { decodeCodes, interpolate, reconstructDataset, samplePrior, traverseCodes } from '../tasks/latent.js';
import { gridPng } from './grid.js';

/** The examples' own values in [0, 1], row-major. */
function inputsOf(data: Dataset): Float32Array {
  const x = batchTensor(data, 0, data.size);
  const values = x.dataSync() as Float32Array;
  x.dispose();
  return values;
}

/**
 * A grid in bands: for each group of `columns` examples, one row per source (e.g. inputs, then reconstructions), so
 * that versions of the same example stand above one another.
 */
function bandedGrid(model: AutoencoderModel, sources: Float32Array[], count: number, columns: number): Buffer {
  const d = sources[0].length / count;
  const bands = Math.ceil(count / columns);
  const images = new Float32Array(sources.length * bands * columns * d);
  for (let k = 0; k < count; k++) {
    const band = Math.floor(k / columns);
    const c = k % columns;
    sources.forEach((source, j) => images.set(source.subarray(k * d, (k + 1) * d), ((sources.length * band + j) * columns + c) * d));
  }
  return gridPng({ images, shape: model.inputShape, columns });
}

/** Inputs and their reconstructions on alternating rows, `columns` per row. */
export function reconstructionPng(model: AutoencoderModel, data: Dataset, count = 32, columns = 8): Buffer {
  const part = head(data, count);
  return bandedGrid(model, [inputsOf(part), reconstructDataset(model, part)], part.size, columns);
}

/** Rows of (corrupted inputs, their reconstructions, the clean inputs), `columns` examples per row. */
export function denoisingPng(model: AutoencoderModel, data: Dataset, corrupted: Float32Array, denoised: Float32Array, columns = 8): Buffer {
  return bandedGrid(model, [corrupted, denoised, inputsOf(data)], data.size, columns);
}

/**
 * Samples from the prior: `count` of class `label`, or, for a conditional model given no label, one row of `columns`
 * samples per class.
 */
export function samplesPng(model: AutoencoderModel, count = 64, seed = 1, label?: number, columns = 8, temperature = 1): Buffer {
  if (model.classes && label === undefined) {
    const rows = Array.from({ length: model.classes }, (_, c) => samplePrior(model, columns, { seed: seed + c, label: c, temperature }));
    const images = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
    rows.reduce((offset, r) => (images.set(r, offset), offset + r.length), 0);
    return gridPng({ images, shape: model.inputShape, columns });
  }
  return gridPng({ images: samplePrior(model, count, { seed, label, temperature }), shape: model.inputShape, columns });
}

export function interpolationPng(model: AutoencoderModel, data: Dataset, a: number, b: number, steps: number, path: 'linear' | 'spherical' = 'linear'): Buffer {
  return gridPng({ images: interpolate(model, data, a, b, steps, path), shape: model.inputShape, columns: steps });
}

/** One row per latent dimension, varying it from −range to +range around `base` (the other dimensions fixed). */
export function traversalPng(model: AutoencoderModel, base: Float32Array, dims: number[], range: number, steps: number, label?: number): Buffer {
  return gridPng({ images: decodeCodes(model, traverseCodes(base, dims, range, steps), label), shape: model.inputShape, columns: steps });
}

