// Reading and writing tensor data on the native backend (a NativeBackend whose hot kernels are native).
import type { NativeBackend } from './native-backend.js';
import type * as tf from '../tfjs.js';

export type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

/** Float32 values of a tensor. tfjs-cpu's bool→float32 cast can leave a Uint8Array behind a float32 tensor: copy it. */
export function values(backend: NativeBackend, t: tf.TensorInfo): Float32Array {
  const v = backend.data.get(t.dataId)!.values;
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}

export function output(backend: NativeBackend, shape: number[], data: Float32Array): tf.TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', data);
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function allFloat(...ts: (tf.TensorInfo | undefined)[]): boolean {
  return ts.every((t) => t === undefined || t.dtype === 'float32');
}

/** An output array of `length` floats from the backend's pool; the kernel must write every element. */
export function alloc(backend: tf.KernelBackend, length: number): Float32Array {
  return (backend as NativeBackend).alloc(length);
}

/** Gives a scratch array from alloc() back to the pool. */
export function release(backend: tf.KernelBackend, scratch: Float32Array): void {
  (backend as NativeBackend).release(scratch);
}
