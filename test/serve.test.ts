// latentkit serve's JSON API: each endpoint against the model's own computations with the run's scaling applied by
// hand, bad requests as 4xx JSON errors while the server keeps answering, and concurrent requests batched together.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../src/backend/tfjs.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { fitScaling, type Scaling } from '../src/data/scaling.js';
import { makeDataset } from '../src/data/dataset.js';
import { fit } from '../src/train/trainer.js';
import { runFromFiles, runToFiles, zipRun } from '../src/io/run-files.js';
import { loadRun } from '../src/io/run-dir.js';
import { anomalyScores } from '../src/tasks/anomaly.js';
import { createServer } from '../src/serve/app.js';
import { Rng } from '../src/train/rng.js';
import { assertClose, tempDir } from './helpers.js';
import type { FastifyInstance } from 'fastify';
import type { MicroBatcher } from '../src/serve/micro-batch.js';

const D = 8;
const N = 96;
// Rows in the data's own units: feature j around 10·j with spread j + 1.
const rng = new Rng(3);
const raw = Float32Array.from({ length: N * D }, (_, i) => 10 * (i % D) + ((i % D) + 1) * rng.normal());
const scaling: Scaling = fitScaling('zscore', raw, D);
const scaled = raw.map((v, i) => (v - scaling.offset[i % D]) / scaling.scale[i % D]);
const rowsOf = (values: Float32Array, width: number) => Array.from({ length: values.length / width }, (_, i) => Array.from(values.subarray(i * width, (i + 1) * width)));

let app: FastifyInstance;
let batcher: MicroBatcher;
let model: Awaited<ReturnType<typeof runFromFiles>>['model'];
const detector = { score: 'mse' as const, threshold: { kind: 'fixed' as const, value: 0.5 }, value: 0.5, samples: 100 };

before(async () => {
  const trained = createModel(defaultConfig('vae', [D], { latentDim: 3, hiddenUnits: [16], likelihood: 'gaussian', learnSigma: true }));
  const data = makeDataset({ source: 'toy', values: scaled.slice(), shape: [D], size: N, scaling });
  await fit(trained, data, { epochs: 3, batchSize: 32, seed: 1 });
  const { files } = await runToFiles(trained, { data: { source: 'toy', shape: [D] }, history: [], backend: 'test', scaling });
  const run = await runFromFiles(files, 'toy-run');
  model = run.model;
  ({ app, batcher } = await createServer({ run, detector, maxBatch: 64, bodyLimit: 64 * 1024 }));
});
after(() => app.close());

const post = async (url: string, payload: unknown) => {
  const res = await app.inject({ method: 'POST', url, payload: payload as object });
  return { status: res.statusCode, body: res.json() };
};
const sample = rowsOf(raw.subarray(0, 5 * D), D);
const scaledTensor = () => tf.tensor2d(scaled.subarray(0, 5 * D), [5, D]);

test('GET /v1/model describes the run: kind, shapes, latent size, scaling, detector', async () => {
  const res = await app.inject({ method: 'GET', url: '/v1/model' });
  const info = res.json();
  assert.equal(info.kind, 'vae');
  assert.deepEqual(info.inputShape, [D]);
  assert.equal(info.latentDim, 3);
  assert.deepEqual(info.scaling.offset, scaling.offset);
  assert.deepEqual(info.detector, { score: 'mse', threshold: 0.5 });
});

test('POST /v1/encode scales inputs as the run was trained and returns μ and σ of q(z|x)', async () => {
  const { status, body } = await post('/v1/encode', { inputs: sample });
  assert.equal(status, 200);
  const mu = model.encode(scaledTensor()).dataSync();
  assertClose(body.codes.flat(), Array.from(mu), 1e-5);
  const logvar = (model as unknown as { posterior(x: tf.Tensor2D): { logvar: tf.Tensor2D } }).posterior(scaledTensor()).logvar.dataSync();
  assertClose(body.sigma.flat(), Array.from(logvar, (v) => Math.exp(v / 2)), 1e-5);
});

test('POST /v1/decode and /v1/reconstruct return the data\'s own units (scaling inverted)', async () => {
  const z = [[0.1, -0.2, 0.3], [1, 0, -1]];
  const { body } = await post('/v1/decode', { codes: z });
  const means = model.decode(tf.tensor2d(z)).dataSync();
  assertClose(body.outputs.flat(), Array.from(means, (v, i) => v * scaling.scale[i % D] + scaling.offset[i % D]), 1e-4);
  const recon = await post('/v1/reconstruct', { inputs: sample });
  const expected = model.decode(model.encode(scaledTensor())).dataSync();
  assertClose(recon.body.outputs.flat(), Array.from(expected, (v, i) => v * scaling.scale[i % D] + scaling.offset[i % D]), 1e-4);
});

test('POST /v1/score: the saved detector\'s score with flags, or a chosen score alone', async () => {
  const { body } = await post('/v1/score', { inputs: sample });
  const recon = model.decode(model.encode(scaledTensor())).dataSync();
  const mse = Array.from({ length: 5 }, (_, i) => scaled.subarray(i * D, (i + 1) * D).reduce((s, v, j) => s + (v - recon[i * D + j]) ** 2, 0) / D);
  assert.equal(body.score, 'mse');
  assertClose(body.scores, mse, 1e-5);
  assert.equal(body.threshold, 0.5);
  assert.deepEqual(body.flags, mse.map((s) => s > 0.5));
  const elbo = await post('/v1/score', { inputs: sample, score: 'elbo' });
  const data = makeDataset({ source: 'x', values: scaled.slice(0, 5 * D), shape: [D], size: 5 });
  assertClose(elbo.body.scores, Array.from(anomalyScores(model, data, 'elbo')), 1e-4);
  assert.equal(elbo.body.flags, undefined);
});

