// Every native kernel against tfjs's cpu backend on the same inputs: values and gradients, broadcasting, edge shapes.
// Relative error bounds: 1e-5 for element-wise ops, 1e-4 for products and reductions (different summation orders).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from './helpers.js';
import * as tf from '../src/backend/tfjs.js';
import { registerNative } from '../src/backend/native/register.js';
import { createAdam, selectBackend } from '../src/backend/select.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { Rng, RowNoise, useNormalFiller } from '../src/train/rng.js';
import type { NativeAddon } from '../src/backend/native/addon.js';
import type { AutoencoderModel } from '../src/models/types.js';
import { batchTensor, makeDataset } from '../src/data/dataset.js';
import { FUSED, hasKernel } from '../src/backend/fused.js';
import { bernoulliNll } from '../src/objectives/likelihoods.js';

const native = registerNative();
const skip = 'reason' in native ? `native backend unavailable: ${native.reason}` : false;
if (skip && process.env.LATENTKIT_REQUIRE_NATIVE === '1') throw new Error(skip);

function randomArray(n: number, seed: number, lo = -2, hi = 2): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
}

/** Runs `fn` on the cpu backend and on the native backend and returns the copied outputs of each. */
async function onBoth(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; native: Float32Array[] }> {
  const run = async (name: string) => {
    await tf.setBackend(name);
    return tf.tidy(() => [fn()].flat()).map((t) => {
      const copy = Float32Array.from(t.dataSync());
      t.dispose();
      return copy;
    });
  };
  const cpu = await run('cpu');
  const nat = await run('native');
  await selectBackend();
  return { cpu, native: nat };
}

async function assertSame(fn: () => tf.Tensor | tf.Tensor[], rtol: number, what: string): Promise<void> {
  const { cpu, native: nat } = await onBoth(fn);
  assert.equal(nat.length, cpu.length);
  cpu.forEach((c, i) => assertClose(nat[i], c, rtol, rtol, `${what} output ${i}`));
}

/**
 * Builds a model on cpu and on native, takes two Adam steps on rows x [n, d] with the same seeds, and checks that the
 * weights agree: tfjs ops and tfjs's Adam on cpu against the fused kernels and the in-place Adam on native.
 */
async function assertSameTraining(build: () => AutoencoderModel, x: Float32Array, shape: [number, number], learningRate: number, rtol: number): Promise<void> {
  const step = async (backend: 'cpu' | 'native') => {
    await tf.setBackend(backend);
    const model = build();
    const adam = createAdam({ learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    const vars = model.trainableVariables();
    for (let i = 0; i < 2; i++) {
      const rng = new Rng(i);
      adam.minimize(() => model.lossTerms(tf.tensor2d(x, shape), rng, true).total.mean() as tf.Scalar, false, vars);
    }
    const weights = vars.map((v) => Float32Array.from(v.dataSync()));
    adam.dispose();
    model.dispose();
    return weights;
  };
  const cpu = await step('cpu');
  const nat = await step('native');
  await selectBackend();
  cpu.forEach((w, i) => assertClose(nat[i], w, rtol, 1e-5, `weight ${i}`));
}

test('matMul: transposes, batches, broadcast batches, empty and size-1 dimensions, with gradients', { skip }, async () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false], [[7, 5], [7, 3], true, false], [[5, 7], [3, 7], false, true], [[7, 5], [3, 7], true, true],
    [[2, 5, 7], [2, 7, 3], false, false], [[1, 5, 7], [3, 7, 2], false, false], [[3, 5, 7], [7, 2], false, false],
    [[4, 0], [0, 3], false, false], [[1, 1], [1, 1], false, false], [[1, 9], [9, 1], false, false],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    const a = randomArray(sa.reduce((x, y) => x * y, 1), 1);
    const b = randomArray(sb.reduce((x, y) => x * y, 1), 2);
    const what = `[${sa}]${ta ? 'ᵀ' : ''}·[${sb}]${tb ? 'ᵀ' : ''}`;
    await assertSame(() => tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), ta, tb), 1e-4, what);
    // tfjs's own BatchMatMul gradient rejects broadcast batches, on every backend.
    if (sa.includes(0) || sa.length !== sb.length || sa[0] !== sb[0]) continue;
    await assertSame(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, ta, tb).square().sum())([tf.tensor(a, sa), tf.tensor(b, sb)]), 1e-4, `${what} grads`);
  }
});

