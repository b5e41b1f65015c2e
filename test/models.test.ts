// Models: the ELBO of a tiny fixed-weight VAE by hand, training lowers the loss, reproducibility, no leaks, user parts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertClose } from './helpers.js';
import * as tf from '../src/backend/tfjs.js';
import { featureCount, makeDataset, type Dataset } from '../src/data/dataset.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { VariationalAutoencoder } from '../src/models/vae.js';
import { BetaVae, klWeight } from '../src/models/beta-vae.js';
import { corrupt, sparsityPenalty, DenoisingAutoencoder } from '../src/models/denoising.js';
import { samplePrior } from '../src/tasks/latent.js';
import { UserError } from '../src/errors.js';
import { Rng } from '../src/train/rng.js';
import { fit, evaluate } from '../src/train/trainer.js';
import { MODEL_KINDS, type ModelKind } from '../src/models/types.js';
import type { ModelConfig } from '../src/models/registry.js';

/** 400 examples of 16 binary-ish features made from 2 hidden causes, so a small model can learn them. */
function toyData(n = 400, seed = 3): Dataset {
  const rng = new Rng(seed);
  const values = new Float32Array(n * 16);
  for (let i = 0; i < n; i++) {
    const a = rng.next();
    const b = rng.next();
    for (let j = 0; j < 16; j++) values[i * 16 + j] = j < 8 ? (j / 8 < a ? 1 : 0) : ((j - 8) / 8 < b ? 0.9 : 0.1);
  }
  return makeDataset({ source: 'toy', values, shape: [16], size: n });
}

test('ELBO of a tiny fixed-weight VAE equals the hand-computed value', () => {
  const config = defaultConfig('vae', [2], { latentDim: 1, hiddenUnits: [] });
  const vae = createModel(config) as VariationalAutoencoder;
  // μ = 0.5·x₁ − 0.3·x₂ + 0.1; logvar = −0.4·x₁ + 0.2·x₂ − 0.5; logits = [1.5·z + 0.2, −0.7·z − 0.1]
  vae.encoder.getLayer('z_mean').setWeights([tf.tensor2d([[0.5], [-0.3]]), tf.tensor1d([0.1])]);
  vae.encoder.getLayer('z_log_var').setWeights([tf.tensor2d([[-0.4], [0.2]]), tf.tensor1d([-0.5])]);
  vae.decoder.getLayer('decoder_output').setWeights([tf.tensor2d([[1.5, -0.7]]), tf.tensor1d([0.2, -0.1])]);
  const x = [1, 0];
  const eps = new Rng(42).normal();
  const mu = 0.5 * x[0] - 0.3 * x[1] + 0.1;
  const lv = -0.4 * x[0] + 0.2 * x[1] - 0.5;
  const z = mu + Math.exp(lv / 2) * eps;
  const logits = [1.5 * z + 0.2, -0.7 * z - 0.1];
  const recon = logits.reduce((acc, l, i) => acc - (x[i] * Math.log(1 / (1 + Math.exp(-l))) + (1 - x[i]) * Math.log(1 - 1 / (1 + Math.exp(-l)))), 0);
  const kl = 0.5 * (Math.exp(lv) + mu * mu - 1 - lv);
  const terms = vae.lossTerms(tf.tensor2d([x]), new Rng(42), false);
  assertClose(terms.reconstruction.dataSync(), [recon], 1e-5, 1e-6, 'reconstruction');
  assertClose(terms.kl.dataSync(), [kl], 1e-5, 1e-6, 'kl');
  assertClose(terms.total.dataSync(), [recon + kl], 1e-5, 1e-6, 'total');
  vae.dispose();
});

