// Checkpoints and guarded training: a run interrupted and resumed ends with exactly the weights of an uninterrupted
// one; non-finite batches are skipped before the update; divergence stops with the last good weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertClose, tempDir } from './helpers.js';
import { makeDataset, type Dataset } from '../src/data/dataset.js';
import { createModel, defaultConfig, type ModelConfig } from '../src/models/registry.js';
import type { AutoencoderModel } from '../src/models/types.js';
import { loadCheckpoint, saveRun } from '../src/io/run-dir.js';
import { fit, type EpochMetrics, type FitOptions, type TrainerState } from '../src/train/trainer.js';
import { TrainingStopped } from '../src/train/guard.js';
import { Rng } from '../src/train/rng.js';

function toyData(size: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const values = new Float32Array(size * 6);
  for (let i = 0; i < size; i++) {
    const a = rng.next();
    for (let j = 0; j < 6; j++) values[i * 6 + j] = j / 6 < a ? 0.9 : 0.1 + 0.05 * rng.next();
  }
  return makeDataset({ source: `toy${seed}`, values, shape: [6], size });
}

const train = toyData(200, 1);
const validation = toyData(50, 2);
const weightsOf = (model: AutoencoderModel) => model.trainableVariables().map((v) => Array.from(v.dataSync()));

function assertSameWeights(actual: AutoencoderModel, expected: AutoencoderModel): void {
  const [a, e] = [weightsOf(actual), weightsOf(expected)];
  assert.equal(a.length, e.length);
  a.forEach((w, i) => assertClose(w, e[i], 1e-5, 1e-6, `variable ${i}`));
}

const CONFIGS: ModelConfig[] = [
  defaultConfig('vae', [6], { latentDim: 2, hiddenUnits: [8] }),
  defaultConfig('beta-vae', [6], { latentDim: 2, hiddenUnits: [8], klSchedule: 'linear', warmupEpochs: 3 }),
  defaultConfig('vae', [6], { latentDim: 2, hiddenUnits: [8], likelihood: 'gaussian', learnSigma: true, sigma: 0.5 }),
  defaultConfig('denoising-ae', [6], { latentDim: 2, hiddenUnits: [8], noise: 'gaussian', noiseLevel: 0.1 }),
];

for (const config of CONFIGS) {
  test(`${config.kind}${'learnSigma' in config && config.learnSigma ? ' (learned σ)' : ''}: interrupted mid-epoch, saved, loaded and resumed, it ends with the uninterrupted run's weights`, async () => {
    const options: FitOptions = { epochs: 4, batchSize: 32, seed: 7, validationData: validation, patience: 3 };
    const reference = createModel(config);
    const whole = await fit(reference, train, options);

    const abort = new AbortController();
    const first = createModel(config);
    const part = await fit(first, train, {
      ...options, signal: abort.signal,
      callbacks: { onBatchEnd: ({ epoch, batch }) => epoch === 2 && batch === 3 && abort.abort() },
    });
    assert.ok(part.interrupted, 'the run reports where it stopped');
    assert.equal(part.interrupted.epoch, 2);
    assert.equal(part.interrupted.batch, 3);
    const dir = join(tempDir(), 'run');
    await saveRun(dir, first, { data: { source: 'toy', shape: [6] }, history: part.history, backend: 'test', checkpoint: part.interrupted });
    first.dispose();

    const { model: second, state } = await loadCheckpoint(dir);
    const resumed = await fit(second, train, { ...options, resume: state });
    // Bit-identical on an idle machine; under heavy CPU contention the native backend's results can move by an ulp
    // even between two uninterrupted runs, so the comparison allows float32 rounding and nothing more.
    assertSameWeights(second, reference);
    const terms = (history: EpochMetrics[]) => history.flatMap((h) => [h.train.total, h.train.kl, h.validation!.total]);
    assertClose(terms(resumed.history), terms(whole.history), 1e-5, 1e-6, 'loss terms');
    reference.dispose();
    second.dispose();
  });
}

test('an epoch-end checkpoint resumes to the same weights, and a finished run has nothing to resume', async () => {
  const config = defaultConfig('vae', [6], { latentDim: 2, hiddenUnits: [8] });
  const reference = createModel(config);
  await fit(reference, train, { epochs: 3, batchSize: 64, seed: 3 });
  const dir = join(tempDir(), 'run');
  const model = createModel(config);
  let saved: TrainerState | undefined;
  await fit(model, train, {
    epochs: 3, batchSize: 64, seed: 3, checkpointEvery: 2,
    onCheckpoint: async (state) => {
      saved = state;
      await saveRun(dir, model, { data: { source: 'toy', shape: [6] }, history: state.history, backend: 'test', checkpoint: state });
    },
  });
  assert.equal(saved?.epoch, 3, 'one checkpoint, after epoch 2');
  const { model: resumedModel, state } = await loadCheckpoint(dir);
  await fit(resumedModel, train, { epochs: 3, batchSize: 64, seed: 3, resume: state });
  assertSameWeights(resumedModel, reference);
  await saveRun(dir, resumedModel, { data: { source: 'toy', shape: [6] }, history: [], backend: 'test' });
  await assert.rejects(loadCheckpoint(dir), /a finished run, nothing to resume/);
});

/** Makes the model's total loss NaN on the batches `bad` (counted from 0 over the run). */
function poison(model: AutoencoderModel, bad: (step: number) => boolean): void {
  const lossTerms = model.lossTerms.bind(model);
  let step = 0;
  model.lossTerms = (x, rng, training) => {
    const terms = lossTerms(x, rng, training);
    return training && bad(step++) ? { ...terms, total: terms.total.mul(NaN) } : terms;
  };
}

test('a batch with a non-finite loss is skipped before the update and counted; five in a row stop with the last good weights', async () => {
  const config = defaultConfig('ae', [6], { latentDim: 2, hiddenUnits: [8] });
  const model = createModel(config);
  poison(model, (step) => step === 2);
  const result = await fit(model, train, { epochs: 2, batchSize: 50 });
  assert.equal(result.skippedBatches, 1);
  assert.ok(weightsOf(model).flat().every(Number.isFinite));
  assert.ok(result.history.every((h) => Number.isFinite(h.train.total)));

  const stopped = createModel(config);
  // 4 batches an epoch: epoch 2 turns bad after its first batch, the fifth bad batch in a row is epoch 3's second.
  poison(stopped, (step) => step >= 5);
  let afterEpoch2: number[][] = [];
  await assert.rejects(
    fit(stopped, train, { epochs: 4, batchSize: 50, callbacks: { onEpochEnd: (m) => m.epoch === 2 && (afterEpoch2 = weightsOf(stopped)) } }),
    (err) => err instanceof TrainingStopped && /at epoch 3, batch 2: 5 batches in a row had a loss of NaN; lower the learning rate/.test(err.message),
  );
  assert.ok(afterEpoch2.length > 0);
  assert.deepEqual(weightsOf(stopped), afterEpoch2);
});

test('a diverging run stops with a message naming the learning rate and keeps its last good weights', async () => {
  const model = createModel(defaultConfig('vae', [6], { latentDim: 2, hiddenUnits: [8] }));
  const before = weightsOf(model);
  await assert.rejects(fit(model, train, { epochs: 3, batchSize: 20, adam: { learningRate: 1e4 } }),
    (err) => err instanceof TrainingStopped && /training (diverged|stopped) at epoch 1, batch \d+: .*learning rate \(--lr\)/.test(err.message));
  assert.deepEqual(weightsOf(model), before, 'diverged in its first epoch: the initial weights are the last good ones');
});
