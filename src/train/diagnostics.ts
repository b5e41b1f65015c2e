// What the trainer reports about a model after each epoch, from (a sample of) the data: a latent-variable model's
// active units (posterior collapse when none), a discrete-code model's codebook use (dead entries).
import * as tf from '../backend/tfjs.js';
import { batchTensor, type Dataset } from '../data/dataset.js';
import { hasDiscreteCode, isLatentVariable, type AutoencoderModel, type DiscreteCodeModel, type EpochDiagnostics } from '../models/types.js';

const BATCH = 500;

/** Threshold of Burda et al. 2016: dimension d is active when Cov_x(E_q[z_d]) > 0.01. */
export const ACTIVE_UNIT_THRESHOLD = 0.01;

/** The number of active latent dimensions: those whose code (posterior mean) varies across examples. */
export function countActiveUnits(model: AutoencoderModel, data: Dataset): number {
  const k = model.latentDim;
  const sum = new Float64Array(k);
  const sq = new Float64Array(k);
  for (let start = 0; start < data.size; start += BATCH) {
    const x = batchTensor(data, start, Math.min(start + BATCH, data.size), undefined, model.classes);
    const z = model.encode(x);
    const codes = z.dataSync();
    tf.dispose([x, z]);
    for (let i = 0; i < codes.length; i++) {
      sum[i % k] += codes[i];
      sq[i % k] += codes[i] * codes[i];
    }
  }
  let active = 0;
  for (let d = 0; d < k; d++) {
    const mean = sum[d] / data.size;
    if (sq[d] / data.size - mean * mean > ACTIVE_UNIT_THRESHOLD) active++;
  }
  return active;
}

/** Codebook indices of every example, [size, positions] row-major. */
export function codeIndicesOf(model: DiscreteCodeModel, data: Dataset): Int32Array {
  const out = new Int32Array(data.size * model.positions);
  for (let start = 0; start < data.size; start += BATCH) {
    const x = batchTensor(data, start, Math.min(start + BATCH, data.size), undefined, model.classes);
    const indices = model.codeIndices(x);
    out.set(indices.dataSync() as Int32Array, start * model.positions);
    tf.dispose([x, indices]);
  }
  return out;
}

/** What a model fits on its training data once training ends: a discrete-code model's prior over its indices. */
export function finishTraining(model: AutoencoderModel, data: Dataset): void {
  if (hasDiscreteCode(model)) model.fitPrior(codeIndicesOf(model, data));
}

/** The epoch report of `model` on `sample`, or undefined when its kind has nothing to report. */
export function epochDiagnostics(model: AutoencoderModel, sample: Dataset): EpochDiagnostics | undefined {
  if (hasDiscreteCode(model)) return model.epochDiagnostics(codeIndicesOf(model, sample));
  if (!isLatentVariable(model)) return undefined;
  const activeUnits = countActiveUnits(model, sample);
  return {
    metrics: { activeUnits },
    warnings: activeUnits === 0
      ? ['posterior collapse: no latent dimension is active (Cov_x E_q[z_d] ≤ 0.01 for every d); try a KL warm-up, free bits or a smaller β']
      : [],
  };
}