test('large matMuls split over the worker pool by rows and by columns, every transpose, batched', { skip }, async () => {
  // Over the 2M multiply-add threshold: m ≥ n splits rows of C, m < n splits columns.
  const cases: [number[], number[], boolean, boolean][] = [
    [[150, 130], [130, 110], false, false], [[130, 150], [130, 110], true, false], [[150, 130], [110, 130], false, true],
    [[130, 150], [110, 130], true, true], [[37, 300], [300, 301], false, false], [[300, 37], [301, 300], true, true],
    [[2, 120, 140], [2, 140, 130], false, false],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    const a = randomArray(sa.reduce((x, y) => x * y, 1), 6);
    const b = randomArray(sb.reduce((x, y) => x * y, 1), 7);
    await assertSame(() => tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), ta, tb), 1e-4, `[${sa}]${ta ? 'ᵀ' : ''}·[${sb}]${tb ? 'ᵀ' : ''}`);
  }
});

test('products with a mostly-zero left operand (the sparse path) equal the dense ones, A·B and Aᵀ·B', { skip }, async () => {
  // 15 % nonzeros with mixed signs and magnitudes; n = 400 (two panels of whole vectors), n = 300 (a masked tail) and
  // n = 600 (three panels and a tail).
  const sparse = (n: number, seed: number) => {
    const rng = new Rng(seed);
    return Float32Array.from({ length: n }, () => (rng.next() < 0.15 ? 4 * rng.next() - 2 : 0));
  };
  for (const n of [400, 300, 600]) {
    const a = sparse(96 * 310, 8);
    const b = randomArray(310 * n, 9);
    await assertSame(() => tf.matMul(tf.tensor2d(a, [96, 310]), tf.tensor2d(b, [310, n])), 1e-4, `A·B, n = ${n}`);
    await assertSame(() => tf.matMul(tf.tensor2d(a, [310, 96]), tf.tensor2d(b.subarray(0, 310 * n), [310, n]), true, false), 1e-4, `Aᵀ·B, n = ${n}`);
  }
  // A row or column with no nonzero at all gives zeros, not stale values from a reused array.
  const a = sparse(128 * 200, 10);
  a.fill(0, 0, 200);
  for (let r = 0; r < 128; r++) a[r * 200 + 7] = 0;
  const b = randomArray(200 * 256, 11);
  for (let round = 0; round < 2; round++) {
    await assertSame(() => tf.matMul(tf.tensor2d(a, [128, 200]), tf.tensor2d(b, [200, 256])), 1e-4, 'A·B with an empty row');
    await assertSame(() => tf.matMul(tf.tensor2d(a, [200, 128]), tf.tensor2d(b.subarray(0, 200 * 256), [200, 256]), true, false), 1e-4,
      'Aᵀ·B with an empty column');
  }
});

test('fused matMul: bias and each activation, values and gradients', { skip }, async () => {
  const a = randomArray(6 * 4, 3);
  const b = randomArray(4 * 5, 4);
  const bias = randomArray(5, 5);
  for (const activation of ['linear', 'relu', 'sigmoid', 'elu', 'relu6', 'leakyrelu'] as const) {
    const f = (x: tf.Tensor, w: tf.Tensor, c: tf.Tensor) =>
      tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: c, activation, leakyreluAlpha: 0.1 });
    await assertSame(() => f(tf.tensor2d(a, [6, 4]), tf.tensor2d(b, [4, 5]), tf.tensor1d(bias)), 1e-4, activation);
    await assertSame(() => tf.grads((x: tf.Tensor, w: tf.Tensor, c: tf.Tensor) => f(x, w, c).square().sum())(
      [tf.tensor2d(a, [6, 4]), tf.tensor2d(b, [4, 5]), tf.tensor1d(bias)]), 1e-4, `${activation} grads`);
  }
});