/** A small config and data for each kind: 16 features for dense kinds, 8×8×1 images for conv kinds. */
function fixture(kind: ModelKind): { config: ModelConfig; data: Dataset } {
  const FIXTURES: Record<ModelKind, () => { config: ModelConfig; data: Dataset }> = {
    ae: () => ({ config: defaultConfig('ae', [16], { latentDim: 2, hiddenUnits: [32] }), data: toyData() }),
    vae: () => ({ config: defaultConfig('vae', [16], { latentDim: 2, hiddenUnits: [32] }), data: toyData() }),
    'conv-ae': () => ({ config: defaultConfig('conv-ae', [8, 8, 1], { latentDim: 2, filters: [4, 8] }), data: toyImages() }),
    'denoising-ae': () => ({ config: defaultConfig('denoising-ae', [16], { latentDim: 2, hiddenUnits: [32], noiseLevel: 0.2 }), data: toyData() }),
    'sparse-ae': () => ({ config: defaultConfig('sparse-ae', [16], { latentDim: 4, hiddenUnits: [32], sparsityWeight: 0.01 }), data: toyData() }),
    'seq-ae': () => ({ config: defaultConfig('seq-ae', [6, 2], { latentDim: 2, units: 8 }), data: toySeries() }),
    cvae: () => ({ config: defaultConfig('cvae', [16], { latentDim: 2, hiddenUnits: [32], classes: 2 }), data: labelled(toyData()) }),
    iwae: () => ({ config: defaultConfig('iwae', [16], { latentDim: 2, hiddenUnits: [32], samples: 4 }), data: toyData() }),
    'beta-vae': () => ({ config: defaultConfig('beta-vae', [16], { latentDim: 2, hiddenUnits: [32], beta: 2, freeBits: 0.1 }), data: toyData() }),
    'conv-vae': () => ({ config: defaultConfig('conv-vae', [8, 8, 1], { latentDim: 2, filters: [4, 8] }), data: toyImages() }),
    'vq-vae': () => ({ config: defaultConfig('vq-vae', [16], { latentDim: 4, positions: 2, codebookSize: 8, hiddenUnits: [32] }), data: toyData() }),
  };
  return FIXTURES[kind]();
}

/** Windows of 6 steps of two phase-shifted sine waves with random phase. */
function toySeries(n = 200, seed = 6): Dataset {
  const rng = new Rng(seed);
  const values = new Float32Array(n * 12);
  for (let i = 0; i < n; i++) {
    const phase = rng.next() * 2 * Math.PI;
    for (let t = 0; t < 6; t++) {
      values[i * 12 + t * 2] = 0.5 + 0.4 * Math.sin(phase + t / 2);
      values[i * 12 + t * 2 + 1] = 0.5 + 0.4 * Math.cos(phase + t / 2);
    }
  }
  return makeDataset({ source: 'waves', values, shape: [6, 2], size: n });
}

/** The toy rows with a label: 1 when feature 4 is on (the first hidden cause is above ½). */
function labelled(data: Dataset): Dataset {
  return { ...data, labels: Int32Array.from({ length: data.size }, (_, i) => (data.values[i * 16 + 4] > 0.5 ? 1 : 0)) };
}

/** 8×8 images of a bright square whose corner moves: two hidden causes. */
function toyImages(n = 300, seed = 5): Dataset {
  const rng = new Rng(seed);
  const values = new Float32Array(n * 64);
  for (let i = 0; i < n; i++) {
    const r = Math.floor(rng.next() * 5);
    const c = Math.floor(rng.next() * 5);
    for (let y = r; y < r + 4; y++) for (let x = c; x < c + 4; x++) values[i * 64 + y * 8 + x] = 1;
  }
  return makeDataset({ source: 'squares', values, shape: [8, 8, 1], size: n });
}

for (const kind of MODEL_KINDS) {
  test(`${kind}: a few epochs lower the loss; shapes and finite positive loss`, async () => {
    const { config, data } = fixture(kind);
    const model = createModel(config);
    const d = featureCount(data.shape);
    const before = evaluate(model, data);
    assert.ok(Number.isFinite(before.total) && before.total > 0);
    const { history } = await fit(model, data, { epochs: 8, batchSize: 32, adam: { learningRate: 3e-3 } });
    const after = evaluate(model, data);
    assert.ok(after.total < 0.8 * before.total, `${kind}: loss ${before.total} → ${after.total}`);
    assert.ok(history[history.length - 1].train.total < history[0].train.total);
    const c = model.classes ?? 0;
    const code = model.encode(tf.zeros([5, d + c]));
    assert.deepEqual(code.shape, [5, config.latentDim]);
    assert.deepEqual(model.decode(c ? tf.concat([code, tf.zeros([5, c])], 1) : code).shape, [5, d]);
    model.dispose();
  });
}

test('conv kinds build for 32×32×3 colour images', () => {
  const model = createModel(defaultConfig('conv-vae', [32, 32, 3], { latentDim: 4, filters: [8, 16, 16] }));
  assert.deepEqual(model.decode(tf.zeros([2, 4])).shape, [2, 32 * 32 * 3]);
  assert.deepEqual(model.encode(tf.zeros([2, 32 * 32 * 3])).shape, [2, 4]);
});

