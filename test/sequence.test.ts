// Sequence windows and per-window / per-step reconstruction errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from './helpers.js';
import { makeDataset } from '../src/data/dataset.js';
import { slidingWindows } from '../src/data/windows.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { sequenceErrors } from '../src/tasks/latent.js';
import { evaluate } from '../src/train/trainer.js';
import { UserError } from '../src/errors.js';

const series = makeDataset({ source: 'ts', values: Float32Array.from({ length: 7 * 2 }, (_, i) => i), shape: [2], size: 7 });

test('sliding windows: count, contents and stride', () => {
  const w = slidingWindows(series, 3, 2); // starts at rows 0, 2, 4
  assert.deepEqual(w.shape, [3, 2]);
  assert.equal(w.size, 3);
  assert.deepEqual(Array.from(w.values.subarray(6, 12)), [4, 5, 6, 7, 8, 9]);
  assert.throws(() => slidingWindows(series, 8), (e: Error) => e instanceof UserError && /7 rows are fewer than one window of 8/.test(e.message));
});

test('per-window errors are the means of the per-step errors and equal the model\'s own MSE', () => {
  const windows = slidingWindows(makeDataset({ source: 'ts', values: Float32Array.from({ length: 30 * 2 }, (_, i) => Math.sin(i / 3) * 0.5 + 0.5), shape: [2], size: 30 }), 5);
  const model = createModel(defaultConfig('seq-ae', [5, 2], { latentDim: 2, units: 4 }));
  const { perWindow, perStep, steps } = sequenceErrors(model, windows);
  assert.equal(steps, 5);
  for (let w = 0; w < perWindow.length; w++) {
    const stepMean = perStep.subarray(w * 5, (w + 1) * 5).reduce((a, b) => a + b, 0) / 5;
    assertClose([perWindow[w]], [stepMean], 1e-9);
  }
  const meanError = perWindow.reduce((a, b) => a + b, 0) / perWindow.length;
  assertClose([evaluate(model, windows).reconstruction], [meanError], 1e-4);
});
