// The loss terms against independent answers: hand-computed values, Monte Carlo, naive formulas, finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from './helpers.js';
import * as tf from '../src/backend/tfjs.js';
import { bernoulliNll, binaryCrossEntropy, gaussianNll, meanSquaredError } from '../src/objectives/likelihoods.js';
import { gaussianKl, reparameterize } from '../src/objectives/gaussian.js';
import { Rng } from '../src/train/rng.js';

test('analytic KL matches a hand-computed value', () => {
  // KL = ½ Σ (exp(lv) + μ² − 1 − lv): μ=1, lv=0 → 0.5; μ=−0.5, lv=ln 2 → ½(2 + 0.25 − 1 − ln 2) = 0.278426.
  const kl = gaussianKl(tf.tensor2d([[1, -0.5]]), tf.tensor2d([[0, Math.log(2)]]));
  assertClose(kl.dataSync(), [0.5 + 0.5 * (2 + 0.25 - 1 - Math.log(2))], 1e-6);
  assertClose(gaussianKl(tf.zeros([3, 4]), tf.zeros([3, 4])).dataSync(), [0, 0, 0], 0, 1e-7);
});

test('analytic KL matches a Monte Carlo estimate of E_q[log q(z) − log p(z)]', () => {
  const mu = [0.7, -1.2, 0.1];
  const logvar = [-1, 0.5, -2.5];
  const rng = new Rng(7);
  const samples = 200_000;
  let sum = 0;
  for (let s = 0; s < samples; s++) {
    for (let d = 0; d < mu.length; d++) {
      const sd = Math.exp(0.5 * logvar[d]);
      const eps = rng.normal();
      const z = mu[d] + sd * eps;
      const logQ = -0.5 * eps * eps - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
      const logP = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
      sum += logQ - logP;
    }
  }
  const analytic = gaussianKl(tf.tensor2d([mu]), tf.tensor2d([logvar])).dataSync()[0];
  assert.ok(Math.abs(sum / samples - analytic) < 0.01 * analytic, `MC ${sum / samples} vs analytic ${analytic}`);
});

test('stable Bernoulli NLL equals the naive formula on safe logits', () => {
  const logits = [-3, -0.5, 0, 0.8, 2.5, 4];
  const x = [0, 1, 0.3, 1, 0, 0.9];
  const naive = logits.reduce((acc, l, i) => {
    const p = 1 / (1 + Math.exp(-l));
    return acc - (x[i] * Math.log(p) + (1 - x[i]) * Math.log(1 - p));
  }, 0);
  assertClose(bernoulliNll(tf.tensor2d([logits]), tf.tensor2d([x])).dataSync(), [naive], 1e-5);
});

test('stable Bernoulli NLL is finite and exact on extreme logits', () => {
  // −log σ(−l) = l for large l (x = 0); −log σ(l) for l = −1e4, x = 1 is 1e4.
  const nll = bernoulliNll(tf.tensor2d([[100], [-1e4], [1e4], [-100]]), tf.tensor2d([[0], [1], [1], [0]])).dataSync();
  assert.ok(Array.from(nll).every(Number.isFinite));
  assertClose(nll, [100, 1e4, 0, 0], 1e-6, 1e-6);
});

test('Gaussian NLL matches the density formula', () => {
  const mean = [0.2, 0.9];
  const x = [0.5, 0.4];
  const sigma = 0.3;
  const expected = x.reduce((acc, v, i) => acc + 0.5 * ((v - mean[i]) / sigma) ** 2 + Math.log(sigma) + 0.5 * Math.log(2 * Math.PI), 0);
  assertClose(gaussianNll(tf.tensor2d([mean]), tf.tensor2d([x]), Math.log(sigma)).dataSync(), [expected], 1e-5);
});

test('MSE and probability BCE are means over features', () => {
  assertClose(meanSquaredError(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[1, 0, 0]])).dataSync(), [(0 + 4 + 9) / 3]);
  const p = [0.2, 0.7];
  const x = [0, 1];
  const bce = -(Math.log(1 - 0.2) + Math.log(0.7)) / 2;
  assertClose(binaryCrossEntropy(tf.tensor2d([p]), tf.tensor2d([x])).dataSync(), [bce], 1e-5);
});

test('reparameterization gradient matches finite differences', () => {
  // f(μ, lv) = Σ w_d · z_d² with z = μ + exp(lv/2)·ε and ε fixed.
  const eps = [0.3, -1.1, 0.8];
  const w = [1.5, -0.7, 0.4];
  const f = (mu: number[], lv: number[]) => mu.reduce((acc, m, d) => acc + w[d] * (m + Math.exp(lv[d] / 2) * eps[d]) ** 2, 0);
  const mu0 = [0.2, -0.4, 1.0];
  const lv0 = [-0.5, 0.3, -1.2];
  const [gMu, gLv] = tf.grads((mu: tf.Tensor, lv: tf.Tensor) =>
    reparameterize(mu as tf.Tensor2D, lv as tf.Tensor2D, tf.tensor2d([eps])).square().mul(tf.tensor2d([w])).sum(),
  )([tf.tensor2d([mu0]), tf.tensor2d([lv0])]);
  const h = 1e-5;
  const fdMu = mu0.map((_, d) => (f(mu0.map((m, k) => m + (k === d ? h : 0)), lv0) - f(mu0.map((m, k) => m - (k === d ? h : 0)), lv0)) / (2 * h));
  const fdLv = lv0.map((_, d) => (f(mu0, lv0.map((l, k) => l + (k === d ? h : 0))) - f(mu0, lv0.map((l, k) => l - (k === d ? h : 0)))) / (2 * h));
  assertClose(gMu.dataSync(), fdMu, 1e-4, 1e-5, 'dμ');
  assertClose(gLv.dataSync(), fdLv, 1e-4, 1e-5, 'dlogvar');
});

test('Gaussian NLL with one log σ per feature matches the density formula', () => {
  const mean = [0.2, 0.9, 0.4];
  const x = [0.5, 0.4, 0.4];
  const logSigma = [-1, 0.3, -2];
  const expected = x.reduce((acc, v, i) => acc + 0.5 * ((v - mean[i]) / Math.exp(logSigma[i])) ** 2 + logSigma[i] + 0.5 * Math.log(2 * Math.PI), 0);
  assertClose(gaussianNll(tf.tensor2d([mean]), tf.tensor2d([x]), tf.tensor1d(logSigma)).dataSync(), [expected], 1e-5);
});
