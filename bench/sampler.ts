// npm run bench:sampler — does an ex-post Gaussian mixture on the codes give better samples than N(0, I)?
// Measure: the mean Euclidean distance from each generated image to its nearest image of the MNIST test split
// (lower = closer to real digits), with real training images as the floor. AE and VAE, 16-d codes, 10 epochs.
import * as tf from '../src/backend/tfjs.js';
import { batchTensor, createModel, decodeCodes, defaultConfig, encodeDataset, fit, fitGmm, head, loadEmbedded, Rng, sampleGmm, selectBackend } from '../src/index.js';

const SAMPLES = 1000;

/** Mean over rows of `images` [n, 784] of the distance to the nearest row of `reference` [m, 784]. */
function meanNearestDistance(images: Float32Array, reference: tf.Tensor2D): number {
  const n = images.length / 784;
  const refNorms = tf.tidy(() => reference.square().sum(1));
  let total = 0;
  for (let start = 0; start < n; start += 250) {
    const end = Math.min(start + 250, n);
    const d2 = tf.tidy(() => {
      const q = tf.tensor2d(images.subarray(start * 784, end * 784), [end - start, 784]);
      // ‖q − r‖² = ‖q‖² − 2 q·r + ‖r‖², minimised over the reference rows
      return tf.matMul(q, reference, false, true).mul(-2).add(refNorms).min(1).add(q.square().sum(1)).maximum(0).sqrt().sum();
    });
    total += d2.dataSync()[0];
    d2.dispose();
  }
  refNorms.dispose();
  return total / n;
}

async function main(): Promise<void> {
  const backend = await selectBackend();
  const { train, test } = await loadEmbedded('mnist');
  const reference = batchTensor(test, 0, test.size);
  console.log(`latentkit bench:sampler — mnist ${train.size} train / ${test.size} test; ${SAMPLES} samples each; backend ${backend.name}`);
  console.log('mean distance from each sample to its nearest test image (lower is closer to real digits)\n');
  console.log('| model | N(0, I) | GMM, 10 components |');
  console.log('| --- | --- | --- |');
  const real = batchTensor(head(train, SAMPLES), 0, SAMPLES);
  console.log(`| real training images (floor) | ${meanNearestDistance(real.dataSync() as Float32Array, reference).toFixed(3)} | |`);
  real.dispose();
  for (const [name, config] of [
    ['AE 784-256-16', defaultConfig('ae', train.shape, { hiddenUnits: [256], latentDim: 16, latentActivation: 'linear' })],
    ['VAE 784-400-16', defaultConfig('vae', train.shape, { latentDim: 16 })],
  ] as const) {
    const model = createModel(config);
    await fit(model, train, { epochs: 10, batchSize: 128 });
    const prior = decodeCodes(model, new Rng(5).normals(SAMPLES * 16));
    const gmm = fitGmm(encodeDataset(model, train), 16, 10, 1);
    const mixture = decodeCodes(model, sampleGmm(gmm, SAMPLES, 5));
    console.log(`| ${name} | ${meanNearestDistance(prior, reference).toFixed(3)} | ${meanNearestDistance(mixture, reference).toFixed(3)} |`);
    model.dispose();
  }
  reference.dispose();
}

await main();
