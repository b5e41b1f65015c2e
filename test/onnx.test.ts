// ONNX export checked in ONNX Runtime (onnxruntime-web's wasm build): every dense and conv kind's encoder and decoder give
// latentkit's outputs in the data's own units to 1e-5, scaling folded in; unexportable layers are named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-web';
import { createModel, defaultConfig, type ModelConfig } from '../src/models/registry.js';
import { runFromFiles, runToFiles } from '../src/io/run-files.js';
import { exportOnnx } from '../src/io/onnx-export.js';
import { LatentModel } from '../src/tasks/latent-model.js';
import { fitScaling } from '../src/data/scaling.js';
import { Rng } from '../src/train/rng.js';
import { assertClose, cli, tempDir } from './helpers.js';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { saveRun } from '../src/io/run-dir.js';

ort.env.wasm.numThreads = 1;

const D = 6;
const rng = new Rng(11);
const rows = Float32Array.from({ length: 5 * D }, (_, i) => 3 * (i % D) + rng.normal());
const scaling = fitScaling('zscore', rows, D);
const unit = (n: number) => Float32Array.from({ length: n }, () => rng.next());

const CASES: [string, ModelConfig, boolean][] = [
  ['ae, table defaults, z-scored', defaultConfig('ae', [D], {}, 'table'), true],
  ['ae, images in [0, 1]', defaultConfig('ae', [D], { latentDim: 3, hiddenUnits: [8], activation: 'tanh' }), false],
  ['vae, Bernoulli', defaultConfig('vae', [D], { latentDim: 2, hiddenUnits: [8] }), false],
  ['vae, Gaussian, z-scored', defaultConfig('vae', [D], {}, 'table'), true],
  ['beta-vae', defaultConfig('beta-vae', [D], { latentDim: 2, hiddenUnits: [8, 4], activation: 'elu' }), false],
  ['iwae', defaultConfig('iwae', [D], { latentDim: 2, hiddenUnits: [8], activation: 'selu' }), false],
  ['denoising-ae', defaultConfig('denoising-ae', [D], { latentDim: 2, hiddenUnits: [8], activation: 'gelu' }), false],
  ['sparse-ae', defaultConfig('sparse-ae', [D], { latentDim: 3, hiddenUnits: [8], activation: 'swish' }), false],
  ['cvae', defaultConfig('cvae', [D], { latentDim: 2, hiddenUnits: [8], classes: 3, activation: 'softplus' }), false],
  ['conv-ae, 8×8×1, kernel 3', defaultConfig('conv-ae', [8, 8, 1], { latentDim: 3, filters: [2, 3], kernelSize: 3 }), false],
  ['conv-vae, 8×4×3 RGB, kernel 5', defaultConfig('conv-vae', [8, 4, 3], { latentDim: 2, filters: [4, 2], kernelSize: 5 }), false],
  ['conv-vae, 12×12×1, kernel 2, one convolution', defaultConfig('conv-vae', [12, 12, 1], { latentDim: 2, filters: [3], kernelSize: 2 }), false],
  ['conv-vae, 28×28×1 defaults', defaultConfig('conv-vae', [28, 28, 1]), false],
  ['seq-ae, LSTM, 7 steps × 3 features', defaultConfig('seq-ae', [7, 3], { latentDim: 2, units: 5, cell: 'lstm' }), false],
  ['seq-ae, GRU, 4 steps × 2 features', defaultConfig('seq-ae', [4, 2], { latentDim: 3, units: 6, cell: 'gru' }), false],
  ['seq-ae, LSTM defaults, 12 steps × 1 feature', defaultConfig('seq-ae', [12, 1]), false],
];

async function run(bytes: Uint8Array, feeds: Record<string, [Float32Array, number[]]>) {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, [v, dims]]) => [k, new ort.Tensor('float32', v, dims)])));
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.data as Float32Array)]));
}

