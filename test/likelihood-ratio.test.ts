// The likelihood-ratio score (Ren et al. 2019) on two hand-built linear-Gaussian VAEs whose marginals are known in
// closed form, the perturbation a background model trains on, and the score's refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../src/backend/tfjs.js';
import { makeDataset } from '../src/data/dataset.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { AnomalyDetector, anomalyScores } from '../src/tasks/anomaly.js';
import { likelihoodRatioScores } from '../src/tasks/likelihood-ratio.js';
import { perturb, perturbRangeOf } from '../src/train/perturb.js';
import { fit } from '../src/train/trainer.js';
import { Rng } from '../src/train/rng.js';
import { UserError } from '../src/errors.js';
import type { AutoencoderModel } from '../src/models/types.js';
import { assertClose } from './helpers.js';

/** A linear-Gaussian model: z ~ N(0, 1), x | z ~ N(w·z + b, s²·I) in two dimensions. */
interface LinearGaussian { w: [number, number]; b: [number, number]; s: number }

/**
 * A VAE that is exactly this model: the decoder is w·z + b with σ = s, and the encoder gives the exact posterior,
 * precision P = 1 + |w|²/s², mean wᵀ(x − b)/(s²·P), log-variance −log P. With the exact posterior every importance
 * weight equals p(x), so the importance-sampled −log p(x) is exact whatever the number of samples.
 */
function exactVae(g: LinearGaussian): AutoencoderModel {
  const model = createModel(defaultConfig('vae', [2], { latentDim: 1, hiddenUnits: [], likelihood: 'gaussian', sigma: g.s, learnSigma: false }));
  const p = 1 + (g.w[0] ** 2 + g.w[1] ** 2) / g.s ** 2;
  const k = g.w.map((wi) => wi / (g.s ** 2 * p));
  model.encoder.getLayer('z_mean').setWeights([tf.tensor2d([[k[0]], [k[1]]]), tf.tensor1d([-(k[0] * g.b[0] + k[1] * g.b[1])])]);
  model.encoder.getLayer('z_log_var').setWeights([tf.tensor2d([[0], [0]]), tf.tensor1d([-Math.log(p)])]);
  model.decoder.getLayer('decoder_output').setWeights([tf.tensor2d([g.w]), tf.tensor1d(g.b)]);
  return model;
}

/** −log N(x; b, wwᵀ + s²I), by the 2×2 determinant and inverse. */
function marginalNll(g: LinearGaussian, x: [number, number]): number {
  const c = [[g.w[0] ** 2 + g.s ** 2, g.w[0] * g.w[1]], [g.w[0] * g.w[1], g.w[1] ** 2 + g.s ** 2]];
  const det = c[0][0] * c[1][1] - c[0][1] * c[1][0];
  const r = [x[0] - g.b[0], x[1] - g.b[1]];
  const quad = (c[1][1] * r[0] * r[0] - 2 * c[0][1] * r[0] * r[1] + c[0][0] * r[1] * r[1]) / det;
  return 0.5 * quad + 0.5 * Math.log(det) + Math.log(2 * Math.PI);
}

const FOREGROUND: LinearGaussian = { w: [1.2, -0.5], b: [0.3, 0.1], s: 0.5 };
const BACKGROUND: LinearGaussian = { w: [0.4, 0.9], b: [0, 0.2], s: 0.8 };
const POINTS: [number, number][] = [[0, 0], [0.3, 0.1], [1.5, -0.4], [-2, 1], [0.7, 2.2]];

test('ratio: −log p(x) + log p_background(x) of two hand-built Gaussians equals the closed form', () => {
  const model = exactVae(FOREGROUND);
  const background = exactVae(BACKGROUND);
  const data = makeDataset({ source: 'points', values: Float32Array.from(POINTS.flat()), shape: [2], size: POINTS.length });
  const expected = POINTS.map((x) => marginalNll(FOREGROUND, x) - marginalNll(BACKGROUND, x));
  assertClose(likelihoodRatioScores(model, background, data, { samples: 3 }), expected, 1e-4, 1e-4, 'ratio');
  // The same through a detector, whose threshold is the ratio's 50th percentile on the same points.
  const detector = new AnomalyDetector(model, { score: 'ratio', threshold: { kind: 'percentile', q: 50 }, samples: 2, background }).fit(data);
  assertClose(detector.decisionScores, expected, 1e-4, 1e-4, 'detector');
  assertClose([detector.threshold], [[...expected].sort((a, b) => a - b)[2]], 1e-4, 1e-4, 'threshold');
  model.dispose();
  background.dispose();
});

