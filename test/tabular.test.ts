// Tables get defaults that fit them (a narrower code, a linear output or a Gaussian likelihood), the per-feature
// standardised error and the seed ensembles score as computed by hand, and detector files of both kinds round-trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../src/backend/tfjs.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { makeDataset } from '../src/data/dataset.js';
import { AnomalyDetector } from '../src/tasks/anomaly.js';
import { DetectorEnsemble } from '../src/tasks/ensemble.js';
import { readDetectorFile } from '../src/io/detector-file.js';
import { Rng } from '../src/train/rng.js';
import { assertClose, cli, tempDir } from './helpers.js';

test('a 9-feature table gets a code narrower than 9, one hidden layer and a linear output; images keep theirs', () => {
  const ae = defaultConfig('ae', [9], {}, 'table');
  assert.equal(ae.latentDim, 3);
  assert.deepEqual(ae.hiddenUnits, [18]);
  assert.equal(ae.outputActivation, 'linear');
  assert.equal(ae.latentActivation, 'linear');
  assert.equal(ae.loss, 'mse');
  const vae = defaultConfig('vae', [9], {}, 'table');
  assert.equal(vae.likelihood, 'gaussian');
  assert.equal(vae.learnSigma, true);
  assert.ok(vae.latentDim < 9);
  for (const d of [1, 2, 3, 4, 30, 64, 1000]) {
    const k = defaultConfig('ae', [d], {}, 'table').latentDim;
    assert.ok(k >= 1 && (d === 1 || k < d), `${d} features → code ${k}`);
  }
  assert.equal(defaultConfig('ae', [9], { latentDim: 5 }, 'table').latentDim, 5, 'overrides win');
  const image = defaultConfig('vae', [28, 28, 1]);
  assert.equal(image.likelihood, 'bernoulli');
  assert.equal(defaultConfig('ae', [28, 28, 1]).outputActivation, 'sigmoid');
});

test('latentkit train on a CSV prints the table defaults it chose, and --output-activation changes one', () => {
  const dir = tempDir();
  const rng = new Rng(5);
  const rows = Array.from({ length: 300 }, () => Array.from({ length: 9 }, () => rng.normal().toFixed(4)).join(','));
  writeFileSync(join(dir, 't.csv'), ['a,b,c,d,e,f,g,h,i', ...rows].join('\n'));
  const r = cli('train', '--model', 'ae', '--data', join(dir, 't.csv'), '--scale', 'zscore', '--epochs', '3', '--out', join(dir, 'run'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /ae on a table of 9 features, 300 rows: code 3, hidden \[18\], linear output, MSE loss, linear code; up to 3 epochs, early stopping on a 10% validation split \(patience 10\)/);
  const s = cli('train', '--model', 'ae', '--data', join(dir, 't.csv'), '--output-activation', 'sigmoid', '--epochs', '1', '--out', join(dir, 'run2'));
  assert.match(s.stderr, /sigmoid output/);
  const v = cli('train', '--model', 'vae', '--data', join(dir, 't.csv'), '--output-activation', 'sigmoid', '--out', join(dir, 'run3'));
  assert.match(v.stderr, /--output-activation does not apply to --model vae/);
});

test('zmse: each feature\'s squared error over its mean on the normal data, averaged (by hand)', () => {
  const model = createModel(defaultConfig('ae', [3], { latentDim: 1, hiddenUnits: [] }, 'table'));
  const normal = makeDataset({ source: 'n', values: Float32Array.from([0.1, 2, -1, 0.3, 1, 0, -0.2, 3, 1, 0, 2.5, 0.5]), shape: [3], size: 4 });
  const other = makeDataset({ source: 'o', values: Float32Array.from([1, 0, 0, 0, 5, -2]), shape: [3], size: 2 });
  const recon = (d: typeof normal) => model.decode(model.encode(tf.tensor2d(d.values as Float32Array, [d.size, 3]))).dataSync();
  const rn = recon(normal);
  const scale = [0, 1, 2].map((j) => [0, 1, 2, 3].reduce((s, i) => s + (normal.values[i * 3 + j] - rn[i * 3 + j]) ** 2, 0) / 4);
  const ro = recon(other);
  const expected = [0, 1].map((i) => [0, 1, 2].reduce((s, j) => s + (other.values[i * 3 + j] - ro[i * 3 + j]) ** 2 / scale[j], 0) / 3);
  const detector = new AnomalyDetector(model, { score: 'zmse', threshold: { kind: 'percentile', q: 90 } }).fit(normal);
  assertClose(detector.score(other), expected, 1e-4);
  assertClose(detector.featureScale!, scale, 1e-4);
  const restored = AnomalyDetector.fromJSON(model, JSON.parse(JSON.stringify(detector.toJSON())));
  assertClose(restored.score(other), expected, 1e-4);
});

test('a seed ensemble standardises each member on the normal data and averages (by hand); its file round-trips', async () => {
  const models = [1, 2, 3].map((seed) => createModel(defaultConfig('ae', [4], { seed }, 'table')));
  const rng = new Rng(9);
  const normal = makeDataset({ source: 'n', values: Float32Array.from(rng.normals(40)), shape: [4], size: 10 });
  const test = makeDataset({ source: 't', values: Float32Array.from(rng.normals(12).map((v) => 3 * v)), shape: [4], size: 3 });
  const members = models.map((m) => new AnomalyDetector(m, { score: 'mse', threshold: { kind: 'percentile', q: 95 } }));
  const ensemble = new DetectorEnsemble(members).fit(normal);
  const expected = new Float64Array(3);
  for (const m of members) {
    const calibration = Array.from(m.decisionScores);
    const mean = calibration.reduce((a, b) => a + b, 0) / 10;
    const std = Math.sqrt(calibration.reduce((a, b) => a + (b - mean) ** 2, 0) / 10);
    m.score(test).forEach((s, i) => (expected[i] += (s - mean) / std / 3));
  }
  assertClose(ensemble.score(test), expected, 1e-9);
  const path = join(tempDir(), 'ensemble.json');
  writeFileSync(path, JSON.stringify(ensemble.toJSON()));
  const file = await readDetectorFile(path);
  assert.ok(file.ensemble);
  const restored = DetectorEnsemble.fromJSON(models, file.state);
  assertClose(restored.score(test), expected, 1e-9);
  assert.equal(restored.threshold, ensemble.threshold);
  assert.throws(() => DetectorEnsemble.fromJSON(models.slice(0, 2), file.state), /fitted on 3 runs; 2 given/);
  writeFileSync(path, JSON.stringify({ ...members[0].toJSON(), score: 'zmse' }));
  await assert.rejects(readDetectorFile(path), /featureScale/);
});
