// Importance weighting: stable log-mean-exp, the k = 1 bound against a hand-built ELBO, and the estimate's ordering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from './helpers.js';
import * as tf from '../src/backend/tfjs.js';
import { importanceWeights, logMeanExp } from '../src/objectives/iwae.js';
import { importanceSampledNll, mean } from '../src/tasks/likelihood.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import type { VariationalAutoencoder } from '../src/models/vae.js';
import { makeDataset } from '../src/data/dataset.js';
import { Rng } from '../src/train/rng.js';
import { evaluate, fit } from '../src/train/trainer.js';
import { UserError } from '../src/errors.js';

test('log-mean-exp is exact where exp overflows or underflows', () => {
  const a = tf.tensor2d([[1000, -1000], [1000, -1000 + Math.log(3)]]);
  assertClose(logMeanExp(a).dataSync(), [1000, -1000 + Math.log(2)], 1e-6, 1e-4);
});

test('with k = 1 the log importance weight is the single-sample ELBO: log p(x|z) + log p(z) − log q(z|x)', () => {
  const vae = createModel(defaultConfig('vae', [5], { latentDim: 2, hiddenUnits: [3], seed: 9 })) as VariationalAutoencoder;
  const x = tf.tensor2d([[0, 1, 0, 1, 1], [1, 1, 0, 0, 0]]);
  const { logWeights } = importanceWeights(vae, x, 1, new Rng(4));
  const { mu, logvar } = vae.posterior(x);
  const eps = new Rng(4).normals(4);
  const m = mu.arraySync();
  const lv = logvar.arraySync();
  const z = [0, 1].map((b) => [0, 1].map((d) => m[b][d] + Math.exp(lv[b][d] / 2) * eps[b * 2 + d]));
  const nll = vae.reconstructionNll(x, tf.tensor2d(z)).arraySync();
  const expected = [0, 1].map((b) => {
    let logP = 0;
    let logQ = 0;
    for (let d = 0; d < 2; d++) {
      logP += -0.5 * (z[b][d] ** 2 + Math.log(2 * Math.PI));
      logQ += -0.5 * (((z[b][d] - m[b][d]) ** 2) / Math.exp(lv[b][d]) + lv[b][d] + Math.log(2 * Math.PI));
    }
    return -nll[b] + logP - logQ;
  });
  assertClose(logWeights.dataSync(), expected, 1e-5, 1e-5);
});

test('importance-sampled −log p(x) lies below −ELBO and tightens as K grows', async () => {
  const rng = new Rng(3);
  const values = new Float32Array(300 * 12);
  for (let i = 0; i < 300; i++) {
    const a = rng.next();
    for (let j = 0; j < 12; j++) values[i * 12 + j] = j / 12 < a ? 1 : 0;
  }
  const data = makeDataset({ source: 'toy', values, shape: [12], size: 300 });
  const vae = createModel(defaultConfig('vae', [12], { latentDim: 2, hiddenUnits: [16] }));
  await fit(vae, data, { epochs: 15, batchSize: 50, adam: { learningRate: 3e-3 } });
  const elbo = evaluate(vae, data).total;
  const nll5 = mean(importanceSampledNll(vae, data, { samples: 5 }));
  const nll200 = mean(importanceSampledNll(vae, data, { samples: 200, chunk: 64 }));
  assert.ok(nll5 < elbo, `K=5 ${nll5} should be below −ELBO ${elbo}`);
  assert.ok(nll200 < nll5, `K=200 ${nll200} should be below K=5 ${nll5}`);
});

test('importance sampling needs a VAE kind', () => {
  const ae = createModel(defaultConfig('ae', [4], { latentDim: 2 }));
  const data = makeDataset({ source: 'toy', values: new Float32Array(8), shape: [4], size: 2 });
  assert.throws(() => importanceSampledNll(ae, data, { samples: 10 }), (e: Error) => e instanceof UserError && /need a VAE kind/.test(e.message));
});

test('IWAE training terms: kl is the sample-mean log q − log p (never the bound minus reconstruction), total ≤ their sum', () => {
  const model = createModel(defaultConfig('iwae', [6], { latentDim: 2, hiddenUnits: [4], samples: 4 })) as unknown as VariationalAutoencoder;
  const x = tf.tensor2d([[0.1, 0.9, 0.3, 0.0, 1.0, 0.5], [0.7, 0.2, 0.2, 0.8, 0.4, 0.6]]);
  const terms = model.lossTerms(x, new Rng(4), true);
  // The same noise again, and log q − log p by hand from μ, σ and the samples z = μ + σε.
  const { mu, logvar } = model.posterior(x, true);
  const eps = new Rng(4).normals(4 * 2 * 2);
  const m = mu.arraySync();
  const lv = logvar.arraySync();
  const kl = [0, 1].map((b) => {
    let sum = 0;
    for (let k = 0; k < 4; k++) {
      for (let d = 0; d < 2; d++) {
        const e = eps[(k * 2 + b) * 2 + d];
        const z = m[b][d] + Math.exp(lv[b][d] / 2) * e;
        const logQ = -0.5 * (e * e + lv[b][d] + Math.log(2 * Math.PI));
        const logP = -0.5 * (z * z + Math.log(2 * Math.PI));
        sum += logQ - logP;
      }
    }
    return sum / 4;
  });
  assertClose(terms.kl.dataSync(), kl, 1e-4, 1e-5);
  const total = terms.total.dataSync();
  const bound = Array.from(terms.reconstruction.dataSync(), (r, i) => r + terms.kl.dataSync()[i]);
  total.forEach((t, i) => assert.ok(t <= bound[i] + 1e-4, `example ${i}: bound ${t} above the ELBO ${bound[i]}`));
});
