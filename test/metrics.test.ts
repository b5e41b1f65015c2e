// Detection metrics against hand-worked examples and the pairwise definition of ROC-AUC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from './helpers.js';
import { averagePrecision, metricsAt, prCurve, rocAuc, rocCurve } from '../src/tasks/metrics.js';
import { Rng } from '../src/train/rng.js';

test('ROC-AUC of a hand-worked example', () => {
  // Positives score 0.9, 0.4; negatives 0.8, 0.3, 0.1. Pairs (pos > neg): 0.9 beats 3, 0.4 beats 2 → 5 of 6.
  assertClose([rocAuc([0.9, 0.8, 0.4, 0.3, 0.1], [1, 0, 1, 0, 0])], [5 / 6], 1e-12);
  assert.equal(rocAuc([1, 2, 3, 4], [0, 0, 1, 1]), 1);
  assert.equal(rocAuc([0.5, 0.5, 0.5], [1, 0, 0]), 0.5); // ties count one half
});

test('ROC-AUC equals the fraction of (positive, negative) pairs ordered correctly, on random scores with ties', () => {
  const rng = new Rng(11);
  const scores = Array.from({ length: 300 }, () => Math.round(rng.next() * 20) / 20);
  const labels = scores.map((s) => (rng.next() < 0.2 + 0.5 * s ? 1 : 0));
  let wins = 0;
  let pairs = 0;
  scores.forEach((sp, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((sn, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  assertClose([rocAuc(scores, labels)], [wins / pairs], 1e-12);
});

test('average precision of a hand-worked example', () => {
  // Ranked: 0.9 (pos) → P 1, R ½; 0.8 (neg); 0.4 (pos) → P ⅔, R 1. AP = ½·1 + ½·⅔ = ⅚.
  assertClose([averagePrecision([0.9, 0.8, 0.4, 0.3, 0.1], [1, 0, 1, 0, 0])], [5 / 6], 1e-12);
});

test('confusion counts, precision, recall and F1 at a threshold', () => {
  const m = metricsAt([0.9, 0.8, 0.4, 0.3, 0.1], [1, 0, 1, 0, 0], 0.35);
  assert.deepEqual([m.truePositives, m.falsePositives, m.trueNegatives, m.falseNegatives], [2, 1, 2, 0]);
  assertClose([m.precision, m.recall, m.f1], [2 / 3, 1, 0.8], 1e-12);
  assert.throws(() => rocAuc([1, 2], [0, 2]), /labels must be 0 \(normal\) or 1 \(anomaly\), found 2 at 1/);
});

test('ROC and precision–recall curves of the hand-worked example; the trapezoid area under the ROC is the AUC', () => {
  const scores = [0.9, 0.8, 0.4, 0.3, 0.1];
  const labels = [1, 0, 1, 0, 0];
  const roc = rocCurve(scores, labels);
  assert.deepEqual(roc.map((p) => [p.x, p.y]), [[0, 0], [0, 0.5], [1 / 3, 0.5], [1 / 3, 1], [2 / 3, 1], [1, 1]]);
  const area = roc.slice(1).reduce((a, p, i) => a + (p.x - roc[i].x) * (p.y + roc[i].y) / 2, 0);
  assertClose([area], [rocAuc(scores, labels)], 1e-12);
  assert.deepEqual(prCurve(scores, labels).map((p) => [p.x, p.y]), [[0.5, 1], [0.5, 0.5], [1, 2 / 3], [1, 0.5], [1, 0.4]]);
});
