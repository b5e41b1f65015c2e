// The training and sampling API a Keras user expects: callbacks are awaited (async ones too), onTrainBegin/End frame
// the run, a callback can stop training; samplePrior draws fresh samples unless given a seed; evaluate takes options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { evaluate, fit } from '../src/train/trainer.js';
import { samplePrior } from '../src/tasks/latent.js';
import { makeDataset } from '../src/data/dataset.js';
import { Rng } from '../src/train/rng.js';
import './helpers.js';

const rng = new Rng(2);
const data = makeDataset({ source: 'toy', values: Float32Array.from({ length: 256 * 8 }, () => rng.next()), shape: [8], size: 256 });

test('callbacks are awaited in order; onTrainBegin and onTrainEnd frame the run', async () => {
  const model = createModel(defaultConfig('ae', [8], { latentDim: 2, hiddenUnits: [] }));
  const events: string[] = [];
  const slow = (name: string) => new Promise<void>((resolve) => setTimeout(() => { events.push(name); resolve(); }, 5));
  const result = await fit(model, data, {
    epochs: 2, batchSize: 128,
    callbacks: {
      onTrainBegin: async (info) => slow(`begin ${info.epochs}×${info.batches}`),
      onBatchEnd: async (b) => slow(`batch ${b.epoch}.${b.batch}`),
      onEpochEnd: async (m) => slow(`epoch ${m.epoch}`),
      onTrainEnd: async (r) => slow(`end ${r.history.length}`),
    },
  });
  // Each async callback finished before the loop went on: its event comes before the next one's.
  assert.deepEqual(events, ['begin 2×2', 'batch 1.1', 'batch 1.2', 'epoch 1', 'batch 2.1', 'batch 2.2', 'epoch 2', 'end 2']);
  assert.equal(result.stoppedByCallback, undefined);
});

test('a callback stops training: after an epoch, or in the middle of one (Keras\'s stop_training)', async () => {
  const model = createModel(defaultConfig('ae', [8], { latentDim: 2, hiddenUnits: [] }));
  const afterTwo = await fit(model, data, { epochs: 10, batchSize: 64, callbacks: { onEpochEnd: (m, control) => { if (m.epoch === 2) control.stop(); } } });
  assert.equal(afterTwo.history.length, 2);
  assert.equal(afterTwo.stoppedByCallback, true);
  let batches = 0;
  const midway = await fit(model, data, { epochs: 10, batchSize: 64, callbacks: { onBatchEnd: (b, control) => { batches++; if (b.batch === 3) control.stop(); } } });
  assert.equal(batches, 3);
  assert.equal(midway.history.length, 1, 'the epoch cut short is reported');
  assert.ok(Number.isFinite(midway.history[0].train.total));
});

test('samplePrior draws fresh samples unless given a seed; evaluate takes an options object', () => {
  const vae = createModel(defaultConfig('vae', [8], { latentDim: 2, hiddenUnits: [4] }));
  const a = samplePrior(vae, 3);
  const b = samplePrior(vae, 3);
  assert.notDeepEqual(Array.from(a), Array.from(b));
  assert.deepEqual(Array.from(samplePrior(vae, 3, { seed: 9 })), Array.from(samplePrior(vae, 3, { seed: 9 })));
  const one = evaluate(vae, data, { seed: 4 });
  assert.deepEqual(evaluate(vae, data, { seed: 4, batchSize: 7 }).total.toFixed(4), one.total.toFixed(4), 'batching does not change the terms');
  assert.notEqual(evaluate(vae, data, { seed: 5 }).total, one.total);
});
