// The seeded generator: batched normals follow the one-at-a-time sequence, and have the moments of N(0, 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/train/rng.js';

test('normals(n) continues the sequence of normal(), across odd counts and a pending spare', () => {
  const batched = new Rng(7);
  const single = new Rng(7);
  for (const n of [3, 1, 4, 0, 5, 2]) {
    const got = batched.normals(n);
    for (let i = 0; i < n; i++) assert.equal(got[i], Math.fround(single.normal()), `draw ${i} of a batch of ${n}`);
  }
  assert.equal(batched.normal(), single.normal());
});

test('normals have mean 0, variance 1 and no skew, within 5 standard errors over 200,000 draws', () => {
  const n = 200_000;
  const x = new Rng(11).normals(n);
  let m1 = 0, m2 = 0, m3 = 0;
  for (const v of x) {
    m1 += v;
    m2 += v * v;
    m3 += v * v * v;
  }
  m1 /= n;
  m2 /= n;
  m3 /= n;
  // Standard errors of the sample mean, second and third moments of N(0, 1): √(1/n), √(2/n), √(15/n).
  assert.ok(Math.abs(m1) < 5 * Math.sqrt(1 / n), `mean ${m1}`);
  assert.ok(Math.abs(m2 - 1) < 5 * Math.sqrt(2 / n), `E[x²] ${m2}`);
  assert.ok(Math.abs(m3) < 5 * Math.sqrt(15 / n), `E[x³] ${m3}`);
});
