// The structural and complexity scores: SSIM against hand-computed values, the compressed length as a real PNG that an
// independent decoder reads back, and the scores' refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { zlibSync } from 'fflate';
import { ssim, ssimDissimilarity } from '../src/tasks/ssim.js';
import { PNG_OVERHEAD_BYTES, pngBits, pngRows } from '../src/tasks/complexity.js';
import { AnomalyDetector, anomalyScores } from '../src/tasks/anomaly.js';
import { fitNap, inverseSpd, napScores, pathwayDifferences } from '../src/tasks/rapp.js';
import * as tf from '../src/backend/tfjs.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { head, makeDataset } from '../src/data/dataset.js';
import { knnDistances } from '../src/tasks/knn-score.js';
import { Rng } from '../src/train/rng.js';
import { assertClose } from './helpers.js';

const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;

test('SSIM: 1 for identical images; constant images; two single bright pixels in opposite corners (3×3 uniform window)', () => {
  const rng = new Rng(3);
  const img = Float32Array.from({ length: 12 * 12 }, () => rng.next());
  assertClose([ssim(img, img, 12, 12, 1)], [1], 1e-12, 1e-12, 'identical');
  // Constant 0.2 against constant 0.6: no variance, no covariance: (2·0.12 + C1)/(0.04 + 0.36 + C1).
  assertClose([ssim(new Float32Array(64).fill(0.2), new Float32Array(64).fill(0.6), 8, 8, 1)], [(0.24 + C1) / (0.4 + C1)], 1e-6, 1e-7, 'constants');
  // μ = 1/9 each, σ² = 1/9 − 1/81 = 8/81 each, cov = 0 − 1/81: ((2/81 + C1)(−2/81 + C2)) / ((2/81 + C1)(16/81 + C2)).
  const a = [1, 0, 0, 0, 0, 0, 0, 0, 0];
  const b = [0, 0, 0, 0, 0, 0, 0, 0, 1];
  assertClose([ssim(a, b, 3, 3, 1, { window: 3, sigma: 0 })], [(-2 / 81 + C2) / (16 / 81 + C2)], 1e-9, 1e-9, 'corners');
  // Channels are scored apart and averaged: an RGB image against itself with one channel replaced.
  const rgb = Float32Array.from({ length: 3 * 3 * 3 }, (_, i) => (i % 3 === 0 ? a[Math.floor(i / 3)] : 0.5));
  const other = Float32Array.from(rgb, (v, i) => (i % 3 === 0 ? b[Math.floor(i / 3)] : v));
  assertClose([ssim(rgb, other, 3, 3, 3, { window: 3, sigma: 0 })], [((-2 / 81 + C2) / (16 / 81 + C2) + 2) / 3], 1e-9, 1e-9, 'RGB');
});

/** The images of test/fixtures/ssim-reference.py, row-major h × w × c. */
function formulaImages(h: number, w: number, c: number, phase: number): { a: Float64Array; b: Float64Array } {
  const a = new Float64Array(h * w * c);
  const b = new Float64Array(h * w * c);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      for (let k = 0; k < c; k++) {
        const at = (i * w + j) * c + k;
        a[at] = (Math.sin(0.7 * i + phase * (k + 1)) * Math.cos(0.3 * j - phase) + 1) / 2;
        b[at] = Math.min(1, Math.max(0, a[at] + 0.15 * Math.sin(1.3 * i + 0.4 * j + k)));
      }
    }
  }
  return { a, b };
}

test('SSIM equals scikit-image 0.19.3 structural_similarity (Gaussian σ 1.5, population covariance, data range 1)', () => {
  // Printed by test/fixtures/ssim-reference.py.
  const REFERENCE: [number, number, number, number][] = [
    [16, 20, 1, 0.8817236544290208],
    [28, 28, 1, 0.872807540991415],
    [13, 17, 3, 0.8543303916970363],
  ];
  for (const [h, w, c, expected] of REFERENCE) {
    const { a, b } = formulaImages(h, w, c, 0.5);
    assertClose([ssim(a, b, h, w, c)], [expected], 1e-9, 1e-9, `${h}×${w}×${c}`);
  }
});

