// Adam's state (moments, step count) copied out of an optimizer and back in, for checkpoints that resume exactly; and
// the finiteness check of the gradients it is about to apply.
import * as tf from '../backend/tfjs.js';

export interface AdamState {
  /** Steps taken. */
  step: number;
  /** β1^step and β2^step as the optimizer holds them (the bias corrections). */
  accBeta1: number;
  accBeta2: number;
  /** First and second moments, one array per trainable variable, in the model's variable order. */
  m: Float32Array[];
  v: Float32Array[];
}

/** The optimizers latentkit makes: the native backend's Adam, or tfjs's. */
interface SnapshotAdam {
  snapshot(variables: tf.Variable[]): AdamState;
  restore(variables: tf.Variable[], state: AdamState): void;
}

/** Whether every gradient is finite: natively on the native backend's Adam, else one sum per gradient (NaN or ±∞ anywhere makes the total non-finite). */
export function gradientsFinite(optimizer: tf.Optimizer, grads: tf.NamedTensorMap): boolean {
  const own = (optimizer as Partial<{ gradientsFinite(g: tf.NamedTensorMap): boolean }>).gradientsFinite;
  if (own) return own.call(optimizer, grads);
  const tensors = Object.values(grads);
  if (tensors.length === 0) return true;
  return Number.isFinite(tf.tidy(() => tf.addN(tensors.map((g) => g.sum()))).dataSync()[0]);
}

const hasSnapshots = (optimizer: tf.Optimizer): optimizer is tf.Optimizer & SnapshotAdam =>
  typeof (optimizer as Partial<SnapshotAdam>).snapshot === 'function';

export async function adamSnapshot(optimizer: tf.Optimizer, variables: tf.Variable[]): Promise<AdamState> {
  if (hasSnapshots(optimizer)) return optimizer.snapshot(variables);
  const weights = await optimizer.getWeights();
  const step = optimizer.iterations;
  const moments = weights.slice(1).map((w) => Float32Array.from(w.tensor.dataSync() as Float32Array));
  const n = variables.length;
  const zeros = () => variables.map((v) => new Float32Array(v.size));
  const { beta1, beta2 } = optimizer.getConfig() as { beta1: number; beta2: number };
  return {
    step, accBeta1: beta1 ** step, accBeta2: beta2 ** step,
    m: moments.length === 2 * n ? moments.slice(0, n) : zeros(),
    v: moments.length === 2 * n ? moments.slice(n) : zeros(),
  };
}

export async function restoreAdam(optimizer: tf.Optimizer, variables: tf.Variable[], state: AdamState): Promise<void> {
  if (hasSnapshots(optimizer)) return optimizer.restore(variables, state);
  const named = (arrays: Float32Array[], tag: string) =>
    arrays.map((a, i) => ({ name: `${variables[i].name}/${tag}`, tensor: tf.tensor(a, variables[i].shape) }));
  const values = [{ name: 'iter', tensor: tf.scalar(state.step, 'int32') }, ...named(state.m, 'm'), ...named(state.v, 'v')];
  await optimizer.setWeights(values);
  tf.dispose(values.map((v) => v.tensor));
}