test('dense pair (two dense layers on one input as one product) equals two separate layers, values and gradients', { skip }, async () => {
  const x = randomArray(70 * 50, 12);
  const [kA, kB] = [randomArray(50 * 20, 13), randomArray(50 * 7, 14)];
  const [bA, bB] = [randomArray(20, 15), randomArray(7, 16)];
  for (const activation of ['linear', 'relu'] as const) {
    // On native the fused pair kernel; on cpu matMul + bias + activation per layer.
    const pair = (xs: tf.Tensor, ka: tf.Tensor, ba: tf.Tensor, kb: tf.Tensor, bb: tf.Tensor): tf.Tensor[] => hasKernel(FUSED.densePair)
      ? tf.engine().runKernel(FUSED.densePair, { x: xs, kernelA: ka, biasA: ba, kernelB: kb, biasB: bb }, { activation }) as tf.Tensor[]
      : [[ka, ba], [kb, bb]].map(([k, b]) => {
        const y = tf.add(tf.matMul(xs, k), b);
        return activation === 'relu' ? tf.relu(y) : y;
      });
    const inputs = () => [tf.tensor2d(x, [70, 50]), tf.tensor2d(kA, [50, 20]), tf.tensor1d(bA), tf.tensor2d(kB, [50, 7]), tf.tensor1d(bB)];
    await assertSame(() => pair(...(inputs() as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])), 1e-4, activation);
    // Different weights on the two outputs, so that a swapped or summed gradient shows.
    await assertSame(() => tf.grads((...t: tf.Tensor[]) => {
      const [yA, yB] = pair(t[0], t[1], t[2], t[3], t[4]);
      return tf.add(yA.square().sum(), yB.mul(3).sum());
    })(inputs()), 1e-4, `${activation} grads`);
  }
});

test('GatherV2 of rows (any rank, 2-D indices, repeats), other axes through the cpu kernel, bad indices refused', { skip }, async () => {
  const a = randomArray(6 * 4 * 3, 23);
  await assertSame(() => tf.gather(tf.tensor2d(a.subarray(0, 24), [6, 4]), tf.tensor1d([5, 0, 0, 3], 'int32')), 0, 'rows of a matrix');
  await assertSame(() => tf.gather(tf.tensor3d(a, [6, 4, 3]), tf.tensor2d([1, 2, 5, 0], [2, 2], 'int32')), 0, '2-D indices into rank 3');
  await assertSame(() => tf.gather(tf.tensor2d(a.subarray(0, 24), [6, 4]), tf.tensor1d([3, 1], 'int32'), 1), 0, 'columns');
  await assertSame(() => tf.grads((t: tf.Tensor) => tf.gather(t, tf.tensor1d([2, 2, 4], 'int32')).square().sum())([tf.tensor2d(a.subarray(0, 24), [6, 4])]),
    1e-6, 'gradient');
  await selectBackend('native');
  assert.throws(() => tf.gather(tf.tensor2d(a.subarray(0, 24), [6, 4]), tf.tensor1d([6], 'int32')), /index 6/);
  await selectBackend();
});

test('2-D slices and concatenations, and other ranks or counts through the cpu kernels', { skip }, async () => {
  const a = randomArray(9 * 13, 17);
  const b = randomArray(9 * 4, 18);
  await assertSame(() => tf.concat([tf.tensor2d(a, [9, 13]), tf.tensor2d(b, [9, 4])], 1), 0, 'side by side');
  await assertSame(() => tf.concat([tf.tensor2d(a.subarray(0, 3 * 4), [3, 4]), tf.tensor2d(b, [9, 4])], 0), 0, 'stacked rows');
  await assertSame(() => tf.concat([tf.tensor2d(b, [9, 4]), tf.tensor2d(b, [9, 4]), tf.tensor2d(a.subarray(0, 9), [9, 1])], -1), 0, 'three parts');
  await assertSame(() => tf.concat([tf.tensor3d(b, [3, 3, 4]), tf.tensor3d(b, [3, 3, 4])], 2), 0, 'rank 3');
  await assertSame(() => tf.slice(tf.tensor2d(a, [9, 13]), [2, 3], [4, -1]), 0, 'matrix slice');
  await assertSame(() => tf.slice(tf.tensor2d(a, [9, 13]), [0, 0], [-1, 5]), 0, 'leading columns');
  await assertSame(() => tf.slice(tf.tensor3d(a, [3, 3, 13]), [1, 0, 2], [2, 2, 4]), 0, 'rank 3');
});

