// The classic autoencoder (784 → Dense(32, relu) → Dense(784, sigmoid), Adam, MSE, batch 256) on the embedded MNIST.
// Run: node --import tsx examples/classic-autoencoder.ts
import { CLASSIC_AUTOENCODER, createModel, evaluate, fit, loadEmbedded, selectBackend } from '../src/index.js';

await selectBackend();
const { train, test } = await loadEmbedded('mnist');
const model = createModel({ ...CLASSIC_AUTOENCODER, inputShape: train.shape });
await fit(model, train, {
  epochs: Number(process.env.EPOCHS ?? 20),
  batchSize: 256,
  callbacks: { onEpochEnd: (m) => console.log(`epoch ${m.epoch}: mse ${m.train.total.toFixed(4)}`) },
});
console.log(`test MSE ${evaluate(model, test).total.toFixed(4)}`);
