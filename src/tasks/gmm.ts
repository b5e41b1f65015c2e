// An ex-post density on the codes: a Gaussian mixture with diagonal covariances fitted by EM, to sample codes that
// look like the training codes (Ghosh et al. 2020, "From Variational to Deterministic Autoencoders").
import { check } from '../errors.js';
import { Rng } from '../train/rng.js';

export interface GaussianMixture {
  weights: Float64Array;
  /** [components, dim] */
  means: Float64Array;
  /** [components, dim] */
  variances: Float64Array;
  dim: number;
  logLikelihood: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Fits a k-component diagonal GMM to rows [n, dim] by EM from seeded initial means (k distinct rows). */
export function fitGmm(rows: Float32Array, dim: number, k: number, seed = 1, maxIterations = 200): GaussianMixture {
  const n = rows.length / dim;
  check(Number.isInteger(k) && k >= 1 && k <= n, `a mixture of ${k} components needs at least ${k} codes, found ${n}`);
  const rng = new Rng(seed);
  const means = new Float64Array(k * dim);
  const chosen = new Set<number>();
  while (chosen.size < k) chosen.add(Math.floor(rng.next() * n));
  [...chosen].forEach((row, c) => means.set(rows.subarray(row * dim, (row + 1) * dim), c * dim));
  const variances = new Float64Array(k * dim);
  for (let d = 0; d < dim; d++) {
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      sum += rows[i * dim + d];
      sq += rows[i * dim + d] ** 2;
    }
    const v = Math.max(sq / n - (sum / n) ** 2, 1e-6);
    for (let c = 0; c < k; c++) variances[c * dim + d] = v;
  }
  const weights = new Float64Array(k).fill(1 / k);
  const resp = new Float64Array(n * k);
  let previous = -Infinity;
  let logLikelihood = -Infinity;
  for (let it = 0; it < maxIterations; it++) {
    // E-step: responsibilities from log π_c + Σ_d log N(x_d; μ_cd, σ²_cd), normalised by log-sum-exp.
    logLikelihood = 0;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let lp = Math.log(weights[c]);
        for (let d = 0; d < dim; d++) {
          const v = variances[c * dim + d];
          lp -= 0.5 * ((rows[i * dim + d] - means[c * dim + d]) ** 2 / v + Math.log(v) + LOG_2PI);
        }
        resp[i * k + c] = lp;
        if (lp > max) max = lp;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(resp[i * k + c] - max);
      const lse = max + Math.log(sum);
      logLikelihood += lse;
      for (let c = 0; c < k; c++) resp[i * k + c] = Math.exp(resp[i * k + c] - lse);
    }
    // M-step: weights, means and variances from the responsibilities (variances floored at 1e-6).
    for (let c = 0; c < k; c++) {
      let nc = 0;
      for (let i = 0; i < n; i++) nc += resp[i * k + c];
      weights[c] = Math.max(nc / n, 1e-12);
      for (let d = 0; d < dim; d++) {
        let m = 0;
        for (let i = 0; i < n; i++) m += resp[i * k + c] * rows[i * dim + d];
        m /= Math.max(nc, 1e-12);
        let v = 0;
        for (let i = 0; i < n; i++) v += resp[i * k + c] * (rows[i * dim + d] - m) ** 2;
        means[c * dim + d] = m;
        variances[c * dim + d] = v / Math.max(nc, 1e-12) + 1e-6;
      }
    }
    if (Math.abs(logLikelihood - previous) <= 1e-7 * Math.abs(logLikelihood)) break;
    previous = logLikelihood;
  }
  return { weights, means, variances, dim, logLikelihood: logLikelihood / n };
}

/** `count` codes drawn from the mixture, row-major [count, dim]. */
export function sampleGmm(gmm: GaussianMixture, count: number, seed = 1): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(count * gmm.dim);
  for (let s = 0; s < count; s++) {
    let u = rng.next();
    let c = 0;
    while (c < gmm.weights.length - 1 && u > gmm.weights[c]) u -= gmm.weights[c++];
    for (let d = 0; d < gmm.dim; d++) out[s * gmm.dim + d] = gmm.means[c * gmm.dim + d] + Math.sqrt(gmm.variances[c * gmm.dim + d]) * rng.normal();
  }
  return out;
}