for (const [name, config, scaled] of CASES) {
  test(`ONNX export in ONNX Runtime equals latentkit: ${name}`, async () => {
    const model = createModel(config);
    const d = config.inputShape.reduce((a, b) => a * b, 1);
    const { files } = await runToFiles(model, { data: { source: 'toy', shape: config.inputShape }, history: [], backend: 'test', ...(scaled && { scaling }) });
    const loaded = await runFromFiles(files);
    const lm = new LatentModel(loaded.model, loaded.manifest);
    const exported = exportOnnx(loaded.model, loaded.manifest);
    const x = scaled ? rows : unit(5 * d);
    const classes = model.classes ?? 0;
    const labels = Int32Array.from({ length: 5 }, (_, i) => i % Math.max(1, classes));
    const oneHot = Float32Array.from({ length: 5 * classes }, (_, i) => (i % classes === labels[Math.floor(i / classes)] ? 1 : 0));
    const extra: Record<string, [Float32Array, number[]]> = classes ? { label_one_hot: [oneHot, [5, classes]] } : {};
    const encoded = await run(exported.encoder, { input: [x, [5, d]], ...extra });
    const posterior = lm.posterior(x, classes ? labels : undefined);
    if (posterior) {
      assertClose(encoded.mu, posterior.mu, 1e-5, 1e-5, 'μ');
      assertClose(encoded.logvar, Array.from(posterior.sigma, (s) => 2 * Math.log(s)), 1e-4, 1e-4, 'log-variance');
    } else {
      assertClose(encoded.code, lm.encode(x), 1e-5, 1e-5, 'code');
    }
    const k = model.latentDim;
    const z = Float32Array.from({ length: 5 * k }, () => rng.normal());
    const decoded = await run(exported.decoder, { code: [z, [5, k]], ...(classes ? { label_one_hot: [Float32Array.from({ length: 5 * classes }, (_, i) => (i % classes === 1 ? 1 : 0)), [5, classes]] } : {}) });
    const [output] = Object.values(decoded);
    assertClose(output, lm.decode(z, classes ? 1 : undefined), 1e-5, 1e-5, 'decoded value');
  });
}

test('a layer with no ONNX form is refused with the layer named', () => {
  const model = createModel(defaultConfig('ae', [D], { latentDim: 2, hiddenUnits: [4] }));
  const tfl = model.encoder as unknown as { layers: { getClassName(): string }[] };
  // A layer class the exporter does not write, as a saved model from elsewhere could hold.
  Object.defineProperty(tfl.layers[0], 'getClassName', { value: () => 'SimpleRNN' });
  assert.throws(() => exportOnnx(model, { config: model.config } as never), /encoder layer '[^']+' \(SimpleRNN\) has no ONNX export here/);
});

test('latentkit export writes encoder.onnx, decoder.onnx and their description, and will not overwrite other folders', async () => {
  const dir = tempDir();
  const runDir = join(dir, 'run');
  const model = createModel(defaultConfig('vae', [D], { latentDim: 2, hiddenUnits: [4] }));
  await saveRun(runDir, model, { data: { source: 'toy', shape: [D] }, history: [], backend: 'test' });
  const r = cli('export', runDir, '--format', 'onnx', '--out', join(dir, 'onnx'));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(dir, 'onnx', 'encoder.onnx')) && existsSync(join(dir, 'onnx', 'decoder.onnx')));
  const description = JSON.parse(readFileSync(join(dir, 'onnx', 'latentkit-onnx.json'), 'utf8'));
  assert.deepEqual(Object.keys(description.encoder.outputs), ['mu', 'logvar']);
  assert.deepEqual(Object.keys(description.decoder.outputs), ['probabilities']);
  assert.match(cli('export', runDir, '--out', join(dir, 'onnx')).stderr, /holds an export already; pass --force/);
  assert.match(cli('export', runDir, '--out', runDir).stderr, /not a latentkit export/);
  assert.equal(cli('export', runDir, '--out', join(dir, 'onnx'), '--force').code, 0);
});
