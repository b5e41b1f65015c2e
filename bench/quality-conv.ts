// npm run bench:quality-conv — the conv VAE (Conv 32, 64 stride 2 → 16-d latent → two stride-2 transposed convs,
// Bernoulli) for 10 epochs on the embedded Fashion-MNIST, against the same model in PyTorch on the same bytes:
// test −ELBO side by side, and the training throughput ratio from the same run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, defaultConfig, evaluate, fit, loadEmbedded, selectBackend } from '../src/index.js';
import { pytorch } from './reference.js';

const EPOCHS = Number(process.env.EPOCHS ?? 10);

async function main(): Promise<void> {
  const backend = await selectBackend();
  const { train, test } = await loadEmbedded('fashion-mnist');
  console.log(`latentkit bench:quality-conv — fashion-mnist ${train.size} train / ${test.size} test, ${EPOCHS} epochs, batch 128, backend ${backend.name}`);
  const dir = mkdtempSync(join(tmpdir(), 'latentkit-quality-'));
  writeFileSync(join(dir, 'train.u8'), train.values);
  writeFileSync(join(dir, 'test.u8'), test.values);
  const reference = pytorch('quality-conv', dir, EPOCHS)?.[0];
  rmSync(dir, { recursive: true, force: true });

  const model = createModel(defaultConfig('conv-vae', train.shape, { latentDim: 16, filters: [32, 64], kernelSize: 3 }));
  const started = performance.now();
  await fit(model, train, { epochs: EPOCHS, batchSize: 128 });
  const seconds = (performance.now() - started) / 1000;
  const terms = evaluate(model, test);
  const rate = (EPOCHS * train.size) / seconds;
  const ref = (key: string) => (reference ? Number(reference[key]) : NaN);
  console.log('\nconv VAE, test −ELBO in nats (lower is better)');
  console.log(`  latentkit ${terms.total.toFixed(2)} (reconstruction ${terms.reconstruction.toFixed(2)}, KL ${terms.kl.toFixed(2)})  ${seconds.toFixed(0)} s, ${rate.toFixed(0)} samples/s`);
  console.log(`  pytorch   ${ref('testNegElbo').toFixed(2)} (reconstruction ${ref('reconstruction').toFixed(2)}, KL ${ref('kl').toFixed(2)})  ${ref('seconds').toFixed(0)} s, ${ref('samplesPerSecond').toFixed(0)} samples/s`);
  console.log(`  difference ${(100 * (terms.total - ref('testNegElbo')) / ref('testNegElbo')).toFixed(2)} %, training speed ratio ${(rate / ref('samplesPerSecond')).toFixed(2)}×`);
}

await main();
