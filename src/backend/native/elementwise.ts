// Element-wise kernels: binary ops with scalar / row / column broadcasting, unary ops, Sum / Mean over a block of
// axes.
import type { NativeBackend } from './native-backend.js';
import * as tf from '../tfjs.js';
import type { NativeAddon } from './addon.js';
import { alloc, allFloat, output, sizeOf, values, type KernelArgs } from './tensors.js';

const BINARY: Record<string, number> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6, Pow: 7 };
const UNARY: Record<string, number> = {
  Relu: 0, Exp: 1, Log: 2, Neg: 3, Abs: 4, Log1p: 5, Square: 6, Sqrt: 7, Sigmoid: 8, Softplus: 9, Tanh: 10, Step: 11,
  Rsqrt: 12, Reciprocal: 13, Elu: 14,
};
const enum Layout { Full = 0, Row = 1, Col = 2, Scalar = 3 }

/** How an operand (right-aligned to the output's rank) sits on an [outer = out[:s], inner = out[s:]] grid, if it does. */
function layoutAt(shape: readonly number[], out: readonly number[], s: number): Layout | undefined {
  const padded = [...new Array(out.length - shape.length).fill(1), ...shape];
  if (sizeOf(shape) === 1) return Layout.Scalar;
  if (padded.every((d, i) => d === out[i])) return Layout.Full;
  if (padded.every((d, i) => (i < s ? d === 1 : d === out[i]))) return Layout.Row;
  if (padded.every((d, i) => (i < s ? d === out[i] : d === 1))) return Layout.Col;
  return undefined;
}

export function elementwiseKernels(addon: NativeAddon): tf.KernelConfig[] {
  const binary = (name: string): tf.KernelConfig => {
    const cpu = tf.getKernel(name, 'cpu')!.kernelFunc;
    const op = BINARY[name];
    return {
      kernelName: name, backendName: 'native',
      kernelFunc: ((args: KernelArgs) => {
        const { a, b } = args.inputs;
        if (!allFloat(a, b)) return cpu(args as never);
        const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
        for (let s = 0; s <= out.length; s++) {
          const la = layoutAt(a.shape, out, s);
          const lb = layoutAt(b.shape, out, s);
          if (la === undefined || lb === undefined) continue;
          const backend = args.backend as NativeBackend;
          const result = alloc(backend, sizeOf(out));
          addon.binary(op, values(backend, a), la, values(backend, b), lb, result, sizeOf(out.slice(0, s)), sizeOf(out.slice(s)));
          return output(backend, out, result);
        }
        return cpu(args as never);
      }) as tf.KernelFunc,
    };
  };

  const unary = (name: string): tf.KernelConfig => {
    const cpu = tf.getKernel(name, 'cpu')!.kernelFunc;
    const op = UNARY[name];
    return {
      kernelName: name, backendName: 'native',
      kernelFunc: ((args: KernelArgs) => {
        const { x } = args.inputs;
        if (!allFloat(x)) return cpu(args as never);
        const backend = args.backend as NativeBackend;
        const result = alloc(backend, sizeOf(x.shape));
        addon.unary(op, values(backend, x), result, result.length, (args.attrs?.alpha as number | undefined) ?? 0);
        return output(backend, x.shape, result);
      }) as tf.KernelFunc,
    };
  };

  /** Sum or Mean over axes that form one contiguous block, as [outer, reduce, inner] → [outer, inner]. */
  const reduction = (name: 'Sum' | 'Mean'): tf.KernelConfig => {
    const cpu = tf.getKernel(name, 'cpu')!.kernelFunc;
    return {
      kernelName: name, backendName: 'native',
      kernelFunc: ((args: KernelArgs) => {
        const { x } = args.inputs;
        const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
        const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
        const contiguous = axes.every((ax, i) => i === 0 || ax === axes[i - 1] + 1);
        if (!allFloat(x) || !contiguous || axes.length === 0) return cpu(args as never);
        const first = axes[0];
        const last = axes[axes.length - 1];
        const outer = sizeOf(x.shape.slice(0, first));
        const reduce = sizeOf(x.shape.slice(first, last + 1));
        const inner = sizeOf(x.shape.slice(last + 1));
        const backend = args.backend as NativeBackend;
        const result = alloc(backend, outer * inner);
        addon.sum3(values(backend, x), result, outer, reduce, inner);
        if (name === 'Mean' && reduce > 0) for (let i = 0; i < result.length; i++) result[i] /= reduce;
        const shape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
        return output(backend, shape, result);
      }) as tf.KernelFunc,
    };
  };

  return [...Object.keys(BINARY).map(binary), ...Object.keys(UNARY).map(unary), reduction('Sum'), reduction('Mean')];
}
