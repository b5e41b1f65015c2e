// Reading and writing tensor data on the native backend (a MathBackendCPU whose hot kernels are native).
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type * as tf from '../tfjs.js';

export type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

/** Float32 values of a tensor. tfjs-cpu's bool→float32 cast can leave a Uint8Array behind a float32 tensor: copy it. */
export function values(backend: MathBackendCPU, t: tf.TensorInfo): Float32Array {
  const v = backend.data.get(t.dataId)!.values;
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}

export function output(backend: MathBackendCPU, shape: number[], data: Float32Array): tf.TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', data);
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function allFloat(...ts: (tf.TensorInfo | undefined)[]): boolean {
  return ts.every((t) => t === undefined || t.dtype === 'float32');
}
