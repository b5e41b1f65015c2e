// VQ-VAE: the straight-through gradient against finite differences of the surrogate it is the gradient of, the
// codebook and commitment losses and the moving-average update computed by hand, codebook use on clusters whose
// number is known, the prior fitted by counting, and a saved run that loads and trains exactly as the one in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../src/backend/tfjs.js';
import { createModel, defaultConfig, restoreModel } from '../src/models/registry.js';
import { VqVae, type VqVaeConfig } from '../src/models/vq-vae.js';
import { hasDiscreteCode, hasPrior, isLatentVariable } from '../src/models/types.js';
import { batchTensor, makeDataset, type Dataset } from '../src/data/dataset.js';
import { fit } from '../src/train/trainer.js';
import { codeIndicesOf } from '../src/train/diagnostics.js';
import { loadRun, saveRun } from '../src/io/run-dir.js';
import { Rng } from '../src/train/rng.js';
import { assertClose, cli, tempDir } from './helpers.js';

function vq(overrides: Partial<VqVaeConfig>, shape = [6]): VqVae {
  return createModel(defaultConfig('vq-vae', shape, { latentDim: 4, positions: 2, codebookSize: 5, hiddenUnits: [5], seed: 3, ...overrides })) as VqVae;
}

/** The codebook [K, width] as numbers, and a way to set it. */
const codebookOf = (m: VqVae) => Array.from(m.decoder.layers[0].getWeights()[0].dataSync());
const setCodebook = (m: VqVae, values: number[], k: number) => m.decoder.layers[0].setWeights([tf.tensor2d(values, [k, values.length / k])]);

