// Probes and PCA against known answers: a covariance with known eigenvectors, separable and hand-placed points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from './helpers.js';
import { fitPca, knnProbe, logisticProbe, pcaTransform, type Features } from '../src/tasks/probe.js';
import { Rng } from '../src/train/rng.js';

test('PCA recovers the eigenvectors and eigenvalues of a covariance built from a known orthonormal basis', () => {
  // Basis: the Householder reflection H = I − 2vvᵀ/‖v‖² of v = (1, 2, 0, −1, 1); its rows are orthonormal.
  const v = [1, 2, 0, -1, 1];
  const vv = v.reduce((a, x) => a + x * x, 0);
  const basis = v.map((vi, i) => v.map((vj, j) => (i === j ? 1 : 0) - (2 * vi * vj) / vv));
  const amplitudes = [5, 3, 2, 1, 0.5];
  // Points ±a_k·u_k: mean 0 and covariance Σ_k (2a_k²/10) u_k u_kᵀ exactly, so λ_k = a_k²/5.
  const rows: number[] = [];
  basis.forEach((u, k) => [1, -1].forEach((s) => rows.push(...u.map((x) => s * amplitudes[k] * x))));
  const data: Features = { values: Float32Array.from(rows), dim: 5, labels: new Int32Array(10) };
  const pca = fitPca(data, 3, 200);
  assertClose(pca.variances, amplitudes.slice(0, 3).map((a) => (a * a) / 5), 1e-4);
  for (let k = 0; k < 3; k++) {
    const c = Array.from(pca.components.subarray(k * 5, (k + 1) * 5));
    const sign = Math.sign(c.reduce((a, x, i) => a + x * basis[k][i], 0));
    assertClose(c.map((x) => x * sign), basis[k], 1e-3, 1e-3, `component ${k}`);
  }
  const projected = pcaTransform(pca, data);
  assert.equal(projected.dim, 3);
  assertClose([Math.abs(projected.values[0])], [5], 1e-3); // the first point lies 5 along the first direction
});

test('k-NN votes on hand-placed points', () => {
  const train: Features = { values: Float32Array.from([0, 1, 10, 11, 12]), dim: 1, labels: Int32Array.from([0, 0, 1, 1, 1]) };
  // 5.4 is labelled 1 but its nearest point is 1 (class 0), and its three nearest are 1, 10 and 0 (two of class 0).
  const query: Features = { values: Float32Array.from([0.4, 10.6, 5.4]), dim: 1, labels: Int32Array.from([0, 1, 1]) };
  assertClose([knnProbe(train, query, 1)], [2 / 3], 1e-12);
  assertClose([knnProbe(train, query, 3)], [2 / 3], 1e-12);
  assert.equal(knnProbe(train, { ...query, values: Float32Array.from([0.4, 10.6, 9]) }, 3), 1);
});

test('logistic probe: near-perfect on separable features, near chance on noise', () => {
  const rng = new Rng(2);
  const make = (n: number, separable: boolean): Features => {
    const labels = Int32Array.from({ length: n }, () => Math.floor(rng.next() * 3));
    const values = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) for (let j = 0; j < 4; j++) values[i * 4 + j] = rng.normal() * 0.3 + (separable && j === labels[i] ? 2 : 0);
    return { values, dim: 4, labels };
  };
  assert.ok(logisticProbe(make(600, true), make(300, true)) > 0.95);
  assert.ok(logisticProbe(make(600, false), make(300, false)) < 0.5);
});