test('binary ops with scalar, row, column and general broadcasting, values and gradients', { skip }, async () => {
  const shapes: [number[], number[]][] = [
    [[4, 5], [4, 5]], [[4, 5], [5]], [[5], [4, 5]], [[4, 5], [4, 1]], [[4, 1], [4, 5]], [[4, 5], []], [[], [4, 5]],
    [[2, 3, 4], [3, 4]], [[2, 3, 4], [2, 1, 1]], [[2, 3, 4], [1, 3, 1]], [[1, 5], [4, 1]], [[0, 3], [3]], [[1], [1]],
  ];
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div], ['maximum', tf.maximum], ['minimum', tf.minimum],
    ['squaredDifference', tf.squaredDifference],
  ];
  for (const [sa, sb] of shapes) {
    const a = randomArray(sa.reduce((x, y) => x * y, 1), 6);
    const b = randomArray(sb.reduce((x, y) => x * y, 1), 7, 0.5, 2);
    for (const [name, op] of ops) {
      const what = `${name} [${sa}] [${sb}]`;
      await assertSame(() => op(tf.tensor(a, sa), tf.tensor(b, sb)), 1e-5, what);
      if (name === 'maximum' || name === 'minimum' || sa.includes(0)) continue;
      // tfjs's SquaredDifference gradient does not reduce broadcast dimensions, on every backend.
      if (name === 'squaredDifference' && sa.join() !== sb.join()) continue;
      await assertSame(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => op(x, y).mul(tf.tensor(a, sa)).sum())([tf.tensor(a, sa), tf.tensor(b, sb)]), 1e-4, `${what} grads`);
    }
  }
  await assertSame(() => tf.pow(tf.tensor([1.5, 2, 0.5]), tf.tensor([2, 0.5, 3])), 1e-5, 'pow');
});

test('element-wise and per-row kernels on arrays large enough to be split over the worker pool', { skip }, async () => {
  // 301 × 400 = 120,400 elements (over the 64K split threshold; 301 rows split unevenly).
  const [rows, cols] = [301, 400];
  const a = randomArray(rows * cols, 19);
  const b = randomArray(rows * cols, 20);
  const row = randomArray(cols, 21);
  const col = randomArray(rows, 22);
  const x = () => tf.tensor2d(a, [rows, cols]);
  await assertSame(() => tf.mul(x(), tf.tensor2d(b, [rows, cols])), 1e-6, 'full ⊙ full');
  await assertSame(() => tf.sub(x(), tf.tensor1d(row)), 1e-6, 'full − row');
  await assertSame(() => tf.div(tf.tensor2d(col, [rows, 1]), x()), 1e-5, 'column ÷ full');
  await assertSame(() => tf.maximum(x(), tf.scalar(0.3)), 0, 'full max scalar');
  await assertSame(() => [tf.exp(x()), tf.relu(x()), tf.sigmoid(x())], 1e-5, 'unary');
  await assertSame(() => tf.grads((t: tf.Tensor) => tf.relu(t).mul(tf.tensor2d(b, [rows, cols])).sum())([x()]), 1e-6, 'relu gradient');
  const pixels = Float32Array.from(b, (v) => (v > 0 ? 1 : 0));
  await assertSame(() => tf.grads((logits: tf.Tensor) => bernoulliNll(logits as tf.Tensor2D, tf.tensor2d(pixels, [rows, cols])).mul(tf.tensor1d(col)).sum())([x()]),
    1e-5, 'Bernoulli NLL gradient, weighted rows');
  await assertSame(() => bernoulliNll(x() as tf.Tensor2D, tf.tensor2d(pixels, [rows, cols])), 1e-5, 'Bernoulli NLL per row');
});

test('unary ops, values and gradients, including Step with alpha = −1', { skip }, async () => {
  const x = randomArray(40, 8, -3, 3);
  const positive = randomArray(40, 9, 0.1, 4);
  const ops: [string, (t: tf.Tensor) => tf.Tensor, Float32Array][] = [
    ['relu', tf.relu, x], ['exp', tf.exp, x], ['log', tf.log, positive], ['neg', tf.neg, x], ['abs', tf.abs, x],
    ['log1p', tf.log1p, positive], ['square', tf.square, x], ['sqrt', tf.sqrt, positive], ['sigmoid', tf.sigmoid, x],
    ['softplus', tf.softplus, x], ['tanh', tf.tanh, x], ['rsqrt', tf.rsqrt, positive], ['reciprocal', tf.reciprocal, positive],
    ['elu', tf.elu, x], ['step', (t) => tf.step(t), x], ['step(−1)', (t) => tf.step(t, -1), x],
  ];
  for (const [name, op, input] of ops) {
    await assertSame(() => op(tf.tensor2d(input, [5, 8])), 1e-5, name);
    if (name.startsWith('step')) continue;
    await assertSame(() => tf.grad((t: tf.Tensor) => op(t).sum())(tf.tensor2d(input, [5, 8])), 1e-4, `${name} grad`);
  }
  await assertSame(() => tf.softplus(tf.tensor([-100, -20, 0, 20, 100])), 1e-6, 'softplus extremes');
  await assertSame(() => tf.relu(tf.tensor([NaN, -1, 2])), 0, 'relu NaN');
});

