// npm run bench:one-class — one-class anomaly detection on the embedded Fashion-MNIST: for each class c, train on
// class c's 6,000 training images only, score the whole 10,000-image test split, and report ROC-AUC (class c normal,
// every other class anomalous) for a dense AE (MSE score), a conv AE (MSE score) and a VAE (−ELBO score).
import { anomalyScores, createModel, defaultConfig, fit, loadEmbedded, rocAuc, selectBackend, subset, type ModelConfig, type ScoreKind } from '../src/index.js';

const EPOCHS = Number(process.env.EPOCHS ?? 10);

async function main(): Promise<void> {
  const backend = await selectBackend();
  const { train, test } = await loadEmbedded('fashion-mnist');
  const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
  const models: [string, ModelConfig, ScoreKind][] = [
    ['dense AE 784-256-32 (MSE)', defaultConfig('ae', train.shape, { hiddenUnits: [256], latentDim: 32, latentActivation: 'linear' }), 'mse'],
    ['conv AE 32-64 → 32 (MSE)', defaultConfig('conv-ae', train.shape, { latentDim: 32 }), 'mse'],
    ['VAE 784-400-20 (−ELBO)', defaultConfig('vae', train.shape), 'elbo'],
  ];
  console.log(`latentkit bench:one-class — fashion-mnist, train on one class's 6,000 images, score the 10,000 test images; ${EPOCHS} epochs, batch 128, backend ${backend.name}\n`);
  console.log(`| class | ${models.map(([name]) => name).join(' | ')} |`);
  console.log(`| --- | ${models.map(() => '---').join(' | ')} |`);
  const sums = models.map(() => 0);
  for (let c = 0; c < 10; c++) {
    const normal = subset(train, Array.from({ length: train.size }, (_, i) => i).filter((i) => train.labels![i] === c));
    const labels = Array.from(test.labels!, (label) => (label === c ? 0 : 1));
    const aucs: number[] = [];
    for (const [, config, score] of models) {
      const model = createModel(config);
      await fit(model, normal, { epochs: EPOCHS, batchSize: 128 });
      aucs.push(rocAuc(anomalyScores(model, test, score), labels));
      model.dispose();
    }
    aucs.forEach((a, i) => (sums[i] += a));
    console.log(`| ${c} ${names[c]} | ${aucs.map((a) => a.toFixed(3)).join(' | ')} |`);
  }
  console.log(`| mean | ${sums.map((s) => (s / 10).toFixed(3)).join(' | ')} |`);
}

await main();
