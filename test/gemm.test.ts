// latentkit's own SGEMM against a double-precision naive product: every layout, batches and broadcasts, edge and zero
// sizes, products large enough to be split over the worker pool (strided views of A, B and C), on every instruction-set
// path this CPU has (each forced in turn; the ones it lacks are skipped and named).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAddon, type NativeAddon } from '../src/backend/native/addon.js';
import { Rng } from '../src/train/rng.js';

const loaded = loadAddon();
const skip = loaded.addon ? false : `native backend unavailable: ${loaded.reason}`;
if (skip && process.env.LATENTKIT_REQUIRE_NATIVE === '1') throw new Error(skip);
const addon = loaded.addon as NativeAddon;

function random(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => 2 * rng.next() - 1);
}

/**
 * Checks C = op(A)·op(B) for `batch` products (stride 0: the same matrix for each) against the product in double.
 * A rounding error of float32 accumulation is bounded by k·u·Σ|a||b| (u = 2⁻²⁴); a wrong element misses by far more.
 */
function checkProduct(m: number, n: number, k: number, transA: boolean, transB: boolean, batch = 1, broadcastB = false): void {
  const a = random(batch * m * k, m * 7 + k);
  const b = random((broadcastB ? 1 : batch) * k * n, n * 13 + k);
  const c = new Float32Array(batch * m * n).fill(NaN);
  addon.gemm(a, b, c, batch, m, n, k, transA, transB, m * k, broadcastB ? 0 : k * n, m * n);
  for (let t = 0; t < batch; t++) {
    const ao = t * m * k, bo = broadcastB ? 0 : t * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let exact = 0, magnitude = 0;
        for (let p = 0; p < k; p++) {
          const x = a[ao + (transA ? p * m + i : i * k + p)], y = b[bo + (transB ? j * k + p : p * n + j)];
          exact += x * y;
          magnitude += Math.abs(x * y);
        }
        const got = c[t * m * n + i * n + j];
        const bound = 2 * (k + 2) * 2 ** -24 * magnitude + 1e-30;
        if (!(Math.abs(got - exact) <= bound)) {
          assert.fail(`${m}×${n}×${k}${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''} batch ${t}: C[${i}, ${j}] = ${got}, exact ${exact} (bound ${bound})`);
        }
      }
    }
  }
}

const SMALL = [1, 2, 7, 15, 16, 17, 31, 33];
const LAYOUTS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
const ISAS = ['avx512', 'avx2', 'portable'];
const best = skip ? undefined : addon.info().isa;

for (const isa of ISAS) {
  const lacks = !skip && !addon.useIsa(isa);
  if (!skip && best) addon.useIsa(best);
  const why = skip || (lacks ? `this CPU lacks ${isa}` : false);
  test(`${isa}: every m, n, k in {${SMALL}} in every layout matches the double-precision product`, { skip: why }, () => {
    addon.useIsa(isa);
    try {
      for (const m of SMALL) for (const n of SMALL) for (const k of SMALL) for (const [ta, tb] of LAYOUTS) checkProduct(m, n, k, ta, tb);
    } finally {
      addon.useIsa(best!);
    }
  });
  test(`${isa}: large and odd shapes (split over the worker pool), batches and broadcasts, zero sizes`, { skip: why }, () => {
    addon.useIsa(isa);
    try {
      // The last two are long and thin (k ≥ 8 · max(m, n)): split over the pool by ranges of k, partial sums added.
      for (const [m, n, k] of [[127, 129, 784], [129, 784, 511], [513, 33, 127], [784, 17, 513], [128, 400, 784], [33, 511, 129], [9, 40, 4001], [33, 17, 3000]]) {
        for (const [ta, tb] of LAYOUTS) checkProduct(m, n, k, ta, tb);
      }
      checkProduct(17, 33, 31, false, false, 3);
      checkProduct(17, 33, 31, true, true, 3, true);
      for (const [m, n] of [[0, 5], [5, 0]]) checkProduct(m, n, 3, false, false);
      const c = new Float32Array(6).fill(NaN);
      addon.gemm(new Float32Array(0), new Float32Array(0), c, 1, 2, 3, 0, false, false, 0, 0, 0);
      assert.deepEqual(Array.from(c), [0, 0, 0, 0, 0, 0], 'k = 0: C is zero');
    } finally {
      addon.useIsa(best!);
    }
  });
}

