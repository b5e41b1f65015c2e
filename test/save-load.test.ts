// Run directories: save → load gives identical outputs, stock tfjs reads the layers, bad runs give clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, truncateSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { tempDir, assertClose } from './helpers.js';
import * as tf from '../src/backend/tfjs.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { loadRun, saveRun } from '../src/io/run-dir.js';
import { writeDirAtomic } from '../src/io/atomic.js';
import { fit } from '../src/train/trainer.js';
import { makeDataset } from '../src/data/dataset.js';

const info = { data: { source: 'toy', shape: [6] }, history: [], backend: 'test' };
const input = tf.tensor2d([[0.1, 0.9, 0.3, 0.0, 1.0, 0.5], [0.7, 0.2, 0.2, 0.8, 0.4, 0.6]]);

for (const config of [
  defaultConfig('ae', [6], { latentDim: 2, hiddenUnits: [5] }),
  defaultConfig('vae', [6], { latentDim: 2, hiddenUnits: [5], likelihood: 'gaussian', learnSigma: true, sigma: 0.3 }),
  defaultConfig('vae', [6], { latentDim: 2, hiddenUnits: [5], likelihood: 'gaussian', learnSigma: true, sigmaPerFeature: true, sigma: 0.2 }),
  defaultConfig('beta-vae', [6], { latentDim: 2, hiddenUnits: [5], beta: 2, klSchedule: 'cyclical', freeBits: 0.2 }),
  defaultConfig('conv-ae', [2, 4, 1], { latentDim: 2, filters: [3] }),
  defaultConfig('iwae', [6], { latentDim: 2, hiddenUnits: [5], samples: 3 }),
  defaultConfig('cvae', [6], { latentDim: 2, hiddenUnits: [5], classes: 3 }),
  defaultConfig('seq-ae', [3, 2], { latentDim: 2, units: 3 }),
  defaultConfig('denoising-ae', [6], { latentDim: 2, hiddenUnits: [5], noise: 'gaussian', noiseLevel: 0.1 }),
  defaultConfig('sparse-ae', [6], { latentDim: 3, hiddenUnits: [5], sparsity: 'l1' }),
  defaultConfig('conv-vae', [2, 4, 1], { latentDim: 2, filters: [3] }),
]) {
  test(`${config.kind}: save → load gives identical codes, decodings and parameters`, async () => {
    const dir = join(tempDir(), 'run');
    const model = createModel(config);
    const initial = model.extraParams();
    // A few steps at a high rate move every weight, learned σ included, away from its initial value: a value that was
    // not saved would then load as the initial one and fail the comparison below.
    const d0 = config.inputShape.reduce((a, b) => a * b, 1);
    const rows = Float32Array.from({ length: 8 * d0 }, (_, i) => ((i * 53) % 17) / 17);
    const labels = 'classes' in config ? Int32Array.from({ length: 8 }, (_, i) => i % config.classes) : undefined;
    await fit(model, makeDataset({ source: 'toy', values: rows, shape: config.inputShape, size: 8, labels }), { epochs: 3, batchSize: 4, adam: { learningRate: 0.05 } });
    if ('learnSigma' in config && config.learnSigma) assert.notDeepEqual(model.extraParams(), initial, 'training moved the learned σ');
    await saveRun(dir, model, { ...info, data: { source: 'toy', shape: config.inputShape } });
    const { model: loaded, manifest } = await loadRun(dir);
    assert.deepEqual(manifest.config, config);
    const d = config.inputShape.reduce((a, b) => a * b, 1) + ('classes' in config ? config.classes : 0);
    const input = tf.tensor2d(Array.from({ length: 2 * d }, (_, i) => ((i * 37) % 11) / 10), [2, d]);
    assert.deepEqual(Array.from(loaded.encode(input).dataSync()), Array.from(model.encode(input).dataSync()));
    const z = tf.concat([model.encode(input), tf.zeros([2, 'classes' in config ? config.classes : 0])], 1) as tf.Tensor2D;
    assert.deepEqual(Array.from(loaded.decode(z).dataSync()), Array.from(model.decode(z).dataSync()));
    assert.deepEqual(loaded.extraParams(), model.extraParams());
  });
}

test('saved layers load with stock tf.loadLayersModel through a file handler', async () => {
  const dir = join(tempDir(), 'run');
  const model = createModel(defaultConfig('vae', [6], { latentDim: 2, hiddenUnits: [4] }));
  await saveRun(dir, model, info);
  const modelJson = JSON.parse(readFileSync(join(dir, 'decoder', 'model.json'), 'utf8'));
  const weights = readFileSync(join(dir, 'decoder', modelJson.weightsManifest[0].paths[0]));
  const stock = await tfl.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest[0].weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }));
  const z = tf.tensor2d([[0.5, -1]]);
  // The saved decoder returns Bernoulli logits; latentkit's decode returns their sigmoid.
  assertClose(tf.sigmoid(stock.predict(z) as tf.Tensor).dataSync(), model.decode(z).dataSync(), 1e-6);
});

test('corrupt, truncated, foreign and future-version runs give clear errors', async () => {
  const root = tempDir();
  const model = createModel(defaultConfig('ae', [6], { latentDim: 2 }));
  const dir = join(root, 'run');
  await saveRun(dir, model, info);
  await assert.rejects(loadRun(join(root, 'missing')), /not a latentkit run \(no latentkit\.json\)/);

  truncateSync(join(dir, 'encoder', 'weights.bin'), 10);
  await assert.rejects(loadRun(dir), /weight files hold 10 bytes but model\.json lists \d+; the run is truncated or corrupt/);

  await saveRun(dir, model, info);
  const manifestPath = join(dir, 'latentkit.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, formatVersion: 99 }));
  await assert.rejects(loadRun(dir), /format version 99 is newer than this latentkit reads/);
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, config: { ...manifest.config, latentDim: -1 } }));
  await assert.rejects(loadRun(dir), /invalid at 'config\.latentDim'/);
  writeFileSync(manifestPath, '{"format": "latentkit-run", ');
  await assert.rejects(loadRun(dir), /not valid JSON/);
});

test('a failed save leaves the previous run intact and no temporary files behind', async () => {
  const root = tempDir();
  const dir = join(root, 'run');
  const model = createModel(defaultConfig('ae', [6], { latentDim: 2 }));
  await saveRun(dir, model, info);
  const before = readFileSync(join(dir, 'encoder', 'weights.bin'));
  await assert.rejects(writeDirAtomic(dir, async (tmp) => {
    writeFileSync(join(tmp, 'partial'), 'x');
    throw new Error('disk full');
  }), /disk full/);
  assert.deepEqual(readFileSync(join(dir, 'encoder', 'weights.bin')), before);
  assert.ok(!existsSync(join(dir, 'partial')));
  assert.deepEqual(readdirSync(root), ['run']);
});