test('the capabilities of a VQ-VAE: a discrete code and a prior; no Gaussian posterior', () => {
  const m = vq({});
  assert.ok(hasDiscreteCode(m) && hasPrior(m) && !isLatentVariable(m));
  const ae = createModel(defaultConfig('ae', [6], { latentDim: 2 }));
  assert.ok(!hasDiscreteCode(ae) && !hasPrior(ae));
  assert.throws(() => createModel(defaultConfig('vq-vae', [6], { latentDim: 5, positions: 2 })), /latentDim' must be a multiple of positions/);
});

test('straight-through: the encoder gradient is the gradient of recon(decoder(z_e − z_e⁰ + e⁰)) + β‖z_e − e⁰‖², by finite differences', () => {
  const m = vq({ codebookUpdate: 'loss', loss: 'mse', outputActivation: 'linear', activation: 'tanh' });
  const rng = new Rng(1);
  const x = tf.tensor2d(Array.from({ length: 3 * 6 }, () => rng.normal()), [3, 6]);
  m.lossTerms(x, new Rng(2), true).total.dispose(); // seeds the codebook from these encodings
  const kernel = m.encoder.trainableWeights[0].read() as tf.Variable;
  const { grads } = tf.variableGrads(() => m.lossTerms(x, new Rng(2), true).total.sum() as tf.Scalar, [kernel]);
  const analytic = Array.from(grads[kernel.name].dataSync());
  // The surrogate, with the snapped entries e⁰ and the encodings z_e⁰ of the unperturbed weights held fixed.
  const z0 = m.encoder.predict(x) as tf.Tensor2D;
  const e0 = m.entries(m.quantize(z0));
  const body = m.decoder.layers[2] as unknown as { predict(t: tf.Tensor): tf.Tensor };
  const surrogate = (): number => tf.tidy(() => {
    const ze = m.encoder.predict(x) as tf.Tensor2D;
    const xHat = body.predict(ze.sub(z0).add(e0));
    const recon = xHat.sub(x).square().sum();
    const commitment = ze.sub(e0).square().sum().mul(0.25);
    return recon.add(commitment).dataSync()[0];
  });
  const values = kernel.dataSync().slice();
  const h = 1e-2;
  for (const i of [0, 7, 13, 22, 29]) {
    const at = (delta: number) => {
      const v = values.slice();
      v[i] += delta;
      kernel.assign(tf.tensor(v, kernel.shape));
      return surrogate();
    };
    const fd = (at(h) - at(-h)) / (2 * h);
    kernel.assign(tf.tensor(values, kernel.shape));
    assertClose([analytic[i]], [fd], 2e-2, 2e-3, `∂/∂kernel[${i}]`);
  }
});

test('codebook and commitment losses by hand; the moving-average update by hand', () => {
  // One dense layer, identity weights: z_e = x. Two positions of two values each; three entries.
  const make = (update: 'loss' | 'ema', params = {}) => {
    const m = vq({ latentDim: 4, positions: 2, codebookSize: 3, hiddenUnits: [], commitment: 0.5, codebookUpdate: update, emaDecay: 0.9 }, [4]);
    m.encoder.layers[1].setWeights([tf.eye(4), tf.zeros([4])]);
    const restored = restoreModel(m.config, m.encoder, m.decoder, params) as VqVae;
    setCodebook(restored, [0, 0, 1, 1, -2, 0], 3);
    return restored;
  };
  const x = [0.2, 0.1, 0.9, 1.3, -1, 0.4, 3, 3];
  const m = make('loss');
  const xs = tf.tensor2d(x, [2, 4]);
  assert.deepEqual(Array.from(m.codeIndices(xs).dataSync()), [0, 1, 2, 1]);
  // ‖z − e‖² per example: (0.04 + 0.01) + (0.01 + 0.09) = 0.15; (1 + 0.16) + (4 + 4) = 9.16.
  const sq = [0.15, 9.16];
  const terms = m.lossTerms(xs, new Rng(1), false);
  assertClose(terms.penalty!.dataSync(), sq.map((v) => v * (1 + 0.5)), 1e-5, 1e-6, 'codebook + β·commitment');
  // EMA, from counts 2, 2, 2 and sums 2·e (each entry the mean of two earlier encodings), γ = 0.9.
  const ema = make('ema', { codebookSeeded: 1, emaCount: [2, 2, 2], emaSum: [0, 0, 2, 2, -4, 0] });
  assertClose(ema.lossTerms(xs, new Rng(1), false).penalty!.dataSync(), sq.map((v) => v * 0.5), 1e-5, 1e-6, 'β·commitment');
  ema.lossTerms(xs, new Rng(1), true);
  // Won: entry 0 ← (0.2, 0.1); entry 1 ← (0.9, 1.3) and (3, 3); entry 2 ← (−1, 0.4).
  const counts = [0.9 * 2 + 0.1 * 1, 0.9 * 2 + 0.1 * 2, 0.9 * 2 + 0.1 * 1];
  const sums = [0.1 * 0.2, 0.1 * 0.1, 0.9 * 2 + 0.1 * 3.9, 0.9 * 2 + 0.1 * 4.3, 0.9 * -4 + 0.1 * -1, 0.1 * 0.4];
  const total = counts.reduce((a, b) => a + b, 0);
  const smoothed = counts.map((n) => ((n + 1e-5) / (total + 3e-5)) * total);
  assertClose(codebookOf(ema), sums.map((s, i) => s / smoothed[Math.floor(i / 2)]), 1e-5, 1e-6, 'entries after one step');
  const saved = ema.extraParams();
  assertClose(saved.emaCount as number[], counts, 1e-12, 1e-12, 'moving counts');
});

test('the prior is the count of each index at each position, plus one, normalised; sampling follows it', () => {
  const m = vq({ latentDim: 4, positions: 2, codebookSize: 3 });
  m.fitPrior(Int32Array.from([0, 2, 0, 2, 1, 2, 0, 1]));
  // Position 0 saw 0, 0, 1, 0 → (3+1, 1+1, 0+1) / 7; position 1 saw 2, 2, 2, 1 → (1, 2, 4) / 7.
  assertClose(m.extraParams().prior as number[], [4 / 7, 2 / 7, 1 / 7, 1 / 7, 2 / 7, 4 / 7], 1e-12, 1e-12, 'prior');
  const codes = m.samplePriorCodes(7_000, new Rng(4));
  const indices = Array.from(m.quantize(tf.tensor2d(codes, [7_000, 4])).dataSync());
  const share = (p: number, j: number) => indices.filter((v, i) => i % 2 === p && v === j).length / 7_000;
  assertClose([share(0, 0), share(1, 2)], [4 / 7, 4 / 7], 0, 0.02, 'sampled shares');
  assert.deepEqual(new Set(m.samplePriorCodes(20, new Rng(4), 0)).size <= 4, true, 'temperature 0 takes each position\'s mode');
});

/** 4 well-separated clusters in 8 dimensions, 100 points each, labelled by cluster. */
function clusters(): Dataset {
  const rng = new Rng(9);
  const values = new Float32Array(400 * 8);
  const labels = new Int32Array(400);
  for (let i = 0; i < 400; i++) {
    const c = i % 4;
    labels[i] = c;
    for (let j = 0; j < 8; j++) values[i * 8 + j] = (j === 2 * c || j === 2 * c + 1 ? 3 : 0) + 0.1 * rng.normal();
  }
  return makeDataset({ source: 'clusters', values, shape: [8], size: 400, labels });
}

test('on 4 known clusters the codebook gives each cluster its own entries, and the epoch report counts them', async () => {
  const data = clusters();
  const m = createModel(defaultConfig('vq-vae', [8], { latentDim: 2, positions: 1, codebookSize: 8, hiddenUnits: [16], outputActivation: 'linear' })) as VqVae;
  const { history } = await fit(m, data, { epochs: 30, batchSize: 32, adam: { learningRate: 3e-3 } });
  const indices = codeIndicesOf(m, data);
  // Every entry in use holds points of one cluster only.
  const owner = new Map<number, Set<number>>();
  indices.forEach((j, i) => owner.set(j, (owner.get(j) ?? new Set()).add(data.labels![i])));
  for (const [entry, owners] of owner) assert.equal(owners.size, 1, `entry ${entry} holds clusters ${[...owners]}`);
  assert.ok(owner.size >= 4, `${owner.size} entries in use`);
  const last = history[history.length - 1].diagnostics!;
  assert.equal(last.codebookUsed, owner.size);
  assert.ok(last.codebookPerplexity >= 3.5 && last.codebookPerplexity <= owner.size + 1e-9, `perplexity ${last.codebookPerplexity}`);
});

test('save → load gives the same outputs, prior and moving averages; one more step trains both alike', async () => {
  const data = clusters();
  const a = createModel(defaultConfig('vq-vae', [8], { latentDim: 4, positions: 2, codebookSize: 6, hiddenUnits: [16] })) as VqVae;
  await fit(a, data, { epochs: 2, batchSize: 50 });
  const dir = join(tempDir(), 'run');
  await saveRun(dir, a, { data: { source: 'clusters', shape: [8] }, history: [], backend: 'test' });
  const b = (await loadRun(dir)).model as VqVae;
  const x = batchTensor(data, 0, 40);
  const same = () => {
    assert.deepEqual(Array.from(b.codeIndices(x).dataSync()), Array.from(a.codeIndices(x).dataSync()));
    assert.deepEqual(Array.from(b.decode(b.encode(x)).dataSync()), Array.from(a.decode(a.encode(x)).dataSync()));
    assert.deepEqual(b.extraParams(), a.extraParams());
  };
  same();
  for (const m of [a, b]) await fit(m, data, { epochs: 1, batchSize: 400, seed: 5 });
  same();
});

test('CLI: train vq-vae; encode writes codebook indices; compress stores them exactly; sample; ONNX export names the codebook', () => {
  const dir = tempDir();
  const run = join(dir, 'vq');
  const trained = cli('train', '--model', 'vq-vae', '--data', 'mnist', '--limit', '600', '--epochs', '2', '--latent', '16', '--positions', '4', '--codebook-size', '16', '--out', run);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stderr, /codebook used \d+  perplexity [\d.]+/);
  assert.ok(existsSync(join(run, 'samples.png')));
  const codes = join(dir, 'codes.csv');
  assert.equal(cli('encode', run, '--data', 'mnist', '--limit', '50', '--out', codes).code, 0);
  const lines = readFileSync(codes, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'c0,c1,c2,c3,label');
  for (const line of lines.slice(1)) assert.ok(line.split(',').slice(0, 4).every((v) => /^\d+$/.test(v) && Number(v) < 16), line);
  const lkz = join(dir, 'codes.lkz');
  const compressed = cli('compress', run, '--data', 'mnist', '--limit', '50', '--out', lkz, '--json');
  assert.equal(compressed.code, 0, compressed.stderr);
  // Header 30 + 4·rank(3) + 8·4 ranges, then one byte per index.
  assert.equal(statSync(lkz).size, 30 + 12 + 32 + 50 * 4);
  const png = join(dir, 'decompressed.csv');
  assert.equal(cli('decompress', run, lkz, '--out', png).code, 0);
  assert.equal(cli('sample', run, '--out', join(dir, 's.png')).code, 0);
  assert.match(cli('export', run, '--format', 'onnx', '--out', join(dir, 'onnx')).stderr, /decoder layer 'codebook' \(Embedding\) has no ONNX export here/);
});