test('Sum and Mean over leading, trailing, middle and split axes, with keepDims', { skip }, async () => {
  const x = randomArray(3 * 4 * 5, 10);
  for (const axis of [0, 1, 2, -1, [0, 1], [1, 2], [0, 2], [0, 1, 2]]) {
    for (const keepDims of [false, true]) {
      await assertSame(() => tf.sum(tf.tensor3d(x, [3, 4, 5]), axis, keepDims), 1e-5, `sum ${axis} ${keepDims}`);
      await assertSame(() => tf.mean(tf.tensor3d(x, [3, 4, 5]), axis, keepDims), 1e-5, `mean ${axis} ${keepDims}`);
    }
  }
  await assertSame(() => tf.sum(tf.tensor2d(randomArray(128 * 784, 11, 0, 1), [128, 784]), 1), 1e-5, 'long rows');
});

test('float tensors backed by a Uint8Array (bool → float32 cast) read correctly', { skip }, async () => {
  await assertSame(() => tf.cast(tf.greater(tf.tensor([1, -1, 2, -3]), 0), 'float32').mul(tf.tensor([2, 3, 4, 5])), 0, 'cast mul');
  await assertSame(() => tf.matMul(tf.cast(tf.greater(tf.tensor2d([1, -1, 2, -3], [2, 2]), 0), 'float32'), tf.tensor2d([1, 2, 3, 4], [2, 2])), 0, 'cast matMul');
});

test('fused Bernoulli NLL equals the composite formula, values and gradients', { skip }, async () => {
  const { bernoulliNll } = await import('../src/objectives/likelihoods.js');
  const logits = randomArray(6 * 10, 12, -30, 30);
  const x = randomArray(6 * 10, 13, 0, 1);
  await assertSame(() => bernoulliNll(tf.tensor2d(logits, [6, 10]), tf.tensor2d(x, [6, 10])), 1e-5, 'nll');
  await assertSame(() => tf.grads((l: tf.Tensor, t: tf.Tensor) => bernoulliNll(l as tf.Tensor2D, t as tf.Tensor2D).mul(tf.tensor1d([1, 2, 3, 4, 5, 6])).sum())(
    [tf.tensor2d(logits, [6, 10]), tf.tensor2d(x, [6, 10])]), 1e-5, 'nll grads');
});