test('conv kinds reject images whose sides do not halve evenly, and non-images', () => {
  assert.throws(() => createModel(defaultConfig('conv-vae', [28, 28, 1], { filters: [8, 16, 32] })),
    (e: Error) => e instanceof UserError && /28×28 images cannot be halved 3 times evenly \(28 → 3\.5\)/.test(e.message));
  assert.throws(() => createModel(defaultConfig('conv-ae', [16], {})), (e: Error) => e instanceof UserError && /needs images \[height, width, channels\]/.test(e.message));
});

test('the same seed gives the same metrics; another seed does not', async () => {
  const run = async (seed: number) => {
    const model = createModel(defaultConfig('vae', [16], { latentDim: 2, hiddenUnits: [8], seed }));
    const { history } = await fit(model, toyData(), { epochs: 2, batchSize: 50, seed });
    model.dispose();
    return history.map((h) => h.train.total);
  };
  const a = await run(5);
  assert.deepEqual(await run(5), a);
  assert.notDeepEqual(await run(6), a);
});

test('training does not leak tensors from one epoch to the next', async () => {
  const model = createModel(defaultConfig('vae', [16], { latentDim: 2, hiddenUnits: [8] }));
  const counts: number[] = [];
  await fit(model, toyData(), { epochs: 3, batchSize: 64, validationData: toyData(50, 9), callbacks: { onEpochEnd: () => counts.push(tf.memory().numTensors) } });
  assert.equal(counts[2], counts[1], `tensors per epoch: ${counts}`);
  model.dispose();
});

test('early stopping restores the best validation weights', async () => {
  const model = createModel(defaultConfig('ae', [16], { latentDim: 2, hiddenUnits: [8] }));
  const validation = toyData(60, 11);
  const result = await fit(model, toyData(), { epochs: 30, batchSize: 200, patience: 1, validationData: validation, adam: { learningRate: 0.5 } });
  const best = Math.min(...result.history.map((h) => h.validation!.total));
  assertClose([evaluate(model, validation).total], [best], 1e-5);
  model.dispose();
});

test('user-supplied encoder and decoder are used, and a mismatch is a clear error', async () => {
  const encoder = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [16], units: 12, activation: 'tanh' })] });
  const decoder = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 16 })] });
  const vae = createModel(defaultConfig('vae', [16], { latentDim: 3 }), { encoder, decoder });
  assert.equal(vae.decoder, decoder);
  await fit(vae, toyData(100), { epochs: 1, batchSize: 50 });
  const wrongDecoder = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 15 })] });
  assert.throws(() => createModel(defaultConfig('vae', [16], { latentDim: 3 }), { encoder, decoder: wrongDecoder }),
    (e: Error) => e instanceof UserError && /decoder returns \[15\]/.test(e.message));
  const wrongEncoder = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [10], units: 3 })] });
  assert.throws(() => createModel(defaultConfig('ae', [16], { latentDim: 3 }), { encoder: wrongEncoder, decoder }),
    (e: Error) => e instanceof UserError && /encoder takes \[10\]/.test(e.message));
});

test('bad data shapes and non-finite values are user errors', async () => {
  const model = createModel(defaultConfig('ae', [16], { latentDim: 2 }));
  const other = makeDataset({ source: 'other', values: new Float32Array(20), shape: [10], size: 2 });
  await assert.rejects(fit(model, other, { epochs: 1 }), /shape \[10\] do not fit/);
  assert.throws(() => makeDataset({ source: 'nan.csv', values: Float32Array.from([1, NaN]), shape: [2], size: 1 }), /example 0, feature 1 is NaN/);
});

test('invalid configs are user errors that name the field', () => {
  assert.throws(() => createModel(defaultConfig('vae', [16], { latentDim: 0 })), (e: Error) => e instanceof UserError && /'latentDim'/.test(e.message));
  assert.throws(() => createModel(defaultConfig('ae', [16], { hiddenUnits: [8, -1] })), (e: Error) => e instanceof UserError && /'hiddenUnits\.1'/.test(e.message));
  assert.throws(() => createModel(defaultConfig('vae', [16], { activation: 'swoosh' as never })), (e: Error) => e instanceof UserError && /'activation'/.test(e.message));
});

