// Adam as one native call per variable, updating the weights, m and v in place (the tfjs optimizer runs ~10 ops each).
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '../tfjs.js';
import type { NativeAddon } from './addon.js';
import type { AdamArgs } from '../../train/trainer.js';
import type { AdamState } from '../../train/optimizer-state.js';
import { NativeBackend } from './native-backend.js';

/** Float32Arrays this optimizer allocated for weights: only these are safe to write in place. */
const owned = new WeakSet<Float32Array>();

export class NativeAdam extends tf.Optimizer {
  static get className(): string {
    return 'NativeAdam';
  }

  private readonly moments = new Map<string, { m: Float32Array; v: Float32Array }>();
  private accBeta1 = 1;
  private accBeta2 = 1;

  constructor(private readonly addon: NativeAddon, private readonly args: AdamArgs) {
    super();
  }

  /**
   * The weights' own buffer, made private first when needed: tf.variable and tf.clone share buffers with other
   * tensors (a caller's Float32Array, an early-stopping snapshot), and those must never change under their owner.
   */
  private writableValues(variable: tf.Variable, backend: MathBackendCPU): Float32Array {
    const data = backend.data.get(variable.dataId)!;
    if (data.values instanceof Float32Array && owned.has(data.values) && data.refCount === 1) return data.values;
    // From the backend's pool: the copy made after each epoch's snapshot reuses the buffer the last snapshot held
    // (fresh memory costs a page fault per 4 KiB on first write, more than the copy itself).
    const copy = backend instanceof NativeBackend ? backend.alloc(variable.size) : new Float32Array(variable.size);
    copy.set(data.values as ArrayLike<number>);
    owned.add(copy);
    const fresh = tf.tensor(copy, variable.shape, 'float32');
    variable.assign(fresh);
    fresh.dispose();
    return copy;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor] as const)
      : Object.entries(variableGradients);
    const backend = tf.backend() as MathBackendCPU;
    const { learningRate, beta1, beta2, epsilon } = this.args;
    this.accBeta1 *= beta1;
    this.accBeta2 *= beta2;
    for (const [name, gradient] of entries) {
      if (gradient == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (!variable.trainable) continue;
      let state = this.moments.get(name);
      if (!state) {
        state = { m: new Float32Array(variable.size), v: new Float32Array(variable.size) };
        this.moments.set(name, state);
      }
      const g = backend.data.get(gradient.dataId)!.values as Float32Array;
      const p = this.writableValues(variable, backend);
      this.addon.adam(p, state.m, state.v, g instanceof Float32Array ? g : Float32Array.from(g), learningRate, beta1, beta2,
        epsilon, 1 - this.accBeta1, 1 - this.accBeta2);
    }
    this.incrementIterations();
  }

  /** Whether every gradient is finite, read in place (one native pass per gradient, no tensors made). */
  gradientsFinite(grads: tf.NamedTensorMap): boolean {
    const backend = tf.backend() as MathBackendCPU;
    return Object.values(grads).every((g) => {
      const values = backend.data.get(g.dataId)!.values;
      return values instanceof Float32Array ? this.addon.allFinite(values) : Array.from(values as ArrayLike<number>).every(Number.isFinite);
    });
  }

  /** Moments of `variables` (in their order), the step count and the bias-correction products, copied out. */
  snapshot(variables: tf.Variable[]): AdamState {
    const zeros = (v: tf.Variable) => new Float32Array(v.size);
    return {
      step: this.iterations,
      accBeta1: this.accBeta1, accBeta2: this.accBeta2,
      m: variables.map((v) => Float32Array.from(this.moments.get(v.name)?.m ?? zeros(v))),
      v: variables.map((v) => Float32Array.from(this.moments.get(v.name)?.v ?? zeros(v))),
    };
  }

  /** Continues from a snapshot taken for variables of the same shapes, in the same order. */
  restore(variables: tf.Variable[], state: AdamState): void {
    variables.forEach((variable, i) => this.moments.set(variable.name, { m: Float32Array.from(state.m[i]), v: Float32Array.from(state.v[i]) }));
    this.accBeta1 = state.accBeta1;
    this.accBeta2 = state.accBeta2;
    this.iterations_ = state.step;
  }

  override dispose(): void {
    this.moments.clear();
    super.dispose();
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...this.args };
  }
}
