// A VAE on the embedded Fashion-MNIST: train on the ELBO, save the run, load it back, sample and interpolate.
// Run: node --import tsx examples/vae.ts
import { writeFileSync } from 'node:fs';
import {
  createModel, defaultConfig, evaluate, fit, gridPng, interpolate, loadEmbedded, loadRun, samplePrior, saveRun, selectBackend,
} from '../src/index.js';

const backend = await selectBackend();
const { train, test } = await loadEmbedded('fashion-mnist');
const model = createModel(defaultConfig('vae', train.shape, { latentDim: 16, hiddenUnits: [512, 256] }));
const { history } = await fit(model, train, {
  epochs: Number(process.env.EPOCHS ?? 5),
  batchSize: 128,
  validationData: test,
  patience: 3,
  callbacks: { onEpochEnd: (m) => console.log(`epoch ${m.epoch}: −ELBO ${m.train.total.toFixed(1)} (KL ${m.train.kl.toFixed(1)}), val ${m.validation?.total.toFixed(1)}`) },
});
const terms = evaluate(model, test);
console.log(`test −ELBO ${terms.total.toFixed(2)} nats = reconstruction ${terms.reconstruction.toFixed(2)} + KL ${terms.kl.toFixed(2)}`);

await saveRun('runs/example-vae', model, { data: { source: 'fashion-mnist', shape: train.shape }, history, test: terms, backend: backend.name });
const { model: loaded } = await loadRun('runs/example-vae');
writeFileSync('runs/example-vae/samples.png', gridPng({ images: samplePrior(loaded, 32), shape: loaded.inputShape, columns: 8 }));
writeFileSync('runs/example-vae/interpolation.png', gridPng({ images: interpolate(loaded, test, 0, 1, 10), shape: loaded.inputShape, columns: 10 }));
console.log('wrote runs/example-vae/ (model, samples.png, interpolation.png)');
