// npm run bench:iwae — the ordering of Burda et al. 2016 on the embedded MNIST: the importance-sampled −log p(x)
// (K = 5,000) of a VAE and of IWAEs trained with k = 5 and k = 50 samples, same architecture, data and schedule.
import { createModel, defaultConfig, evaluate, fit, loadEmbedded, selectBackend } from '../src/index.js';
import { importanceSampledNll, mean } from '../src/tasks/likelihood.js';

const EPOCHS = Number(process.env.EPOCHS ?? 20);
const K = Number(process.env.IW ?? 5000);

async function main(): Promise<void> {
  const backend = await selectBackend();
  const { train, test } = await loadEmbedded('mnist');
  console.log(`latentkit bench:iwae — mnist ${train.size} train / ${test.size} test, 784-400-20 Bernoulli, ${EPOCHS} epochs, ` +
    `batch 128, Adam 1e-3, seed 1; −log p(x) by importance sampling with K = ${K}; backend ${backend.name}`);
  console.log('\n| model | training objective | test −ELBO (nats) | test −log p(x), K = ' + K + ' (nats) | training time |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [name, config] of [
    ['VAE', defaultConfig('vae', train.shape)],
    ['IWAE, k = 5', defaultConfig('iwae', train.shape, { samples: 5 })],
    ['IWAE, k = 50', defaultConfig('iwae', train.shape, { samples: 50 })],
  ] as const) {
    const model = createModel(config);
    const started = performance.now();
    await fit(model, train, { epochs: EPOCHS, batchSize: 128 });
    const seconds = (performance.now() - started) / 1000;
    const elbo = evaluate(model, test).total;
    const nll = mean(importanceSampledNll(model, test, { samples: K }));
    const objective = config.kind === 'iwae' ? `IWAE bound, k = ${config.samples}` : 'ELBO';
    console.log(`| ${name} | ${objective} | ${elbo.toFixed(2)} | ${nll.toFixed(2)} | ${seconds.toFixed(0)} s |`);
    model.dispose();
  }
}

await main();