test('KL schedules per step: constant β, linear warm-up from 0, cyclical annealing (hand-computed tables)', () => {
  const c = { beta: 4, warmupEpochs: 2, cycles: 4 };
  // 4 epochs of 3 steps: 12 steps.
  const steps = Array.from({ length: 12 }, (_, t) => t);
  assert.deepEqual(steps.map((t) => klWeight({ ...c, klSchedule: 'constant' }, t, 12, 3)), Array(12).fill(4));
  // Linear over 2 epochs = 6 steps: 4·t/6, then 4.
  assertClose(steps.map((t) => klWeight({ ...c, klSchedule: 'linear' }, t, 12, 3)), [0, 4 / 6, 8 / 6, 2, 16 / 6, 20 / 6, 4, 4, 4, 4, 4, 4]);
  // 4 cycles of 3 steps: τ = 0, 1/3, 2/3 → β·min(1, 2τ) = 0, 8/3, 4 in every cycle (Fu et al.: the KL is trained in every cycle).
  assertClose(steps.map((t) => klWeight({ ...c, klSchedule: 'cyclical' }, t, 12, 3)), [0, 8 / 3, 4, 0, 8 / 3, 4, 0, 8 / 3, 4, 0, 8 / 3, 4]);
  // The epoch-level schedule this replaces gave 0, 0, 0, 0 for 4 epochs in 4 cycles; per step, every epoch reaches β.
  const perEpochMax = [0, 1, 2, 3].map((e) => Math.max(...[0, 1, 2].map((b) => klWeight({ ...c, klSchedule: 'cyclical' }, e * 3 + b, 12, 3))));
  assert.deepEqual(perEpochMax, [4, 4, 4, 4]);
  // 5 steps in 4 cycles (period 1.25): cycles start at steps 0, 1, 2, 3, each at 0; the last rises to 4·min(1, 0.8/0.5).
  assertClose([0, 1, 2, 3, 4].map((t) => klWeight({ ...c, klSchedule: 'cyclical' }, t, 5, 1)), [0, 0, 0, 0, 4]);
  // 10 steps in 3 cycles (period 10/3): cycles start at steps 0, 3, 6; τ = (t − start)/(10/3).
  assertClose(Array.from({ length: 10 }, (_, t) => klWeight({ ...c, cycles: 3, klSchedule: 'cyclical' }, t, 10, 1)),
    [0, 2.4, 4, 0, 2.4, 4, 0, 2.4, 4, 4]);
});

test('β-VAE: training objective is reconstruction + β·Σ_d max(E_batch KL_d, free bits); evaluation is the plain −ELBO', () => {
  const config = defaultConfig('beta-vae', [4], { latentDim: 3, hiddenUnits: [], beta: 3, freeBits: 0.5 });
  const model = createModel(config) as BetaVae;
  const x = tf.tensor2d([[1, 0, 1, 0], [0, 1, 1, 1]]);
  const train = model.lossTerms(x, new Rng(3), true);
  // The same ε drawn again gives the same z, so reconstruction and per-dimension KL can be recomputed independently.
  const { mu, logvar } = model.posterior(x);
  const m = mu.arraySync();
  const lv = logvar.arraySync();
  let floored = 0;
  for (let d = 0; d < 3; d++) {
    const klMean = (0.5 * (Math.exp(lv[0][d]) + m[0][d] ** 2 - 1 - lv[0][d]) + 0.5 * (Math.exp(lv[1][d]) + m[1][d] ** 2 - 1 - lv[1][d])) / 2;
    floored += Math.max(klMean, 0.5);
  }
  const recon = train.reconstruction.arraySync();
  assertClose(train.total.dataSync(), recon.map((r) => r + 3 * floored), 1e-5, 1e-5);
  const evaluated = model.lossTerms(x, new Rng(3), false);
  assertClose(evaluated.total.dataSync(), Array.from(evaluated.reconstruction.dataSync(), (r, i) => r + evaluated.kl.dataSync()[i]), 1e-6);
  model.beginStep(5, 10, 1);
  assert.equal(model.klWeight, 3);
});

