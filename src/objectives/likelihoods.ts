// Reconstruction terms: negative log-likelihoods in nats (VAE) and the classic per-feature means (autoencoder).
import * as tf from '../backend/tfjs.js';
import { FUSED, hasKernel } from '../backend/fused.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * −log Bernoulli(x | sigmoid(logits)) summed over features, in the stable form
 * max(l, 0) − l·x + log(1 + exp(−|l|)), which never exponentiates a large positive number.
 */
export function bernoulliNll(logits: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor1D {
  if (hasKernel(FUSED.bernoulliNll)) return tf.engine().runKernel(FUSED.bernoulliNll, { logits, x }) as tf.Tensor1D;
  return tf.tidy(() => {
    const perFeature = tf.relu(logits).sub(logits.mul(x)).add(tf.log1p(tf.exp(tf.abs(logits).neg())));
    return perFeature.sum(1) as tf.Tensor1D; // [batch]
  });
}

/**
 * −log N(x | mean, σ²) summed over features, with one shared log σ (a number, or a scalar tensor to learn it) or one
 * log σ per feature (a [D] tensor).
 */
export function gaussianNll(mean: tf.Tensor2D, x: tf.Tensor2D, logSigma: number | tf.Tensor): tf.Tensor1D {
  if (typeof logSigma !== 'number' && logSigma.rank === 1) {
    return tf.tidy(() => tf.squaredDifference(x, mean).mul(tf.exp(logSigma.mul(-2))).sum(1).mul(0.5)
      .add(logSigma.sum().add(HALF_LOG_2PI * x.shape[1])) as tf.Tensor1D);
  }
  return tf.tidy(() => {
    const d = x.shape[1];
    const ls = typeof logSigma === 'number' ? tf.scalar(logSigma) : (logSigma as tf.Scalar);
    const sq = sumSquaredError(mean, x); // [batch]
    return sq.mul(tf.exp(ls.mul(-2))).mul(0.5).add(ls.add(HALF_LOG_2PI).mul(d)) as tf.Tensor1D;
  });
}

/** Mean squared error per example (the mean over features, as Keras's `mse`). */
export function meanSquaredError(prediction: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => sumSquaredError(prediction, x).div(x.shape[1]) as tf.Tensor1D);
}

/** Σ over features of (prediction − x)², per example. */
export function sumSquaredError(prediction: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor1D {
  if (hasKernel(FUSED.squaredError)) return tf.engine().runKernel(FUSED.squaredError, { prediction, x }) as tf.Tensor1D;
  return tf.tidy(() => tf.squaredDifference(prediction, x).sum(1) as tf.Tensor1D);
}

const PROBABILITY_EPSILON = 1e-7;

/** Binary cross-entropy per example from probabilities (mean over features, clipped to [ε, 1 − ε] as Keras does). */
export function binaryCrossEntropy(probabilities: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const p = tf.clipByValue(probabilities, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
    return x.mul(tf.log(p)).add(tf.scalar(1).sub(x).mul(tf.log1p(p.neg()))).mean(1).neg() as tf.Tensor1D;
  });
}