test('in-place Adam never writes into a caller\'s array or a clone', { skip }, async () => {
  await selectBackend('native');
  const mine = Float32Array.from([1, 2, 3]);
  const v = tf.variable(tf.tensor1d(mine));
  const snapshot = tf.clone(v);
  const adam = createAdam({ learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  adam.minimize(() => v.square().sum(), false, [v]);
  assert.deepEqual(Array.from(mine), [1, 2, 3]);
  assert.deepEqual(Array.from(snapshot.dataSync()), [1, 2, 3]);
  assertClose(v.dataSync(), [0.9, 1.9, 2.9], 1e-5); // first Adam step moves each weight by lr against its gradient's sign
  adam.dispose();
  v.dispose();
  snapshot.dispose();
  await selectBackend();
});

for (const kind of ['vae', 'ae'] as const) test(`two full ${kind} training steps give the same weights on cpu (tfjs ops and Adam) and native (fused kernels, in-place Adam)`, { skip }, async () => {
  const build = () => createModel(defaultConfig(kind, [12], { latentDim: 3, hiddenUnits: [8], seed: 4, activation: 'elu' }));
  await assertSameTraining(build, randomArray(32 * 12, 14, 0, 1), [32, 12], 1e-3, 1e-5);
});

test('convolutions: strides, padding, dilation, bias and activation, transposed, with gradients', { skip }, async () => {
  const x = randomArray(2 * 7 * 7 * 3, 15);
  const w = randomArray(3 * 3 * 3 * 4, 16);
  const bias = randomArray(4, 17);
  const cases: { strides: 1 | 2; pad: 'same' | 'valid'; dilations: 1 | 2 }[] = [
    { strides: 1, pad: 'same', dilations: 1 }, { strides: 2, pad: 'same', dilations: 1 }, { strides: 1, pad: 'valid', dilations: 1 },
    { strides: 2, pad: 'valid', dilations: 1 }, { strides: 1, pad: 'same', dilations: 2 },
  ];
  for (const { strides, pad, dilations } of cases) {
    const what = `conv stride ${strides} ${pad} dilation ${dilations}`;
    const conv = (a: tf.Tensor, f: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, strides, pad, 'NHWC', dilations);
    await assertSame(() => conv(tf.tensor4d(x, [2, 7, 7, 3]), tf.tensor4d(w, [3, 3, 3, 4])), 1e-4, what);
    await assertSame(() => tf.fused.conv2d({ x: tf.tensor4d(x, [2, 7, 7, 3]), filter: tf.tensor4d(w, [3, 3, 3, 4]), strides, pad, dilations, bias: tf.tensor1d(bias), activation: 'relu' }), 1e-4, `fused ${what}`);
    if (dilations > 1) continue; // tfjs computes no conv gradient with dilation > 1 on any backend
    await assertSame(() => tf.grads((a: tf.Tensor, f: tf.Tensor) => conv(a, f).square().sum())([tf.tensor4d(x, [2, 7, 7, 3]), tf.tensor4d(w, [3, 3, 3, 4])]), 1e-4, `${what} grads`);
    await assertSame(() => tf.grads((a: tf.Tensor, f: tf.Tensor, b: tf.Tensor) => tf.fused.conv2d({ x: a as tf.Tensor4D, filter: f as tf.Tensor4D, strides, pad, bias: b, activation: 'elu' }).square().sum())(
      [tf.tensor4d(x, [2, 7, 7, 3]), tf.tensor4d(w, [3, 3, 3, 4]), tf.tensor1d(bias)]), 1e-4, `fused ${what} grads`);
  }
  // Transposed convolution [2, 4, 4, 4] → [2, 7, 7, 3] (stride 2, same), the decoder's upsampling step.
  const y = randomArray(2 * 4 * 4 * 4, 18);
  const deconv = (a: tf.Tensor, f: tf.Tensor) => tf.conv2dTranspose(a as tf.Tensor4D, f as tf.Tensor4D, [2, 7, 7, 3], 2, 'same');
  await assertSame(() => deconv(tf.tensor4d(y, [2, 4, 4, 4]), tf.tensor4d(w, [3, 3, 3, 4])), 1e-4, 'conv2dTranspose');
  await assertSame(() => tf.grads((a: tf.Tensor, f: tf.Tensor) => deconv(a, f).square().sum())([tf.tensor4d(y, [2, 4, 4, 4]), tf.tensor4d(w, [3, 3, 3, 4])]), 1e-4, 'conv2dTranspose grads');
});

test('convolutions of one-channel images and of batches large enough to split over the worker pool, with gradients', { skip }, async () => {
  // 40 images: im2col (by output rows) and col2im (by images) run in parts on the pool; one channel takes im2col's
  // element-by-element path. Each against tfjs's cpu kernels.
  for (const [c, out] of [[1, 4], [5, 3]]) {
    const x = randomArray(40 * 28 * 28 * c, 30 + c);
    const w = randomArray(3 * 3 * c * out, 40 + c);
    for (const [strides, pad] of [[2, 'same'], [1, 'valid']] as const) {
      const what = `${c} channel(s), stride ${strides} ${pad}`;
      const conv = (a: tf.Tensor, f: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, strides, pad);
      await assertSame(() => conv(tf.tensor4d(x, [40, 28, 28, c]), tf.tensor4d(w, [3, 3, c, out])), 1e-4, what);
      await assertSame(() => tf.grads((a: tf.Tensor, f: tf.Tensor) => conv(a, f).square().sum())([tf.tensor4d(x, [40, 28, 28, c]), tf.tensor4d(w, [3, 3, c, out])]), 1e-3, `${what} grads`);
    }
  }
});

test('fused Gaussian head equals reparameterize + KL with logvar clamped, values and gradients', { skip }, async () => {
  const { sampleGaussian } = await import('../src/objectives/gaussian.js');
  const mu = randomArray(4 * 3, 19);
  const raw = Float32Array.from([-25, -20, -3, 0, 2, 9.9, 10, 12, -0.5, 1, -19, 30]); // outside, at and inside the clamp range
  const eps = randomArray(4 * 3, 20);
  const head = (m: tf.Tensor, l: tf.Tensor) => sampleGaussian(m as tf.Tensor2D, l as tf.Tensor2D, tf.tensor2d(eps, [4, 3]));
  await assertSame(() => { const { z, kl } = head(tf.tensor2d(mu, [4, 3]), tf.tensor2d(raw, [4, 3])); return [z, kl]; }, 1e-5, 'z, kl');
  await assertSame(() => tf.grads((m: tf.Tensor, l: tf.Tensor) => { const { z, kl } = head(m, l); return z.mul(tf.tensor2d(eps, [4, 3])).sum().add(kl.mul(tf.tensor1d([1, 2, 3, 4])).sum()); })(
    [tf.tensor2d(mu, [4, 3]), tf.tensor2d(raw, [4, 3])]), 1e-5, 'grads');
});

test('fused squared error equals the composite formula, values and gradients', { skip }, async () => {
  const { meanSquaredError, gaussianNll } = await import('../src/objectives/likelihoods.js');
  const p = randomArray(5 * 9, 21, 0, 1);
  const x = randomArray(5 * 9, 22, 0, 1);
  await assertSame(() => [meanSquaredError(tf.tensor2d(p, [5, 9]), tf.tensor2d(x, [5, 9])), gaussianNll(tf.tensor2d(p, [5, 9]), tf.tensor2d(x, [5, 9]), -1.2)], 1e-5, 'mse, gaussian');
  await assertSame(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => meanSquaredError(a as tf.Tensor2D, b as tf.Tensor2D).mul(tf.tensor1d([1, 2, 3, 4, 5])).sum())(
    [tf.tensor2d(p, [5, 9]), tf.tensor2d(x, [5, 9])]), 1e-5, 'mse grads');
});

test('a conv VAE (Conv2D, Flatten, Reshape, Conv2DTranspose) trains to the same weights on cpu and on native fused layers', { skip }, async () => {
  const tfl = await import('@tensorflow/tfjs-layers');
  const glorot = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const build = () => {
    const encoder = tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: glorot(1) }),
      tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 1, padding: 'valid', activation: 'elu', kernelInitializer: glorot(2) }),
      tfl.layers.flatten(),
    ] });
    const decoder = tfl.sequential({ layers: [
      tfl.layers.dense({ inputShape: [3], units: 4 * 4 * 5, activation: 'relu', kernelInitializer: glorot(3) }),
      tfl.layers.reshape({ targetShape: [4, 4, 5] }),
      tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid', kernelInitializer: glorot(4) }),
      tfl.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 1, padding: 'same', kernelInitializer: glorot(5) }),
      tfl.layers.flatten(),
    ] });
    return createModel(defaultConfig('vae', [8, 8, 1], { latentDim: 3, seed: 4 }), { encoder, decoder });
  };
  await assertSameTraining(build, randomArray(16 * 64, 23, 0, 1), [16, 64], 1e-2, 1e-4);
});