test('SSIM per pixel: 1 − SSIM of the window centred at each pixel, the nearest fitting window at the borders', () => {
  // 3×3 images with one bright pixel in opposite corners: one window position, whose SSIM is computed by hand above;
  // every pixel takes it.
  const a = [1, 0, 0, 0, 0, 0, 0, 0, 0];
  const b = [0, 0, 0, 0, 0, 0, 0, 0, 1];
  const value = 1 - (-2 / 81 + C2) / (16 / 81 + C2);
  assertClose(ssimDissimilarity(a, b, 3, 3, 1, { window: 3, sigma: 0 }), new Array(9).fill(value), 1e-6, 1e-7, 'corners');
  // On the 28 × 28 formula images the interior (where the 11 × 11 window fits) averages to 1 − scikit-image's SSIM.
  const { a: x, b: y } = formulaImages(28, 28, 1, 0.5);
  const map = ssimDissimilarity(x, y, 28, 28, 1);
  let sum = 0;
  for (let r = 5; r < 23; r++) for (let c = 5; c < 23; c++) sum += map[r * 28 + c];
  assertClose([sum / 18 ** 2], [1 - 0.872807540991415], 1e-6, 1e-7, 'interior mean');
  assert.equal(map[0], map[5 * 28 + 5], 'a corner pixel takes the nearest fitting window');
});

/** A PNG file around compressed rows: signature, IHDR, one IDAT, IEND, each chunk with its CRC. */
function pngFile(idat: Uint8Array, w: number, h: number, colorType: number): Buffer {
  const chunk = (type: string, data: Uint8Array) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), Buffer.from(data)]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, colorType, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}

test('the compressed length is a real PNG\'s: pngjs decodes the same pixels, node\'s zlib inflates the same rows', () => {
  const rng = new Rng(5);
  const w = 9;
  const h = 7;
  const img = Float32Array.from({ length: w * h }, (_, i) => (i % 4 === 0 ? rng.next() : 0));
  const rows = pngRows(img, h, w, 1);
  const idat = zlibSync(rows, { level: 9 });
  assert.deepEqual(new Uint8Array(inflateSync(idat)), rows);
  const file = pngFile(idat, w, h, 0);
  assert.equal(file.length, PNG_OVERHEAD_BYTES + idat.length);
  assert.equal(pngBits(img, h, w, 1), 8 * file.length);
  const decoded = PNG.sync.read(file);
  for (let i = 0; i < w * h; i++) assert.equal(decoded.data[i * 4], Math.round(255 * img[i]), `pixel ${i}`);
  // A flat image compresses far better than noise.
  assert.ok(pngBits(new Float32Array(28 * 28), 28, 28, 1) < pngBits(Float32Array.from({ length: 28 * 28 }, () => rng.next()), 28, 28, 1) / 4);
});

test('complexity is −ELBO in bits less the PNG bits; it needs a VAE, and ssim needs images', () => {
  const rng = new Rng(7);
  const data = makeDataset({ source: 'toy', values: Uint8Array.from({ length: 6 * 16 }, () => Math.floor(256 * rng.next())), shape: [4, 4, 1], size: 6 });
  const vae = createModel(defaultConfig('vae', [4, 4, 1], { latentDim: 2, hiddenUnits: [8] }));
  const elbo = anomalyScores(vae, data, 'elbo');
  const complexity = anomalyScores(vae, data, 'complexity');
  for (let i = 0; i < 6; i++) {
    const x = Float32Array.from(data.values.subarray(i * 16, (i + 1) * 16), (v) => v / 255);
    assertClose([complexity[i]], [elbo[i] / Math.LN2 - pngBits(x, 4, 4, 1)], 1e-9, 1e-9, `example ${i}`);
  }
  const ae = createModel(defaultConfig('ae', [4, 4, 1], { latentDim: 2 }));
  assert.throws(() => anomalyScores(ae, data, 'complexity'), /score 'complexity' .* needs a VAE kind; this is a 'ae' model/);
  const table = makeDataset({ source: 'rows', values: new Float32Array(2 * 5), shape: [5], size: 2 });
  assert.throws(() => anomalyScores(createModel(defaultConfig('ae', [5], { latentDim: 2 })), table, 'ssim'), /score 'ssim' compares images; examples of shape \[5\] are not images/);
});

