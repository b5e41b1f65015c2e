// The importance-sampled estimate of −log p(x) for VAE kinds (Burda et al. 2016, section 5.1), streamed in chunks.
import * as tf from '../backend/tfjs.js';
import { batchTensor, featureCount, type Dataset } from '../data/dataset.js';
import { check, UserError } from '../errors.js';
import { isConditional, isLatentVariable, type AutoencoderModel } from '../models/types.js';
import { importanceWeights, type GaussianPosteriorModel } from '../objectives/iwae.js';
import { EVAL_SEED, RowNoise } from '../train/rng.js';

export interface ImportanceSamplingOptions {
  /** Importance samples per example (Burda et al. use 5,000). */
  samples: number;
  /** Examples per batch (default 100). */
  batchSize?: number;
  /** Samples per pass through the decoder, bounding memory to chunk × batch rows (default 200). */
  chunk?: number;
  seed?: number;
  /** The rows' noise generators (default: rows 0… of `seed`), for rows that are part of a larger whole. */
  noise?: RowNoise;
  /** Called after each batch with the number of examples done. */
  onProgress?: (done: number) => void;
}

function posteriorModel(model: AutoencoderModel): GaussianPosteriorModel {
  if (isConditional(model)) throw new UserError(`importance-sampled log-likelihoods are not available for conditional models ('${model.kind}')`);
  if (!isLatentVariable(model)) throw new UserError(`importance-sampled log-likelihoods need a VAE kind; this is a '${model.kind}' model`);
  return model;
}

/**
 * −log p̂(x) per example, where log p̂(x) = log((1/K) Σ_k w_k) with K samples from q(z|x): an upper bound on −log p(x)
 * in expectation that tightens as K grows (K = 1 is the ELBO). The K samples stream in chunks whose log-sum-exps are
 * merged, so K can be thousands.
 */
export function importanceSampledNll(model: AutoencoderModel, data: Dataset, options: ImportanceSamplingOptions): Float64Array {
  const vae = posteriorModel(model);
  check(featureCount(data.shape) === featureCount(model.inputShape), `${data.source}: examples do not fit this model`);
  check(Number.isInteger(options.samples) && options.samples > 0, `importance samples must be a positive integer, got ${options.samples}`);
  const batchSize = options.batchSize ?? 100;
  const chunk = options.chunk ?? 200;
  const noise = options.noise ?? RowNoise.of(options.seed ?? EVAL_SEED, 0, data.size);
  const out = new Float64Array(data.size);
  for (let start = 0; start < data.size; start += batchSize) {
    const end = Math.min(start + batchSize, data.size);
    const n = end - start;
    const maxes = new Float64Array(n).fill(-Infinity);
    const sums = new Float64Array(n);
    const x = batchTensor(data, start, end);
    const rng = noise.rows(start, end);
    for (let done = 0; done < options.samples; done += chunk) {
      const k = Math.min(chunk, options.samples - done);
      const logW = tf.tidy(() => importanceWeights(vae, x, k, rng).logWeights);
      const w = logW.dataSync(); // [k, n], row-major
      logW.dispose();
      for (let j = 0; j < k; j++) {
        for (let i = 0; i < n; i++) {
          const v = w[j * n + i];
          if (v > maxes[i]) {
            sums[i] = sums[i] * Math.exp(maxes[i] - v) + 1;
            maxes[i] = v;
          } else {
            sums[i] += Math.exp(v - maxes[i]);
          }
        }
      }
    }
    x.dispose();
    for (let i = 0; i < n; i++) out[start + i] = -(maxes[i] + Math.log(sums[i] / options.samples));
    options.onProgress?.(end);
  }
  return out;
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}
