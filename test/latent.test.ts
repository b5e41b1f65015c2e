// Latent-space tools: spherical interpolation, traversals and sampling temperature.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from './helpers.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { lerpCodes, manifoldCodes, samplePrior, slerpCodes, traverseCodes, decodeCodes } from '../src/tasks/latent.js';

test('slerp: exact ends, the midpoint of orthogonal unit codes is (a + b)/√2, norms stay on the circle', () => {
  const a = Float32Array.from([1, 0, 0]);
  const b = Float32Array.from([0, 1, 0]);
  const path = slerpCodes(a, b, 3);
  assertClose(path.subarray(0, 3), a, 1e-6);
  assertClose(path.subarray(6, 9), b, 1e-6);
  assertClose(path.subarray(3, 6), [Math.SQRT1_2, Math.SQRT1_2, 0], 1e-6);
  const five = slerpCodes(a, b, 5);
  for (let s = 0; s < 5; s++) assertClose([Math.hypot(...five.subarray(s * 3, s * 3 + 3))], [1], 1e-6);
  assertClose(slerpCodes(a, Float32Array.from([2, 0, 0]), 3), lerpCodes(a, Float32Array.from([2, 0, 0]), 3), 1e-6); // parallel: straight line
});

test('traversal rows vary one dimension from −range to +range and keep the others', () => {
  const codes = traverseCodes(Float32Array.from([0.5, -1]), [1], 2, 3);
  assert.deepEqual(Array.from(codes), [0.5, -2, 0.5, 0, 0.5, 2]);
  assert.throws(() => traverseCodes(Float32Array.from([0, 0]), [2], 1, 3), /latent dimension 2 is out of range 0\.\.1/);
});

test('temperature 0 decodes the prior mean for every sample; temperature 1 varies', () => {
  const vae = createModel(defaultConfig('vae', [6], { latentDim: 2, hiddenUnits: [4] }));
  const cold = samplePrior(vae, 3, { seed: 1, temperature: 0 });
  const origin = decodeCodes(vae, new Float32Array(2));
  for (let i = 0; i < 3; i++) assertClose(cold.subarray(i * 6, (i + 1) * 6), origin, 1e-6);
  const warm = samplePrior(vae, 2, { seed: 1 });
  assert.notDeepEqual(Array.from(warm.subarray(0, 6)), Array.from(warm.subarray(6, 12)));
});

test('the Gaussian mixture recovers two separated clusters and samples them by their weights', async () => {
  const { fitGmm, sampleGmm } = await import('../src/tasks/gmm.js');
  const { Rng } = await import('../src/train/rng.js');
  const rng = new Rng(4);
  const rows = new Float32Array(1000 * 2);
  for (let i = 0; i < 1000; i++) {
    const left = i < 300; // 30 % around (−5, 0) with σ 0.5, 70 % around (5, 2) with σ 1
    rows[i * 2] = (left ? -5 : 5) + rng.normal() * (left ? 0.5 : 1);
    rows[i * 2 + 1] = (left ? 0 : 2) + rng.normal() * (left ? 0.5 : 1);
  }
  const gmm = fitGmm(rows, 2, 2, 3);
  const leftIndex = gmm.means[0] < 0 ? 0 : 1;
  assertClose([gmm.weights[leftIndex], gmm.weights[1 - leftIndex]], [0.3, 0.7], 0, 0.02);
  assertClose([gmm.means[leftIndex * 2], gmm.means[leftIndex * 2 + 1]], [-5, 0], 0, 0.1);
  assertClose([gmm.variances[(1 - leftIndex) * 2]], [1], 0, 0.15);
  const samples = sampleGmm(gmm, 4000, 9);
  const leftShare = Array.from({ length: 4000 }, (_, i) => samples[i * 2]).filter((x) => x < 0).length / 4000;
  assertClose([leftShare], [0.3], 0, 0.03);
});

test('the manifold grid runs left to right in z0 and top to bottom in z1', () => {
  assert.deepEqual(Array.from(manifoldCodes(3, 2)), [-2, 2, 0, 2, 2, 2, -2, 0, 0, 0, 2, 0, -2, -2, 0, -2, 2, -2]);
});