test('nap: the inverse of a covariance by Cholesky equals the closed form; scores are Mahalanobis distances', () => {
  // [[4, 1], [1, 3]]⁻¹ = 1/11 · [[3, −1], [−1, 4]].
  assertClose(inverseSpd(Float64Array.of(4, 1, 1, 3), 2), [3 / 11, -1 / 11, -1 / 11, 4 / 11], 1e-12, 1e-12, 'inverse');
  const rng = new Rng(11);
  const n = 4000;
  const values = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const b = rng.normal();
    values[2 * i] = 2 + 2 * a; // variance 4
    values[2 * i + 1] = -1 + 0.5 * a + b; // covariance 1, variance 1.25
  }
  const state = fitNap(values, 2);
  // The sample mean and covariance, by hand, and the Mahalanobis distance of (3, 0) under them.
  let m0 = 0;
  let m1 = 0;
  for (let i = 0; i < n; i++) {
    m0 += values[2 * i] / n;
    m1 += values[2 * i + 1] / n;
  }
  let s00 = 0;
  let s01 = 0;
  let s11 = 0;
  for (let i = 0; i < n; i++) {
    const u = values[2 * i] - m0;
    const v = values[2 * i + 1] - m1;
    s00 += (u * u) / n;
    s01 += (u * v) / n;
    s11 += (v * v) / n;
  }
  const ridge = 1e-3 * ((s00 + s11) / 2);
  const [a, b, d] = [s00 + ridge, s01, s11 + ridge];
  const [x, y] = [3 - m0, 0 - m1];
  const expected = (d * x * x - 2 * b * x * y + a * y * y) / (a * d - b * b);
  assertClose(napScores(state, Float32Array.of(3, 0), 2), [expected], 1e-6, 1e-9, 'Mahalanobis');
});

test('nap: the pathway differences are h(x) − h(x̂) at the encoder\'s Dense layers; a fitted detector saves and loads', async () => {
  const rng = new Rng(13);
  const data = makeDataset({ source: 'toy', values: Float32Array.from({ length: 50 * 6 }, () => rng.next()), shape: [6], size: 50 });
  const model = createModel(defaultConfig('ae', [6], { latentDim: 2, hiddenUnits: [4] }));
  const { values, width } = pathwayDifferences(model, data);
  assert.equal(width, 4 + 2);
  // The first hidden layer by hand: relu(x W + b) for x and for its reconstruction.
  const [kernel, bias] = model.encoder.layers[1].getWeights().map((t) => Array.from(t.dataSync()));
  const x = Array.from(data.values.subarray(0, 6));
  const xHat = Array.from(model.decode(model.encode(tf.tensor2d([x]))).dataSync());
  const h = (v: number[]) => Array.from({ length: 4 }, (_, u) => Math.max(0, bias[u] + v.reduce((s, vi, i) => s + vi * kernel[i * 4 + u], 0)));
  const [hx, hxHat] = [h(x), h(xHat)];
  assertClose(values.subarray(0, 4), hx.map((v, u) => v - hxHat[u]), 1e-5, 1e-6, 'first hidden layer');
  const detector = new AnomalyDetector(model, { score: 'nap', threshold: { kind: 'percentile', q: 95 } }).fit(data);
  const restored = AnomalyDetector.fromJSON(model, JSON.parse(JSON.stringify(detector.toJSON())));
  assert.deepEqual(Array.from(restored.score(data)), Array.from(detector.score(data)));
  assert.throws(() => anomalyScores(model, data, 'nap'), /score 'nap' is relative to normal data/);
});

/** The inverse of a small matrix by Gauss–Jordan elimination with partial pivoting (an independent route from Cholesky). */
function gaussJordanInverse(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const p = a.reduce((best, _, r) => (r >= c && Math.abs(a[r][c]) > Math.abs(a[best][c]) ? r : best), c);
    [a[c], a[p]] = [a[p], a[c]];
    const pivot = a[c][c];
    a[c] = a[c].map((v) => v / pivot);
    for (let r = 0; r < n; r++) if (r !== c) a[r] = a[r].map((v, j) => v - a[r][c] * a[c][j]);
  }
  return a.map((row) => row.slice(n));
}