test('POST /v1/sample decodes z ~ N(0, T²I) and returns the codes with the outputs', async () => {
  const { body } = await post('/v1/sample', { count: 4, temperature: 0.5, seed: 7 });
  const codes = new Rng(7).normals(12).map((v) => v * 0.5);
  assertClose(body.codes.flat(), Array.from(codes), 1e-6);
  const means = model.decode(tf.tensor2d(codes, [4, 3])).dataSync();
  assertClose(body.outputs.flat(), Array.from(means, (v, i) => v * scaling.scale[i % D] + scaling.offset[i % D]), 1e-4);
});

test('bad requests get 4xx with a JSON error naming the problem, and the server keeps answering', async () => {
  const cases: [string, string | object, number, RegExp][] = [
    ['/v1/encode', '{"inputs": [[1, 2', 400, /not valid JSON/],
    ['/v1/encode', { inputs: [[1, 2, 3]] }, 400, /inputs\[0\]: 3 values where an example holds 8/],
    ['/v1/encode', { inputs: [[1, 2, 3, 4, 5, 6, 7, 'NaN']] }, 400, /inputs\[0\]\[7\] is "NaN", not a finite number/],
    ['/v1/encode', { inputs: [[1, 2, 3, 4, 5, 6, 7, null]] }, 400, /inputs\[0\]\[7\] is null/],
    ['/v1/encode', { inputs: 5 }, 400, /'inputs'/],
    ['/v1/encode', { inputs: [sample[0]], extra: 1 }, 400, /Unrecognized key/],
    ['/v1/decode', { codes: [[1, 2]] }, 400, /codes\[0\]: 2 values where an example holds 3/],
    ['/v1/score', { inputs: [sample[0]], score: 'nope' }, 400, /'score'/],
    ['/v1/encode', { inputs: Array(65).fill(sample[0]) }, 400, /65 examples is more than the 64/],
    ['/v1/sample', { count: 65 }, 400, /more than the 64/],
    ['/v1/sample', { count: 2, temperature: -1 }, 400, /'temperature'/],
    ['/v1/encode', { inputs: Array(2000).fill(sample[0]) }, 413, /Request body is too large/],
    ['/v1/nothing', {}, 404, /no route POST \/v1\/nothing/],
  ];
  for (const [url, payload, status, message] of cases) {
    const res = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, status, `${url} ${JSON.stringify(payload).slice(0, 60)}: ${res.body}`);
    assert.match(res.json().error, message);
  }
  const ok = await post('/v1/encode', { inputs: [sample[0]] });
  assert.equal(ok.status, 200);
});

test('concurrent requests over loopback are answered by fewer forward passes, each with its own rows', async () => {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const singles = await Promise.all(sample.map((row) => post('/v1/reconstruct', { inputs: [row] })));
  const before = { ...batcher.stats };
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => fetch(`${address}/v1/reconstruct`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [sample[i % 5]] }),
    signal: AbortSignal.timeout(10_000),
  }).then((r) => r.json())));
  const requests = batcher.stats.requests - before.requests;
  const passes = batcher.stats.passes - before.passes;
  assert.equal(requests, 40);
  assert.ok(passes < requests, `${passes} passes for ${requests} requests`);
  answers.forEach((a, i) => assertClose(a.outputs[0], singles[i % 5].body.outputs[0], 1e-4));

  // −ELBO draws noise: a request batched with others still gets the score it gets alone (its own first draws).
  const elboRequests = Array.from({ length: 12 }, (_, i) => sample.slice(i % 4, (i % 4) + 1 + (i % 2)));
  const beforeElbo = { ...batcher.stats };
  const scored = await Promise.all(elboRequests.map((inputs) => fetch(`${address}/v1/score`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs, score: 'elbo' }),
    signal: AbortSignal.timeout(10_000),
  }).then((r) => r.json())));
  assert.ok(batcher.stats.passes - beforeElbo.passes < elboRequests.length, 'the −ELBO requests shared passes');
  scored.forEach((answer, i) => {
    const rows = Float32Array.from(elboRequests[i].flat(), (v, j) => (v - scaling.offset[j % D]) / scaling.scale[j % D]);
    const alone = anomalyScores(model, makeDataset({ source: 'x', values: rows, shape: [D], size: elboRequests[i].length }), 'elbo');
    assertClose(answer.scores, Array.from(alone), 1e-4, 1e-5, `request ${i}`);
  });
});

test('a zipped run (what the studio downloads) loads in Node with the same outputs', async () => {
  const dir = tempDir();
  const { files } = await runToFiles(model, { data: { source: 'toy', shape: [D] }, history: [], backend: 'test', scaling });
  writeFileSync(join(dir, 'run.zip'), zipRun(files));
  const { model: loaded, manifest } = await loadRun(join(dir, 'run.zip'));
  assert.deepEqual(manifest.scaling, scaling);
  assertClose(Array.from(loaded.encode(scaledTensor()).dataSync()), Array.from(model.encode(scaledTensor()).dataSync()), 0);
  writeFileSync(join(dir, 'bad.zip'), 'PK\x03\x04 not really');
  await assert.rejects(loadRun(join(dir, 'bad.zip')), /bad\.zip: not a valid zip file/);
});
