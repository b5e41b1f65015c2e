// Anomaly detection: thresholds on known distributions, scores against the loss, save/load, and real separation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from './helpers.js';
import { makeDataset, type Dataset } from '../src/data/dataset.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { AnomalyDetector, anomalyScores, featureErrors, fitThreshold, parseThreshold, percentile } from '../src/tasks/anomaly.js';
import { rocAuc } from '../src/tasks/metrics.js';
import { Rng } from '../src/train/rng.js';
import { evaluate, fit } from '../src/train/trainer.js';

function rows(n: number, seed: number, anomalous = false): Dataset {
  const rng = new Rng(seed);
  const values = new Float32Array(n * 16);
  for (let i = 0; i < n; i++) {
    const a = rng.next();
    for (let j = 0; j < 16; j++) values[i * 16 + j] = anomalous ? (rng.next() > 0.5 ? 1 : 0) : (j / 16 < a ? 1 : 0);
  }
  return makeDataset({ source: anomalous ? 'noise' : 'normal', values, shape: [16], size: n });
}

test('percentiles interpolate as numpy does; thresholds on known distributions', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assertClose([percentile(oneToHundred, 99), percentile(oneToHundred, 50), percentile([3, 1, 2], 100)], [99.01, 50.5, 3], 1e-12);
  assert.equal(fitThreshold(oneToHundred, parseThreshold('contamination:0.1')), percentile(oneToHundred, 90));
  const rng = new Rng(5);
  const normal = Array.from({ length: 20000 }, () => rng.normal());
  assert.ok(Math.abs(fitThreshold(normal, parseThreshold('sigma:2')) - 2) < 0.05); // mean 0 + 2·σ (σ = 1)
  assert.ok(Math.abs(fitThreshold(normal, parseThreshold('percentile:97.5')) - 1.96) < 0.05);
  assert.equal(fitThreshold(normal, parseThreshold('fixed:0.25')), 0.25);
  assert.throws(() => parseThreshold('percentile:120'), /expected percentile:Q/);
  assert.throws(() => parseThreshold('top:3'), /expected percentile:Q/);
});

test('reconstruction and −ELBO scores average to the losses the trainer reports', () => {
  const data = rows(120, 1);
  const ae = createModel(defaultConfig('ae', [16], { latentDim: 3, hiddenUnits: [8] }));
  assertClose([anomalyScores(ae, data, 'mse').reduce((a, b) => a + b, 0) / 120], [evaluate(ae, data).reconstruction], 1e-5);
  const vae = createModel(defaultConfig('vae', [16], { latentDim: 3, hiddenUnits: [8] }));
  assertClose([anomalyScores(vae, data, 'elbo').reduce((a, b) => a + b, 0) / 120], [evaluate(vae, data).total], 1e-5);
  assert.throws(() => anomalyScores(ae, data, 'elbo'), /score 'elbo' needs a VAE kind/);
  const perFeature = featureErrors(ae, data);
  const mse = anomalyScores(ae, data, 'mse');
  for (const i of [0, 57, 119]) assertClose([perFeature.subarray(i * 16, (i + 1) * 16).reduce((a, b) => a + b, 0) / 16], [mse[i]], 1e-5);
});

test('a detector fitted on normal rows separates noise, flags about the contamination rate, and saves and loads', async () => {
  const model = createModel(defaultConfig('vae', [16], { latentDim: 2, hiddenUnits: [32] }));
  const normal = rows(400, 2);
  await fit(model, normal, { epochs: 15, batchSize: 50, adam: { learningRate: 3e-3 } });
  const detector = new AnomalyDetector(model, { score: 'elbo', threshold: parseThreshold('contamination:0.05') }).fit(normal);
  const flaggedOnNormal = detector.predict(normal, detector.decisionScores).reduce((a, b) => a + b, 0) / normal.size;
  assert.ok(Math.abs(flaggedOnNormal - 0.05) < 0.01, `flagged ${flaggedOnNormal} of the normal rows`);
  const test = rows(100, 3);
  const noise = rows(100, 4, true);
  const mixed = makeDataset({ source: 'mixed', values: Float32Array.from([...test.values, ...noise.values]), shape: [16], size: 200 });
  const labels = Array.from({ length: 200 }, (_, i) => (i < 100 ? 0 : 1));
  const scores = detector.score(mixed);
  assert.ok(rocAuc(scores, labels) > 0.95, `ROC-AUC ${rocAuc(scores, labels)}`);
  const loaded = AnomalyDetector.fromJSON(model, JSON.parse(JSON.stringify(detector.toJSON())));
  assert.deepEqual(Array.from(loaded.predict(mixed)), Array.from(detector.predict(mixed, scores)));
});
