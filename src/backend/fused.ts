// Names of latentkit's fused kernels; objectives use a fused kernel when the active backend registers it.
import * as tf from './tfjs.js';

export const FUSED = {
  /** Inputs logits, x [rows, d] → per-row Σ Bernoulli NLL [rows]. */
  bernoulliNll: 'LatentkitBernoulliNll',
  /** Inputs logits, x [rows, d], dy [rows] → ∂/∂logits [rows, d]. */
  bernoulliNllGrad: 'LatentkitBernoulliNllGrad',
  /** Inputs prediction, x [rows, d] → per-row Σ (prediction − x)² [rows]. */
  squaredError: 'LatentkitSquaredError',
  /** Inputs prediction, x [rows, d], dy [rows] → ∂/∂prediction [rows, d]. */
  squaredErrorGrad: 'LatentkitSquaredErrorGrad',
  /** Inputs x [rows, in], kernel [in, out], bias [out]; attr activation → act(x·kernel + bias) [rows, out]. */
  dense: 'LatentkitDense',
  /**
   * Two dense layers reading the same input (a VAE's μ and log-variance heads) as one product: inputs x [rows, in],
   * kernelA [in, a], biasA [a], kernelB [in, b], biasB [b]; attr activation → [act(x·kernelA + biasA), act(x·kernelB + biasB)].
   */
  densePair: 'LatentkitDensePair',
  /** Inputs y (an activation's output), dy; attr activation → dy ⊙ act'(y). */
  activationGrad: 'LatentkitActivationGrad',
  /** Inputs x [n, h, w, c], filter, bias; attrs strides, pad, activation → act(conv2d(x, filter) + bias), NHWC. */
  conv2d: 'LatentkitConv2D',
  /** Inputs x, filter [fh, fw, out, in], bias; attrs outputShape, strides, pad, activation → act(conv2dTranspose + bias). */
  conv2dTranspose: 'LatentkitConv2DTranspose',
  /** Inputs mu, logvar (unclamped), eps [rows, k]; attrs min, max → [z, kl] of the reparameterized Gaussian. */
  gaussianHead: 'LatentkitGaussianHead',
  /** Inputs mu, logvar, eps, dz, dkl; attrs min, max → [∂/∂mu, ∂/∂logvar]. */
  gaussianHeadGrad: 'LatentkitGaussianHeadGrad',
} as const;

/** Activations the fused dense kernel computes. */
export const FUSED_DENSE_ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, sigmoid: 2, elu: 3 };

/** Whether the active backend has a kernel of this name. */
export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}
