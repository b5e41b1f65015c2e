// Representation quality: linear (softmax regression) and k-NN probes on features, and PCA as the baseline.
import * as tf from '../backend/tfjs.js';
import { check } from '../errors.js';
import { Rng, permutation, mulberry32 } from '../train/rng.js';

/** Row-major features [n, d] with integer labels. */
export interface Features {
  values: Float32Array;
  dim: number;
  labels: Int32Array;
}

const classCount = (labels: Int32Array) => labels.reduce((m, c) => Math.max(m, c), 0) + 1;

/** Feature-wise mean and standard deviation of the training features (a constant feature gets std 1). */
function standardizer(train: Features): { mean: Float32Array; std: Float32Array } {
  const n = train.values.length / train.dim;
  const mean = new Float32Array(train.dim);
  const std = new Float32Array(train.dim);
  for (let i = 0; i < train.values.length; i++) mean[i % train.dim] += train.values[i] / n;
  for (let i = 0; i < train.values.length; i++) std[i % train.dim] += (train.values[i] - mean[i % train.dim]) ** 2 / n;
  for (let j = 0; j < train.dim; j++) std[j] = std[j] > 1e-12 ? Math.sqrt(std[j]) : 1;
  return { mean, std };
}

/**
 * Test accuracy of multinomial logistic regression (softmax, L2 1e-4, Adam 1e-2, batch 256) fitted on standardized
 * training features.
 */
export function logisticProbe(train: Features, test: Features, epochs = 20, seed = 1): number {
  const classes = Math.max(classCount(train.labels), classCount(test.labels));
  const { mean, std } = standardizer(train);
  const scale = (f: Features) => tf.tidy(() => tf.tensor2d(f.values, [f.values.length / f.dim, f.dim]).sub(tf.tensor1d(mean)).div(tf.tensor1d(std)) as tf.Tensor2D);
  const x = scale(train);
  const y = tf.oneHot(tf.tensor1d(train.labels, 'int32'), classes).toFloat() as tf.Tensor2D;
  const w = tf.variable(tf.zeros([train.dim, classes]));
  const b = tf.variable(tf.zeros([classes]));
  const adam = tf.train.adam(1e-2);
  const n = x.shape[0];
  const random = mulberry32(seed);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = tf.tensor1d(permutation(n, random), 'int32');
    for (let start = 0; start < n; start += 256) {
      tf.tidy(() => {
        const idx = order.slice(start, Math.min(256, n - start));
        const xb = tf.gather(x, idx);
        const yb = tf.gather(y, idx);
        adam.minimize(() => tf.losses.softmaxCrossEntropy(yb, tf.matMul(xb, w).add(b)).add(w.square().sum().mul(1e-4)) as tf.Scalar, false, [w, b]);
      });
    }
    order.dispose();
  }
  const accuracy = tf.tidy(() => {
    const predicted = tf.matMul(scale(test), w).add(b).argMax(1);
    return predicted.equal(tf.tensor1d(test.labels, 'int32')).toFloat().mean().dataSync()[0];
  });
  tf.dispose([x, y, w, b]);
  adam.dispose();
  return accuracy;
}

/** Test accuracy of k-nearest-neighbour voting (Euclidean, ties to the nearest) on the training features. */
export function knnProbe(train: Features, test: Features, k = 5): number {
  const nTrain = train.values.length / train.dim;
  const nTest = test.values.length / test.dim;
  const xt = tf.tensor2d(train.values, [nTrain, train.dim]);
  const trainNorms = tf.tidy(() => xt.square().sum(1));
  const classes = Math.max(classCount(train.labels), classCount(test.labels));
  let correct = 0;
  for (let start = 0; start < nTest; start += 256) {
    const end = Math.min(start + 256, nTest);
    // ‖a − b‖² = ‖a‖² − 2a·b + ‖b‖²; the query's own norm does not change its ranking.
    const { indices } = tf.tidy(() => {
      const q = tf.tensor2d(test.values.subarray(start * test.dim, end * test.dim), [end - start, test.dim]);
      return tf.topk(tf.matMul(q, xt, false, true).mul(2).sub(trainNorms), k);
    });
    const nearest = indices.dataSync();
    indices.dispose();
    for (let i = 0; i < end - start; i++) {
      const votes = new Float64Array(classes);
      for (let j = 0; j < k; j++) votes[train.labels[nearest[i * k + j]]] += 1 + (k - j) * 1e-6;
      if (votes.indexOf(Math.max(...votes)) === test.labels[start + i]) correct++;
    }
  }
  tf.dispose([xt, trainNorms]);
  return correct / nTest;
}

