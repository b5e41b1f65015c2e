// BatchMatMul and _FusedMatMul through sgemm: transposes, broadcast batches, bias and activation in one pass.
import type { NativeBackend } from './native-backend.js';
import * as tf from '../tfjs.js';
import type { NativeAddon } from './addon.js';
import { alloc, allFloat, output, sizeOf, values, type KernelArgs } from './tensors.js';

const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, sigmoid: 2, elu: 3, relu6: 4, leakyrelu: 5 };

interface Product {
  batch: number;
  m: number;
  n: number;
  k: number;
  strideA: number;
  strideB: number;
  outShape: number[];
}

/** Shapes of op(A)·op(B) when the batch dimensions match or one side has a single matrix; undefined otherwise. */
function product(a: tf.TensorInfo, b: tf.TensorInfo, transA: boolean, transB: boolean): Product | undefined {
  if (a.shape.length < 2 || b.shape.length < 2) return undefined;
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [k2, n] = transB ? [bc, br] : [br, bc];
  if (k !== k2) return undefined;
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const lead = batchA >= batchB ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
  if (batchA === batchB && a.shape.length !== b.shape.length) return undefined;
  return {
    batch: Math.max(batchA, batchB), m, n, k,
    strideA: batchA === 1 ? 0 : m * k, strideB: batchB === 1 ? 0 : k * n,
    outShape: [...lead, m, n],
  };
}

export function matMulKernels(addon: NativeAddon): tf.KernelConfig[] {
  const cpuBatch = tf.getKernel('BatchMatMul', 'cpu')!.kernelFunc;
  const cpuFused = tf.getKernel('_FusedMatMul', 'cpu')!.kernelFunc;

  const run = (backend: NativeBackend, a: tf.TensorInfo, b: tf.TensorInfo, p: Product, transA: boolean, transB: boolean,
    epilogue?: { bias: Float32Array | null; act: number; alpha: number }): Float32Array => {
    const out = alloc(backend, p.batch * p.m * p.n);
    addon.gemm(values(backend, a), values(backend, b), out, p.batch, p.m, p.n, p.k, transA, transB, p.strideA, p.strideB, p.m * p.n,
      epilogue?.bias, epilogue?.act, epilogue?.alpha);
    return out;
  };

  const batchMatMul = (args: KernelArgs) => {
    const { a, b } = args.inputs;
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const p = allFloat(a, b) ? product(a, b, transposeA, transposeB) : undefined;
    if (!p) return cpuBatch(args as never) as tf.TensorInfo;
    const backend = args.backend as NativeBackend;
    return output(backend, p.outShape, run(backend, a, b, p, transposeA, transposeB));
  };

  const fusedMatMul = (args: KernelArgs) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as {
      transposeA: boolean; transposeB: boolean; activation: string; leakyreluAlpha?: number;
    };
    const act = ACTIVATIONS[activation];
    const p = allFloat(a, b, bias) && act !== undefined && !preluActivationWeights ? product(a!, b!, transposeA, transposeB) : undefined;
    if (!p || (bias && sizeOf(bias.shape) !== p.n && sizeOf(bias.shape) !== 1)) return cpuFused(args as never) as tf.TensorInfo;
    const backend = args.backend as NativeBackend;
    let biasValues = bias ? values(backend, bias) : null;
    if (biasValues && biasValues.length === 1 && p.n !== 1) biasValues = new Float32Array(p.n).fill(biasValues[0]);
    const out = run(backend, a!, b!, p, transposeA, transposeB, { bias: biasValues, act, alpha: leakyreluAlpha ?? 0.2 });
    return output(backend, p.outShape, out);
  };

  return [
    { kernelName: 'BatchMatMul', backendName: 'native', kernelFunc: batchMatMul as tf.KernelFunc },
    { kernelName: '_FusedMatMul', backendName: 'native', kernelFunc: fusedMatMul as tf.KernelFunc },
  ];
}