test('Tile along the first axis, and other tilings through the cpu kernel', { skip }, async () => {
  const x = randomArray(2 * 3, 24);
  await assertSame(() => tf.tile(tf.tensor2d(x, [2, 3]), [4, 1]), 0, 'rows');
  await assertSame(() => tf.tile(tf.tensor2d(x, [2, 3]), [2, 3]), 0, 'both axes');
  await assertSame(() => tf.grad((t: tf.Tensor) => tf.tile(t, [3, 1]).square().sum())(tf.tensor2d(x, [2, 3])), 1e-6, 'grad');
});

test('batches of uint8 rows: native gather equals v / 255 in shuffled order, with one-hot label columns', { skip }, async () => {
  const d = 37;
  const size = 9;
  const values = Uint8Array.from({ length: size * d }, (_, i) => (i * 97 + 13) % 256);
  const labels = Int32Array.from({ length: size }, (_, i) => i % 3);
  const data = makeDataset({ source: 'bytes', values, shape: [d], size, labels });
  const order = Int32Array.from([4, 8, 0, 2, 7, 1, 3, 6, 5]);
  await selectBackend('native');
  const x = batchTensor(data, 2, 7, order, 3);
  assert.deepEqual(x.shape, [5, d + 3]);
  const got = x.dataSync();
  for (let i = 0; i < 5; i++) {
    const row = order[2 + i];
    for (let j = 0; j < d; j++) assert.equal(got[i * (d + 3) + j], Math.fround(values[row * d + j] / 255), `row ${i}, column ${j}`);
    for (let c = 0; c < 3; c++) assert.equal(got[i * (d + 3) + d + c], c === row % 3 ? 1 : 0, `row ${i}, label column ${c}`);
  }
  x.dispose();
  // A batch large enough to be split over the worker pool (rows in parts), from a shuffled order starting mid-way.
  const big = makeDataset({ source: 'bytes', values: Uint8Array.from({ length: 1000 * 784 }, (_, i) => (i * 31 + 7) % 256), shape: [784], size: 1000 });
  const shuffled = Int32Array.from({ length: 1000 }, (_, i) => (i * 389) % 1000);
  const batch = batchTensor(big, 100, 700, shuffled);
  const rows = batch.dataSync();
  for (let i = 0; i < 600; i++) {
    const row = shuffled[100 + i];
    for (let j = 0; j < 784; j++) {
      if (rows[i * 784 + j] !== Math.fround(((row * 784 + j) * 31 + 7) % 256 / 255)) assert.fail(`large batch, row ${i}, column ${j}`);
    }
  }
  batch.dispose();
  await selectBackend();
});

