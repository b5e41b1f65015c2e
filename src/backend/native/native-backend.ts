// The native backend object: tfjs-cpu's storage, plus a pool that recycles the output arrays of native kernels.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type * as tf from '../tfjs.js';

/** Arrays handed out by a pool; only these are ever recycled. */
const pooled = new WeakSet<Float32Array>();
const POOL_BYTES_LIMIT = 256 * 1024 * 1024;

/**
 * Allocating a fresh, zeroed Float32Array for every op output makes V8's garbage collector compete with the BLAS
 * threads for the cores; recycling freed outputs by length avoids most of it. Reads hand out copies of pooled
 * arrays, so an array a caller holds is never reused under it.
 */
export class NativeBackend extends MathBackendCPU {
  private readonly free = new Map<number, Float32Array[]>();
  private freeBytes = 0;

  /** An array of `length` floats with undefined contents: the kernel must write every element. */
  alloc(length: number): Float32Array {
    const reused = this.free.get(length)?.pop();
    if (reused) {
      this.freeBytes -= reused.byteLength;
      return reused;
    }
    const fresh = new Float32Array(length);
    pooled.add(fresh);
    return fresh;
  }

  /** Returns a scratch array from alloc() that no tensor holds. */
  release(values: Float32Array): void {
    this.recycle(values);
  }

  private recycle(values: Float32Array): void {
    if (!pooled.has(values) || this.freeBytes + values.byteLength > POOL_BYTES_LIMIT) return;
    const list = this.free.get(values.length) ?? [];
    list.push(values);
    this.free.set(values.length, list);
    this.freeBytes += values.byteLength;
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const disposed = super.disposeData(dataId, force);
    if (disposed && values instanceof Float32Array) this.recycle(values);
    return disposed;
  }

  override readSync(dataId: tf.DataId): tf.backend_util.BackendValues {
    const values = super.readSync(dataId);
    return values instanceof Float32Array && pooled.has(values) ? values.slice() : values;
  }

  override async read(dataId: tf.DataId): Promise<tf.backend_util.BackendValues> {
    return this.readSync(dataId);
  }

  override dispose(): void {
    this.free.clear();
    this.freeBytes = 0;
    super.dispose();
  }
}