test('latent: the Mahalanobis distance of [code, relative error, cosine] (DAGMM\'s features) under the normal data\'s Gaussian', () => {
  const rng = new Rng(17);
  const n = 300;
  const data = makeDataset({ source: 'toy', values: Float32Array.from({ length: n * 5 }, () => rng.next()), shape: [5], size: n });
  const model = createModel(defaultConfig('ae', [5], { latentDim: 2, hiddenUnits: [6], latentActivation: 'linear' }));
  const detector = new AnomalyDetector(model, { score: 'latent', threshold: { kind: 'percentile', q: 95 } }).fit(data);
  const x = tf.tensor2d(data.values as Float32Array, [n, 5]);
  const codes = model.encode(x);
  const recon = Array.from(model.decode(codes).dataSync());
  const z = Array.from(codes.dataSync());
  const xs = Array.from(data.values);
  const features = Array.from({ length: n }, (_, i) => {
    const xi = xs.slice(5 * i, 5 * i + 5);
    const ri = recon.slice(5 * i, 5 * i + 5);
    const norm = (v: number[]) => Math.hypot(...v);
    const dot = xi.reduce((s, v, j) => s + v * ri[j], 0);
    return [z[2 * i], z[2 * i + 1], norm(xi.map((v, j) => v - ri[j])) / norm(xi), dot / (norm(xi) * norm(ri))];
  });
  const mean = [0, 1, 2, 3].map((j) => features.reduce((s, f) => s + f[j], 0) / n);
  const cov = [0, 1, 2, 3].map((a) => [0, 1, 2, 3].map((b) => features.reduce((s, f) => s + (f[a] - mean[a]) * (f[b] - mean[b]), 0) / n));
  const ridge = 1e-3 * ((cov[0][0] + cov[1][1] + cov[2][2] + cov[3][3]) / 4) + 1e-9;
  const precision = gaussJordanInverse(cov.map((row, a) => row.map((v, b) => (a === b ? v + ridge : v))));
  const expected = features.map((f) => {
    const r = f.map((v, j) => v - mean[j]);
    return r.reduce((s, ra, a) => s + ra * r.reduce((t, rb, b) => t + precision[a][b] * rb, 0), 0);
  });
  assertClose(detector.score(data), expected, 1e-3, 1e-4, 'Mahalanobis of the DAGMM features');
  assert.throws(() => anomalyScores(model, data, 'latent'), /score 'latent' is relative to normal data/);
  tf.dispose([x, codes]);
  model.dispose();
});

test('knn: the mean distance to the k nearest normal codes, against a brute-force float64 search; leave-one-out on the normal data', async () => {
  const rng = new Rng(23);
  const dim = 3;
  const reference = Float32Array.from({ length: 40 * dim }, () => rng.normal() * 5 + 20); // far from 0: float32 cancellation would show
  const queries = Float32Array.from({ length: 7 * dim }, () => rng.normal() * 5 + 20);
  const brute = (q: ArrayLike<number>, row: number, k: number, skip?: number) => {
    const d: number[] = [];
    for (let r = 0; r < 40; r++) {
      if (r === skip) continue;
      d.push(Math.sqrt([0, 1, 2].reduce((s, j) => s + (q[row * dim + j] - reference[r * dim + j]) ** 2, 0)));
    }
    return d.sort((a, b) => a - b).slice(0, k).reduce((a, b) => a + b, 0) / k;
  };
  assertClose(knnDistances(reference, queries, dim, 5), Array.from({ length: 7 }, (_, i) => brute(queries, i, 5)), 1e-9, 1e-9, 'queries');
  assertClose(knnDistances(reference, reference, dim, 3, true), Array.from({ length: 40 }, (_, i) => brute(reference, i, 3, i)), 1e-9, 1e-9, 'leave-one-out');
  assert.throws(() => knnDistances(reference.subarray(0, 5 * dim), queries, dim, 5, true), /needs more than 5 normal examples, found 5/);

  // Through a detector: the codes are the model's, the normal data's scores leave each example out; saved and loaded.
  const data = makeDataset({ source: 'toy', values: Float32Array.from({ length: 60 * 4 }, () => rng.next()), shape: [4], size: 60 });
  const model = createModel(defaultConfig('ae', [4], { latentDim: 2, hiddenUnits: [5], latentActivation: 'linear' }));
  const detector = new AnomalyDetector(model, { score: 'knn', threshold: { kind: 'percentile', q: 90 } }).fit(data);
  const codes = model.encode(tf.tensor2d(data.values as Float32Array, [60, 4]));
  const c = Array.from(codes.dataSync());
  codes.dispose();
  const own = Array.from({ length: 60 }, (_, i) => {
    const d = Array.from({ length: 60 }, (_, r) => (r === i ? Infinity : Math.hypot(c[2 * i] - c[2 * r], c[2 * i + 1] - c[2 * r + 1])));
    return d.sort((a, b) => a - b).slice(0, 5).reduce((a, b) => a + b, 0) / 5;
  });
  assertClose(detector.decisionScores, own, 1e-5, 1e-6, 'leave-one-out scores of the normal data');
  const restored = AnomalyDetector.fromJSON(model, JSON.parse(JSON.stringify(detector.toJSON())));
  assertClose(restored.score(head(data, 10)), detector.score(head(data, 10)), 1e-12, 1e-12, 'saved and loaded');
  assert.throws(() => anomalyScores(model, data, 'knn'), /score 'knn' is relative to normal data/);
  model.dispose();
});
