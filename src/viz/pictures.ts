// PNG pictures of a model's work: reconstructions beside their inputs, samples from the prior, interpolations.
import { batchTensor, head, type Dataset } from '../data/dataset.js';
import type { AutoencoderModel } from '../models/types.js';
import { decodeCodes, interpolate, reconstructDataset, samplePrior, traverseCodes } from '../tasks/latent.js';
import { gridPng } from './grid.js';

/** Inputs and their reconstructions on alternating rows, `columns` per row. */
export function reconstructionPng(model: AutoencoderModel, data: Dataset, count = 32, columns = 8): Buffer {
  const part = head(data, count);
  const recon = reconstructDataset(model, part);
  const originals = batchTensor(part, 0, part.size);
  const inputs = originals.dataSync() as Float32Array;
  originals.dispose();
  const d = inputs.length / part.size;
  const rows = Math.ceil(part.size / columns);
  const images = new Float32Array(2 * rows * columns * d);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const k = r * columns + c;
      if (k >= part.size) continue;
      images.set(inputs.subarray(k * d, (k + 1) * d), (2 * r * columns + c) * d);
      images.set(recon.subarray(k * d, (k + 1) * d), ((2 * r + 1) * columns + c) * d);
    }
  }
  return gridPng({ images, shape: model.inputShape, columns });
}

/** Rows of (corrupted inputs, their reconstructions, the clean inputs), `columns` examples per row. */
export function denoisingPng(model: AutoencoderModel, data: Dataset, corrupted: Float32Array, denoised: Float32Array, columns = 8): Buffer {
  const clean = batchTensor(data, 0, data.size);
  const inputs = clean.dataSync() as Float32Array;
  clean.dispose();
  const d = inputs.length / data.size;
  const rows = Math.ceil(data.size / columns);
  const images = new Float32Array(3 * rows * columns * d);
  for (let k = 0; k < data.size; k++) {
    const r = Math.floor(k / columns);
    const c = k % columns;
    [corrupted, denoised, inputs].forEach((source, j) => images.set(source.subarray(k * d, (k + 1) * d), ((3 * r + j) * columns + c) * d));
  }
  return gridPng({ images, shape: model.inputShape, columns });
}

/**
 * Samples from the prior: `count` of class `label`, or, for a conditional model given no label, one row of `columns`
 * samples per class.
 */
export function samplesPng(model: AutoencoderModel, count = 64, seed = 1, label?: number, columns = 8, temperature = 1): Buffer {
  if (model.classes && label === undefined) {
    const rows = Array.from({ length: model.classes }, (_, c) => samplePrior(model, columns, seed + c, c, temperature));
    const images = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
    rows.reduce((offset, r) => (images.set(r, offset), offset + r.length), 0);
    return gridPng({ images, shape: model.inputShape, columns });
  }
  return gridPng({ images: samplePrior(model, count, seed, label, temperature), shape: model.inputShape, columns });
}

export function interpolationPng(model: AutoencoderModel, data: Dataset, a: number, b: number, steps: number, path: 'linear' | 'spherical' = 'linear'): Buffer {
  return gridPng({ images: interpolate(model, data, a, b, steps, path), shape: model.inputShape, columns: steps });
}

/** One row per latent dimension, varying it from −range to +range around `base` (the other dimensions fixed). */
export function traversalPng(model: AutoencoderModel, base: Float32Array, dims: number[], range: number, steps: number, label?: number): Buffer {
  return gridPng({ images: decodeCodes(model, traverseCodes(base, dims, range, steps), label), shape: model.inputShape, columns: steps });
}