test('back-to-back products of alternating shapes over the worker pool each get exactly their own parts', { skip }, () => {
  // Parts are claimed by whichever thread comes first; a part of one product run for the next (or run twice, or not
  // at all) would leave some rows of C wrong or NaN. Each shape's exact product is computed once in double.
  const shapes = [[64, 128, 128], [100, 96, 128], [128, 64, 160]].map(([m, n, k], s) => {
    const a = random(m * k, 101 + s), b = random(k * n, 202 + s);
    const exact = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) exact[i * n + j] += a[i * k + p] * b[p * n + j];
    return { m, n, k, a, b, exact };
  });
  assert.ok(shapes.every(({ m, n, k }) => m * n * k >= addon.info().gemmThreadThreshold), 'every product is split over the pool');
  for (let round = 0; round < 600; round++) {
    const { m, n, k, a, b, exact } = shapes[round % shapes.length];
    const c = new Float32Array(m * n).fill(NaN);
    addon.gemm(a, b, c, 1, m, n, k, false, false, 0, 0, 0);
    for (let i = 0; i < c.length; i++) {
      if (!(Math.abs(c[i] - exact[i]) <= 1e-4)) assert.fail(`round ${round}, ${m}×${n}×${k}: C[${i}] = ${c[i]}, exact ${exact[i]}`);
    }
  }
});

test('a row of C does not depend on how many rows the product has (narrow products computed transposed or not)', { skip }, () => {
  // A narrow C may be computed as Cᵀ when its rows are many and not when they are few; both must sum each element in
  // the same order, or a file encoded in chunks would not give the codes of the whole, byte for byte. Row counts are
  // multiples of 8 or leave at least 4 (the last 1–3 rows of any product have kernels of their own).
  for (const n of [2, 3, 5, 20, 40, 100]) {
    for (const [ta, tb] of LAYOUTS) {
      const k = 300;
      const rows = (m: number) => {
        const a = random(m * k, 11), b = random(k * n, 12); // the first rows of A (as op(A)) are the same for every m
        const at = new Float32Array(m * k);
        if (ta) for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) at[p * m + i] = a[i * k + p];
        const bt = new Float32Array(k * n);
        if (tb) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bt[j * k + p] = b[p * n + j];
        const c = new Float32Array(m * n);
        addon.gemm(ta ? at : a, tb ? bt : b, c, 1, m, n, k, ta, tb, 0, 0, 0);
        return c.subarray(0, 8 * n);
      };
      const few = rows(8);
      for (const m of [12, 64, 1000]) assert.deepEqual(rows(m), few, `${n} columns${ta ? ', Aᵀ' : ''}${tb ? ', Bᵀ' : ''}: the first 8 rows of ${m} differ from those of 8`);
    }
  }
});

test('the active path is the best the CPU has, and doctor-facing info names it with its block sizes', { skip }, () => {
  const info = addon.info();
  assert.ok(ISAS.includes(info.isa!), info.isa);
  assert.equal(info.blas, `latentkit sgemm (${info.isa})`);
  assert.match(info.blocking!, /^mc \d+, kc \d+, nc \d+ \(L1d \d+ KiB, L2 \d+ KiB\)$/);
  const better = ISAS.slice(0, ISAS.indexOf(info.isa!));
  if (!process.env.LATENTKIT_ISA) for (const isa of better) assert.equal(addon.useIsa(isa), false, `${isa} is available but ${info.isa} was chosen`);
  addon.useIsa(info.isa!);
  assert.equal(addon.useIsa('sse9'), false);
  assert.ok(addon.kernelPeakGflops() > 0);
});