test('ratio: refuses a plain AE (model or background) and a detector without a background, in one line', () => {
  const vae = exactVae(FOREGROUND);
  const ae = createModel(defaultConfig('ae', [2], { latentDim: 1, hiddenUnits: [] }));
  const data = makeDataset({ source: 'points', values: Float32Array.from(POINTS.flat()), shape: [2], size: POINTS.length });
  assert.throws(() => likelihoodRatioScores(ae, vae, data, { samples: 1 }), (e: Error) => e instanceof UserError && /the model must be a VAE kind; this is a 'ae'/.test(e.message));
  assert.throws(() => likelihoodRatioScores(vae, ae, data, { samples: 1 }), /the background model must be a VAE kind/);
  assert.throws(() => new AnomalyDetector(vae, { score: 'ratio', threshold: { kind: 'percentile', q: 99 } }), /needs a background model/);
  assert.throws(() => anomalyScores(vae, data, 'ratio'), /needs a background model/);
  vae.dispose();
  ae.dispose();
});

test('perturb: about the given share of features replaced, by uint8 levels (images) or uniform draws in the data\'s range', () => {
  const n = 400;
  const d = 50;
  const images = makeDataset({ source: 'images', values: new Uint8Array(n * d).fill(128), shape: [d], size: n });
  assert.deepEqual(perturbRangeOf(images), { lo: 0, hi: 1, levels: 256 });
  const x = tf.fill([n, d], 128 / 255) as tf.Tensor2D;
  const out = perturb(x, 0.2, perturbRangeOf(images), new Rng(5)).dataSync();
  let changed = 0;
  for (const v of out) {
    if (Math.abs(v - 128 / 255) > 1e-7) changed++;
    assert.ok(v >= 0 && v <= 1 && Math.abs(v * 255 - Math.round(v * 255)) < 1e-4, `${v} is not a uint8 level`);
  }
  // 20,000 features, each replaced with probability 0.2 (a replacement that draws 128 again looks unchanged: 1/256):
  // the count is Binomial(20000, 0.2·255/256), mean 3984, standard deviation 57.
  assert.ok(Math.abs(changed - 3984) < 4 * 57, `${changed} features changed`);
  assert.deepEqual(Array.from(perturb(x, 0, perturbRangeOf(images), new Rng(5)).dataSync()), Array.from(x.dataSync()), 'rate 0 changes nothing');

  const table = makeDataset({ source: 'table', values: Float32Array.from({ length: 300 }, (_, i) => -3 + (i % 7)), shape: [3], size: 100 });
  const range = perturbRangeOf(table);
  assert.deepEqual(range, { lo: -3, hi: 3 });
  const drawn = perturb(tf.fill([100, 3], 10) as tf.Tensor2D, 0.5, range, new Rng(2)).dataSync();
  const replaced = Array.from(drawn).filter((v) => v !== 10);
  assert.ok(replaced.length > 100 && replaced.length < 200 && replaced.every((v) => v >= -3 && v <= 3), `${replaced.length} replaced`);
  assert.throws(() => perturb(x, 1, range, new Rng(1)), /must be in \[0, 1\)/);
  x.dispose();
});

test('fit with perturb: the background model trains on perturbed copies (the data itself is left as it was)', async () => {
  const rng = new Rng(9);
  const values = new Uint8Array(200 * 16).map(() => (rng.next() < 0.5 ? 0 : 255));
  const data = makeDataset({ source: 'bits', values, shape: [16], size: 200 });
  const before = Uint8Array.from(values);
  const model = createModel(defaultConfig('vae', [16], { latentDim: 2, hiddenUnits: [8] }));
  const plain = createModel(defaultConfig('vae', [16], { latentDim: 2, hiddenUnits: [8] }));
  const a = await fit(model, data, { epochs: 2, batchSize: 50, perturb: 0.3 });
  const b = await fit(plain, data, { epochs: 2, batchSize: 50 });
  assert.deepEqual(data.values, before);
  assert.notEqual(a.history[1].train.total, b.history[1].train.total, 'perturbed inputs change the training loss');
  await assert.rejects(fit(model, data, { epochs: 1, perturb: 1.5 }), /perturbation rate must be in \[0, 1\)/);
  model.dispose();
  plain.dispose();
});
