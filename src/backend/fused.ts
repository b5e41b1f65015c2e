// Names of latentkit's fused kernels; objectives use a fused kernel when the active backend registers it.
import * as tf from './tfjs.js';

export const FUSED = {
  /** Inputs logits, x [rows, d] → per-row Σ Bernoulli NLL [rows]. */
  bernoulliNll: 'LatentkitBernoulliNll',
  /** Inputs logits, x [rows, d], dy [rows] → ∂/∂logits [rows, d]. */
  bernoulliNllGrad: 'LatentkitBernoulliNllGrad',
} as const;

/** Whether the active backend has a kernel of this name. */
export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}
