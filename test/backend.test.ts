// Backend selection: preferences, the required-native switch, and the wasm → cpu move for convolutions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tfl from '@tensorflow/tfjs-layers';
import './helpers.js';
import * as tf from '../src/backend/tfjs.js';
import { parsePreference, selectBackend } from '../src/backend/select.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { makeDataset } from '../src/data/dataset.js';
import { fit } from '../src/train/trainer.js';

test('an unknown backend name is a user error listing the choices', () => {
  assert.throws(() => parsePreference('gpu'), /unknown backend 'gpu': expected one of auto, native, webgpu, webgl, wasm, cpu/);
});

test('training a convolutional model on wasm moves to cpu with one warning, and trains', async () => {
  const before = tf.getBackend();
  await selectBackend('wasm');
  const encoder = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3, strides: 2, padding: 'same' }), tfl.layers.flatten()] });
  const decoder = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 16 })] });
  const model = createModel(defaultConfig('vae', [4, 4, 1], { latentDim: 2 }), { encoder, decoder });
  const data = makeDataset({ source: 'tiny', values: new Float32Array(8 * 16).map((_, i) => (i % 3) / 2), shape: [4, 4, 1], size: 8 });
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (message: string) => warnings.push(message);
  try {
    const { history } = await fit(model, data, { epochs: 1, batchSize: 8 });
    assert.ok(Number.isFinite(history[0].train.total));
  } finally {
    console.warn = warn;
  }
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /wasm backend cannot train convolutions; training on the slower cpu backend/);
  await selectBackend(before as 'native' | 'wasm');
});