export interface Pca {
  mean: Float32Array;
  /** Principal directions as rows [components, d], by decreasing variance. */
  components: Float32Array;
  /** Variance along each direction. */
  variances: Float32Array;
}

/**
 * The top principal components by orthogonal (subspace) iteration on the covariance matrix, with Gram–Schmidt after
 * each product and a Rayleigh–Ritz sort at the end.
 */
export function fitPca(data: Features, components: number, iterations = 60, seed = 1): Pca {
  const n = data.values.length / data.dim;
  const d = data.dim;
  check(components >= 1 && components <= d, `PCA components must be in 1..${d}, got ${components}`);
  const { mean } = standardizer(data);
  const covariance = tf.tidy(() => {
    const centered = tf.tensor2d(data.values, [n, d]).sub(tf.tensor1d(mean));
    return tf.matMul(centered, centered, true, false).div(n) as tf.Tensor2D;
  });
  const rng = new Rng(seed);
  let q = orthonormalRows(Float32Array.from(rng.normals(components * d)), components, d);
  for (let it = 0; it < iterations; it++) {
    const next = tf.tidy(() => tf.matMul(tf.tensor2d(q, [components, d]), covariance).dataSync() as Float32Array); // rows Q·C
    q = orthonormalRows(next, components, d);
  }
  // Rayleigh quotients qᵢᵀCqᵢ as the variances, sorted.
  const projected = tf.tidy(() => tf.matMul(tf.tensor2d(q, [components, d]), covariance).dataSync() as Float32Array);
  covariance.dispose();
  const variances = Array.from({ length: components }, (_, i) => {
    let v = 0;
    for (let j = 0; j < d; j++) v += q[i * d + j] * projected[i * d + j];
    return v;
  });
  const order = variances.map((_, i) => i).sort((a, b) => variances[b] - variances[a]);
  const sorted = new Float32Array(components * d);
  order.forEach((from, to) => sorted.set(q.subarray(from * d, (from + 1) * d), to * d));
  return { mean, components: sorted, variances: Float32Array.from(order, (i) => variances[i]) };
}

function orthonormalRows(rows: Float32Array, count: number, d: number): Float32Array {
  const out = Float32Array.from(rows);
  for (let i = 0; i < count; i++) {
    const r = out.subarray(i * d, (i + 1) * d);
    for (let j = 0; j < i; j++) {
      const p = out.subarray(j * d, (j + 1) * d);
      let dot = 0;
      for (let t = 0; t < d; t++) dot += r[t] * p[t];
      for (let t = 0; t < d; t++) r[t] -= dot * p[t];
    }
    let norm = 0;
    for (let t = 0; t < d; t++) norm += r[t] * r[t];
    norm = Math.sqrt(norm) || 1;
    for (let t = 0; t < d; t++) r[t] /= norm;
  }
  return out;
}

/** Coordinates of the rows along the principal directions, [n, components]. */
export function pcaTransform(pca: Pca, data: Features): Features {
  const n = data.values.length / data.dim;
  const k = pca.components.length / data.dim;
  const values = tf.tidy(() => tf.matMul(tf.tensor2d(data.values, [n, data.dim]).sub(tf.tensor1d(pca.mean)), tf.tensor2d(pca.components, [k, data.dim]), false, true).dataSync() as Float32Array);
  return { values, dim: k, labels: data.labels };
}