test('denoising AE: noise goes into the encoder only; the target stays clean', () => {
  const model = createModel(defaultConfig('denoising-ae', [6], { latentDim: 2, hiddenUnits: [4], noise: 'gaussian', noiseLevel: 0.5 })) as DenoisingAutoencoder;
  const x = tf.tensor2d([[0, 0.2, 0.4, 0.6, 0.8, 1], [1, 0, 1, 0, 1, 0]]);
  const terms = model.lossTerms(x, new Rng(8), true);
  const noisy = corrupt(x, 'gaussian', 0.5, new Rng(8));
  const againstClean = model.reconstructionLoss(model.forward(noisy, true).reconstruction, x);
  const againstNoisy = model.reconstructionLoss(model.forward(noisy, true).reconstruction, noisy);
  assertClose(terms.reconstruction.dataSync(), againstClean.dataSync(), 1e-6);
  assert.ok(Math.abs(terms.reconstruction.dataSync()[0] - againstNoisy.dataSync()[0]) > 1e-3, 'targets must not be the noisy inputs');
  assert.deepEqual(Array.from(x.dataSync()).slice(0, 3).map((v) => Math.round(v * 10) / 10), [0, 0.2, 0.4]);
});

test('masking noise zeroes about the given fraction of features and never changes the rest', () => {
  const x = tf.ones([100, 100]) as tf.Tensor2D;
  const values = corrupt(x, 'masking', 0.3, new Rng(2)).dataSync();
  const zeros = values.filter((v) => v === 0).length;
  assert.ok(Math.abs(zeros / values.length - 0.3) < 0.02, `masked fraction ${zeros / values.length}`);
  assert.ok(values.every((v) => v === 0 || v === 1));
});

test('sparsity penalties equal hand-computed values', () => {
  const code = tf.tensor2d([[0.1, 0.5], [0.3, 0.1]]);
  // ρ̂ = [0.2, 0.3]; KL(0.05 ‖ ρ̂_j) = 0.05·ln(0.05/ρ̂) + 0.95·ln(0.95/(1 − ρ̂)), summed, times the weight 2.
  const klHand = [0.2, 0.3].reduce((acc, r) => acc + 0.05 * Math.log(0.05 / r) + 0.95 * Math.log(0.95 / (1 - r)), 0) * 2;
  assertClose(sparsityPenalty(code, { sparsity: 'kl', sparsityWeight: 2, sparsityTarget: 0.05 }).dataSync(), [klHand, klHand], 1e-5);
  assertClose(sparsityPenalty(tf.tensor2d([[0.1, -0.5], [0.3, 0.1]]), { sparsity: 'l1', sparsityWeight: 0.5, sparsityTarget: 0.05 }).dataSync(), [0.3, 0.2], 1e-6);
});

test('CVAE: the decoder output changes with the label, and decoding needs one', async () => {
  const { config, data } = fixture('cvae');
  const model = createModel(config);
  await fit(model, data, { epochs: 8, batchSize: 32, adam: { learningRate: 3e-3 } });
  const asZero = samplePrior(model, 4, { seed: 7, label: 0 });
  const asOne = samplePrior(model, 4, { seed: 7, label: 1 });
  // Label 1 means feature 4 is on: the decoder should say so for label 1 and not for label 0.
  const feature4 = (rows: Float32Array) => [0, 1, 2, 3].reduce((acc, i) => acc + rows[i * 16 + 4], 0) / 4;
  assert.ok(feature4(asOne) > feature4(asZero) + 0.3, `label 1: ${feature4(asOne)}, label 0: ${feature4(asZero)}`);
  assert.throws(() => samplePrior(model, 2), (e: Error) => e instanceof UserError && /needs a label to decode/.test(e.message));
  assert.throws(() => samplePrior(model, 2, { seed: 1, label: 5 }), /label 5 is outside the model's classes 0\.\.1/);
  await assert.rejects(fit(model, toyData(), { epochs: 1 }), /a conditional model needs labels/);
});

test('a Gaussian decoder with one learned σ per feature learns different σ for features of different spread', async () => {
  const model = createModel(defaultConfig('vae', [16], { latentDim: 2, hiddenUnits: [16], likelihood: 'gaussian', learnSigma: true, sigmaPerFeature: true, sigma: 0.5 }));
  await fit(model, toyData(), { epochs: 10, batchSize: 50, adam: { learningRate: 1e-2 } });
  const logSigma = model.extraParams().logSigma as number[];
  assert.equal(logSigma.length, 16);
  assert.ok(Math.max(...logSigma) - Math.min(...logSigma) > 0.1, `log σ ${logSigma.map((v) => v.toFixed(2))}`);
});
