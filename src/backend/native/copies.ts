// Kernels that copy blocks of floats, where tfjs-cpu goes element by element through index arithmetic: Tile along
// the first axis, 2-D Slice and Concat, and GatherV2 of rows.
import type { NativeBackend } from './native-backend.js';
import * as tf from '../tfjs.js';
import type { NativeAddon } from './addon.js';
import { alloc, allFloat, output, values, type KernelArgs } from './tensors.js';

export function copyKernels(addon: NativeAddon): tf.KernelConfig[] {
  /** Tile that repeats the whole tensor along the first axis only (reps [k, 1, …]): k block copies. */
  const cpuTile = tf.getKernel('Tile', 'cpu')!.kernelFunc;
  const tile: tf.KernelConfig = {
    kernelName: 'Tile', backendName: 'native',
    kernelFunc: ((args: KernelArgs) => {
      const { x } = args.inputs;
      const reps = args.attrs!.reps as number[];
      if (!allFloat(x) || reps.length !== x.shape.length || reps.slice(1).some((r) => r !== 1)) return cpuTile(args as never);
      const backend = args.backend as NativeBackend;
      const src = values(backend, x);
      const result = alloc(backend, src.length * reps[0]);
      for (let i = 0; i < reps[0]; i++) result.set(src, i * src.length);
      return output(backend, [x.shape[0] * reps[0], ...x.shape.slice(1)], result);
    }) as tf.KernelFunc,
  };

  /** Slice of a float matrix (tfjs-cpu reads it one element at a time through a TensorBuffer): a copy per row. */
  const cpuSlice = tf.getKernel('Slice', 'cpu')!.kernelFunc;
  const slice: tf.KernelConfig = {
    kernelName: 'Slice', backendName: 'native',
    kernelFunc: ((args: KernelArgs) => {
      const { x } = args.inputs;
      if (!allFloat(x) || x.shape.length !== 2) return cpuSlice(args as never);
      const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, args.attrs!.begin as number[], args.attrs!.size as number[]);
      const backend = args.backend as NativeBackend;
      const result = alloc(backend, size[0] * size[1]);
      addon.slice2d(values(backend, x), x.shape[1], begin[0], begin[1], size[0], size[1], result);
      return output(backend, size, result);
    }) as tf.KernelFunc,
  };

  /** Concat of two float matrices along either axis (tfjs-cpu copies element by element): row blocks or side by side. */
  const cpuConcat = tf.getKernel('Concat', 'cpu')!.kernelFunc;
  const concat: tf.KernelConfig = {
    kernelName: 'Concat', backendName: 'native',
    kernelFunc: ((args: KernelArgs) => {
      const [a, b] = Object.values(args.inputs);
      const parts = Object.keys(args.inputs).length;
      const axis = tf.util.parseAxisParam(args.attrs!.axis as number, a?.shape ?? [])[0];
      if (parts !== 2 || !allFloat(a, b) || a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1 - axis] !== b.shape[1 - axis]) {
        return cpuConcat(args as never);
      }
      const backend = args.backend as NativeBackend;
      const [va, vb] = [values(backend, a), values(backend, b)];
      const result = alloc(backend, va.length + vb.length);
      if (axis === 0) {
        result.set(va);
        result.set(vb, va.length);
        return output(backend, [a.shape[0] + b.shape[0], a.shape[1]], result);
      }
      addon.concatColumns(va, a.shape[1], vb, b.shape[1], a.shape[0], result);
      return output(backend, [a.shape[0], a.shape[1] + b.shape[1]], result);
    }) as tf.KernelFunc,
  };

  /** GatherV2 of whole rows (axis 0, no batch dimensions): one block copy per index, indices checked as tfjs does. */
  const cpuGather = tf.getKernel('GatherV2', 'cpu')!.kernelFunc;
  const gather: tf.KernelConfig = {
    kernelName: 'GatherV2', backendName: 'native',
    kernelFunc: ((args: KernelArgs) => {
      const { x, indices } = args.inputs;
      const axis = tf.util.parseAxisParam(args.attrs!.axis as number, x.shape)[0];
      if (!allFloat(x) || axis !== 0 || (args.attrs!.batchDims as number ?? 0) !== 0 || x.shape.length === 0) return cpuGather(args as never);
      const backend = args.backend as NativeBackend;
      const rows = backend.data.get(indices.dataId)!.values as ArrayLike<number>;
      const src = values(backend, x);
      const width = src.length / x.shape[0];
      const result = alloc(backend, rows.length * width);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        tf.util.assert(row >= 0 && row < x.shape[0], () => `GatherV2: the index ${row} is not in [0, ${x.shape[0] - 1}]`);
        result.set(src.subarray(row * width, (row + 1) * width), i * width);
      }
      return output(backend, [...indices.shape, ...x.shape.slice(1)], result);
    }) as tf.KernelFunc,
  };

  return [tile, slice, concat, gather];
}
