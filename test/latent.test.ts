// Latent-space tools: spherical interpolation, traversals and sampling temperature.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from './helpers.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { lerpCodes, samplePrior, slerpCodes, traverseCodes, decodeCodes } from '../src/tasks/latent.js';

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
  const cold = samplePrior(vae, 3, 1, undefined, 0);
  const origin = decodeCodes(vae, new Float32Array(2));
  for (let i = 0; i < 3; i++) assertClose(cold.subarray(i * 6, (i + 1) * 6), origin, 1e-6);
  const warm = samplePrior(vae, 2, 1);
  assert.notDeepEqual(Array.from(warm.subarray(0, 6)), Array.from(warm.subarray(6, 12)));
});