test('a mostly-zero left operand: sparse and dense are timed in turns over the first products, then one is kept; every call gives the product', { skip }, () => {
  if (!addon.info().sparse.startsWith('on')) return;
  const [m, k, n] = [256, 784, 400];
  const rng = new Rng(5);
  const a = Float32Array.from({ length: m * k }, () => (rng.next() < 0.15 ? rng.next() : 0));
  const b = random(k * n, 9);
  const choice = () => addon.info().sparseChoices.split('; ').find((c) => c.startsWith('256×784·784×400 at 1')) ?? '';
  const seen: string[] = [];
  for (let call = 0; call < 12; call++) {
    const c = new Float32Array(m * n).fill(NaN);
    addon.gemm(a, b, c, 1, m, n, k, false, false, 0, 0, 0);
    for (const [i, j] of [[0, 0], [m - 1, n - 1], [100, 200]]) {
      let exact = 0;
      for (let p = 0; p < k; p++) exact += a[i * k + p] * b[p * n + j];
      assert.ok(Math.abs(c[i * n + j] - exact) < 1e-4, `call ${call}: C[${i}, ${j}] = ${c[i * n + j]}, exact ${exact}`);
    }
    seen.push(choice());
  }
  // Both paths were taken before the choice was made, and the choice stands once made.
  assert.match(seen[0], /being timed \(0 of 3 sparse, 1 of 3 dense\)/);
  assert.match(seen[1], /being timed \(1 of 3 sparse, 1 of 3 dense\)/);
  assert.match(seen[5], /sparse [\d.]+ ms, dense [\d.]+ ms \(best of 3 each\) → (sparse|dense)/);
  assert.equal(new Set(seen.slice(5)).size, 1, `the choice changed after it was made: ${seen.slice(5).join(' | ')}`);
});

test('the sparse path, forced on, writes every element of C: A·B and Aᵀ·B, even panels and masked tails, empty rows, epilogue', { skip }, () => {
  if (addon.info().sparse.startsWith('unavailable')) return;
  addon.useSparse('always');
  try {
    for (const n of [64, 300, 400, 600]) {
      for (const transA of [false, true]) {
        const [m, k] = [96, 310];
        const rng = new Rng(n + Number(transA));
        const a = Float32Array.from({ length: m * k }, () => (rng.next() < 0.15 ? 4 * rng.next() - 2 : 0));
        for (let p = 0; p < k; p++) a[transA ? p * m + 5 : 5 * k + p] = 0; // row 5 of op(A) has no nonzero
        const b = random(k * n, n);
        const c = new Float32Array(m * n).fill(NaN);
        addon.gemm(a, b, c, 1, m, n, k, transA, false, 0, 0, 0);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let exact = 0;
            for (let p = 0; p < k; p++) exact += a[transA ? p * m + i : i * k + p] * b[p * n + j];
            if (!(Math.abs(c[i * n + j] - exact) <= 1e-4)) assert.fail(`n = ${n}${transA ? ', Aᵀ' : ''}: C[${i}, ${j}] = ${c[i * n + j]}, exact ${exact}`);
          }
        }
        // With an epilogue (bias + activation), the sparse product applies it after: as the separate kernel would.
        const bias = random(n, 7), fused = new Float32Array(m * n).fill(NaN);
        addon.gemm(a, b, fused, 1, m, n, k, transA, false, 0, 0, 0, bias, 2, 0.2);
        addon.biasActivation(c, bias, m, n, 2, 0.2);
        for (let i = 0; i < m * n; i++) {
          if (!(Math.abs(fused[i] - c[i]) <= 1e-6 * (1 + Math.abs(c[i])))) assert.fail(`n = ${n}${transA ? ', Aᵀ' : ''}, epilogue: element ${i} ${fused[i]}, separate ${c[i]}`);
        }
      }
    }
    assert.match(addon.info().sparse, /always/);
  } finally {
    addon.useSparse('measured');
  }
  assert.throws(() => addon.useSparse('sometimes' as never), /measured, always or off/);
});

test('the fused epilogue (bias + activation as C is stored) equals the product followed by the separate kernel', { skip }, () => {
  for (const [m, n, k] of [[7, 33, 17], [129, 400, 784], [513, 40, 400], [9, 40, 4001], [3, 5, 0]]) {
    const a = random(m * k, 3), b = random(k * n, 4), bias = random(n, 5);
    for (const act of [0, 1, 2, 3, 4, 5]) {
      for (const withBias of [true, false]) {
        const fused = new Float32Array(m * n), plain = new Float32Array(m * n);
        addon.gemm(a, b, fused, 1, m, n, k, false, false, 0, 0, 0, withBias ? bias : null, act, 0.2);
        addon.gemm(a, b, plain, 1, m, n, k, false, false, 0, 0, 0);
        addon.biasActivation(plain, withBias ? bias : null, m, n, act, 0.2);
        for (let i = 0; i < m * n; i++) {
          if (!(Math.abs(fused[i] - plain[i]) <= 1e-6 * (1 + Math.abs(plain[i])))) {
            assert.fail(`${m}×${n}×${k}, activation ${act}${withBias ? ', bias' : ''}: element ${i} fused ${fused[i]}, separate ${plain[i]}`);
          }
        }
      }
    }
  }
});
