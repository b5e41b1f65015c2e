// npm run bench:quality — test −ELBO and MSE of latentkit's reference models against PyTorch on the same split.
// VAE 784-400-20 (ReLU, Bernoulli, Adam 1e-3, batch 128) and the classic AE 784-32-784 (MSE), 10 epochs on the
// embedded Fashion-MNIST (60,000 train / 10,000 test); PyTorch trains the same models on the same bytes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLASSIC_AUTOENCODER, createModel, defaultConfig, evaluate, fit, loadEmbedded, selectBackend } from '../src/index.js';
import { pytorch } from './reference.js';

const EPOCHS = Number(process.env.EPOCHS ?? 10);

async function main(): Promise<void> {
  const backend = await selectBackend();
  const { train, test, warnings } = await loadEmbedded('fashion-mnist');
  warnings.forEach((w) => console.log(`note: ${w}`));
  console.log(`latentkit bench:quality — fashion-mnist ${train.size} train / ${test.size} test, ${EPOCHS} epochs, backend ${backend.name}`);

  const dir = mkdtempSync(join(tmpdir(), 'latentkit-quality-'));
  writeFileSync(join(dir, 'train.u8'), train.values);
  writeFileSync(join(dir, 'test.u8'), test.values);
  const reference = pytorch('quality', dir, EPOCHS);
  rmSync(dir, { recursive: true, force: true });
  const refVae = reference?.find((r) => r.model === 'vae');
  const refAe = reference?.find((r) => r.model === 'ae');

  const vae = createModel(defaultConfig('vae', train.shape));
  let started = performance.now();
  await fit(vae, train, { epochs: EPOCHS, batchSize: 128 });
  const vaeSeconds = (performance.now() - started) / 1000;
  const vaeTest = evaluate(vae, test);

  const ae = createModel({ ...CLASSIC_AUTOENCODER, inputShape: train.shape });
  started = performance.now();
  await fit(ae, train, { epochs: EPOCHS, batchSize: 128 });
  const aeSeconds = (performance.now() - started) / 1000;
  const aeTest = evaluate(ae, test);

  const rel = (ours: number, ref: unknown) => (typeof ref === 'number' ? `${(100 * (ours - ref) / ref).toFixed(2)} %` : 'n/a');
  const num = (v: unknown, digits: number) => (typeof v === 'number' ? v.toFixed(digits) : 'n/a');
  console.log('\nVAE 784-400-20, test −ELBO in nats (lower is better)');
  console.log(`  latentkit ${vaeTest.total.toFixed(2)} (reconstruction ${vaeTest.reconstruction.toFixed(2)}, KL ${vaeTest.kl.toFixed(2)})  ${vaeSeconds.toFixed(0)} s`);
  console.log(`  pytorch   ${num(refVae?.testNegElbo, 2)} (reconstruction ${num(refVae?.reconstruction, 2)}, KL ${num(refVae?.kl, 2)})  ${num(refVae?.seconds, 0)} s`);
  console.log(`  difference ${rel(vaeTest.total, refVae?.testNegElbo)}`);
  console.log('\nclassic AE 784-32-784, test MSE (lower is better)');
  console.log(`  latentkit ${aeTest.total.toFixed(5)}  ${aeSeconds.toFixed(0)} s`);
  console.log(`  pytorch   ${num(refAe?.testMse, 5)}  ${num(refAe?.seconds, 0)} s`);
  console.log(`  difference ${rel(aeTest.total, refAe?.testMse)}`);
}

await main();