test('native normals follow the portable generator\'s sequence (to the last bit but for rare rounding ties)', { skip }, () => {
  const n = 200_001;
  useNormalFiller(undefined);
  const portable = new Rng(21).normals(n);
  const after = new Rng(21);
  after.normals(n);
  const next = after.normal();
  registerNative();
  useNormalFiller((state, out) => (native as { addon: NativeAddon }).addon.normalPairs(state, out));
  const rng = new Rng(21);
  const fast = rng.normals(n);
  let differing = 0;
  for (let i = 0; i < n; i++) {
    if (fast[i] === portable[i]) continue;
    differing++;
    assert.ok(Math.abs(fast[i] - portable[i]) <= 1e-6 * Math.max(1, Math.abs(portable[i])), `draw ${i}: ${fast[i]} against ${portable[i]}`);
  }
  assert.ok(differing <= 2, `${differing} of ${n} draws differ`);
  assert.equal(rng.normal(), next, 'the generator state after the draws');
});

test('per-row noise drawn natively in one call equals each row\'s own portable sequence, and the rows continue', { skip }, () => {
  const addon = (native as { addon: NativeAddon }).addon;
  // 300 rows from row 1000 of seed 7: 20 normals each (a VAE's noise), then 3 draws of 6 (IWAE's samples), then 4 more.
  const draw = () => {
    const noise = RowNoise.of(7, 1000, 300);
    return [noise.normals(300 * 20), noise.samples(3, 6), noise.normals(300 * 4)];
  };
  useNormalFiller(undefined);
  const portable = draw();
  useNormalFiller((state, out) => addon.normalPairs(state, out), (states, out, width) => addon.rowNormalPairs(states, out, width));
  const fast = draw();
  portable.forEach((expected, part) => {
    let differing = 0;
    for (let i = 0; i < expected.length; i++) {
      if (fast[part][i] === expected[i]) continue;
      differing++;
      assert.ok(Math.abs(fast[part][i] - expected[i]) <= 1e-6 * Math.max(1, Math.abs(expected[i])), `part ${part}, draw ${i}: ${fast[part][i]} against ${expected[i]}`);
    }
    assert.ok(differing <= 2, `part ${part}: ${differing} of ${expected.length} draws differ`);
  });
  assert.throws(() => addon.rowNormalPairs(new Uint32Array(2), new Float32Array(6), 3), /even width/);
});


test('allFinite finds one NaN or ±∞ anywhere (vector body or tail) and passes the largest finite floats', { skip }, () => {
  const addon = (native as { addon: NativeAddon }).addon;
  for (const n of [1, 15, 16, 17, 1000, 65_537]) {
    const x = randomArray(n, n).map((v) => v * 1e38);
    x[n - 1] = 3.4028234e38;
    assert.equal(addon.allFinite(x), true, `${n} finite values`);
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const at of [0, Math.floor(n / 2), n - 1]) {
        const y = Float32Array.from(x);
        y[at] = bad;
        assert.equal(addon.allFinite(y), false, `${bad} at ${at} of ${n}`);
      }
    }
  }
  assert.equal(addon.allFinite(new Float32Array(0)), true);
});
