// npm run bench:train — training and inference throughput of latentkit's backends against PyTorch, in one run.
// Prints samples/s (best of 3 epochs; PyTorch and native best of ROUNDS=5 alternating runs) and the ratio to PyTorch
// measured in the same run, with the ratio of each round and their median; the machine is noisy, so only the ratios
// are comparable between runs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '../src/backend/tfjs.js';
import { evaluate, fit, selectBackend, type AutoencoderModel, type BackendName } from '../src/index.js';
import { loadAddon } from '../src/backend/native/addon.js';
import { nativeGemmGflops } from '../src/tasks/gemm-speed.js';
import { convVae, denseVae, randomImages } from './models.js';
import { pytorch } from './reference.js';

interface Case {
  name: string;
  model: 'dense' | 'conv';
  batch: number;
  /** Training samples per epoch on native and PyTorch; the slow backends train on fewer. */
  samples: number;
  /** Multiply-adds per example in the forward pass; training costs three times that (forward + two backward GEMMs). */
  forwardMacs: number;
  /** The case's dominant GEMM [m, k, n], whose measured speed sets the GEMM-bound limit. */
  gemm: [number, number, number];
}

const DENSE_MACS = 784 * 400 + 2 * 400 * 20 + 20 * 400 + 400 * 784;
// conv1 14·14·(9·1)·32, conv2 7·7·(9·32)·64, heads 2·3136·16, dense 16·3136, deconv1 7·7·(9·32)·64 (as its gradient), deconv2 14·14·(9·1)·32.
const CONV_MACS = 14 * 14 * 9 * 32 + 7 * 7 * 9 * 32 * 64 + 2 * 3136 * 16 + 16 * 3136 + 7 * 7 * 9 * 32 * 64 + 14 * 14 * 9 * 32;

const CASES: Case[] = [
  { name: 'dense VAE 784-400-20, batch 128', model: 'dense', batch: 128, samples: 12800, forwardMacs: DENSE_MACS, gemm: [128, 784, 400] },
  { name: 'dense VAE 784-400-20, batch 512', model: 'dense', batch: 512, samples: 25600, forwardMacs: DENSE_MACS, gemm: [512, 784, 400] },
  { name: 'conv VAE 28×28×1 → 16, batch 128', model: 'conv', batch: 128, samples: 6400, forwardMacs: CONV_MACS, gemm: [128 * 49, 288, 64] },
];
/** The slow backends train on a fraction of the samples (at least one batch) so that the run stays in minutes. */
const SAMPLE_FRACTION: Partial<Record<BackendName, number>> = { native: 1, wasm: 0.1, cpu: 0.01 };

async function trainSpeed(backend: BackendName, c: Case): Promise<number | string> {
  // latentkit moves such training to the cpu backend, which the cpu row measures.
  if (backend === 'wasm' && c.model === 'conv') return 'cannot train convolutions (tfjs-wasm has no Conv2DBackpropFilter)';
  await selectBackend(backend);
  let model: AutoencoderModel | undefined;
  try {
    model = c.model === 'dense' ? denseVae() : convVae();
    const samples = Math.max(c.batch, Math.round(c.samples * (SAMPLE_FRACTION[backend] ?? 1)));
    const { history } = await fit(model, randomImages(samples), { epochs: backend === 'native' ? 3 : 2, batchSize: c.batch });
    return Math.max(...history.map((h) => h.samplesPerSecond));
  } catch (err) {
    return `cannot train: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    model?.dispose();
  }
}

async function inferenceSpeed(backend: BackendName, samples: number): Promise<number> {
  await selectBackend(backend);
  const model = denseVae();
  const data = randomImages(samples);
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const start = performance.now();
    model.encode(tf.zeros([1, 784])).dispose();
    evaluate(model, data, { batchSize: 500 }); // encodes every image and scores its −ELBO
    best = Math.max(best, samples / ((performance.now() - start) / 1000));
  }
  model.dispose();
  return best;
}

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const fmt = (v: number | string | undefined) => (typeof v === 'number' ? `${v.toFixed(0).padStart(8)} samples/s` : `  ${v ?? 'n/a'}`);

/** Runs one measurement in a fresh process, so that one backend's memory and JIT state never slow another's. */
function measure(task: string, backend: BackendName, index: number, env: Record<string, string> = {}): number | string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), task, backend, String(index)],
    { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) return `failed: ${r.stderr.trim().split('\n').pop()}`;
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { value: number | string };
  return out.value;
}
/**
 * Each round measures PyTorch and then native back to back; the median of those ratios resists a burst of noise that
 * lifts or sinks one side's best.
 */
function printRounds(ratios: number[]): void {
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(`          ratio in each round ${ratios.map((q) => `${q.toFixed(2)}×`).join(', ')}; median ${sorted[(sorted.length - 1) >> 1].toFixed(2)}×`);
}

const ratio = (v: number | string, ref: number | undefined) => (typeof v === 'number' && ref ? `${(v / ref).toFixed(2)}×` : '');

async function main(): Promise<void> {
  const backends: BackendName[] = loadAddon().addon ? ['native', 'wasm', 'cpu'] : ['wasm', 'cpu'];
  const info = loadAddon().addon?.info();
  console.log(`latentkit bench:train — ${new Date().toISOString()}; native addon: ${info ? `${info.blas}, ${info.threads} threads` : 'not built'}`);
  for (const c of CASES) {
    // PyTorch and native alternate for ROUNDS rounds and each keeps its best, so a burst of noise hits both alike.
    let ref: Record<string, number | string> | undefined;
    let nativeRate: number | string = 0;
    let denseRate: number | string = 0;
    const roundRatios: number[] = [];
    const best = (old: number | string, rate: number | string) => (typeof rate !== 'number' || typeof old !== 'number' || rate > old ? rate : old);
    for (let round = 0; round < ROUNDS; round++) {
      const r = pytorch('speed', c.model, c.batch, c.samples)?.[0];
      if (r && (!ref || Number(r.samplesPerSecond) > Number(ref.samplesPerSecond))) ref = r;
      if (!backends.includes('native')) continue;
      const rate = measure('train', 'native', CASES.indexOf(c));
      if (r && typeof rate === 'number') roundRatios.push(rate / Number(r.samplesPerSecond));
      nativeRate = best(nativeRate, rate);
      if (c.model === 'dense') denseRate = best(denseRate, measure('train', 'native', CASES.indexOf(c), { LATENTKIT_SPARSE: '0' }));
    }
    const refRate = ref ? Number(ref.samplesPerSecond) : undefined;
    console.log(`\n${c.name}`);
    console.log(`  pytorch ${fmt(refRate)}${ref ? ` (${ref.threads} thread${ref.threads === 1 ? '' : 's'})` : ''}`);
    for (const backend of backends) {
      const rate = backend === 'native' ? nativeRate : measure('train', backend, CASES.indexOf(c));
      console.log(`  ${backend.padEnd(7)} ${fmt(rate)}  ${ratio(rate, refRate)}`);
      if (backend === 'native' && roundRatios.length) printRounds(roundRatios);
      if (backend === 'native' && typeof rate === 'number') {
        // The addon's own product (tf.matMul would add a copy of C into fresh, page-faulting memory to each call).
        const gflops = nativeGemmGflops(loadAddon().addon!, ...c.gemm);
        const limit = (gflops * 1e9) / (2 * 3 * c.forwardMacs);
        if (c.model === 'dense') console.log(`  native with dense products only (LATENTKIT_SPARSE=0): ${fmt(denseRate).trim()}  ${ratio(denseRate, refRate)}`);
        console.log(`          dense-GEMM-bound limit ${limit.toFixed(0)} samples/s (sgemm ${c.gemm.join('×')} at ${gflops.toFixed(0)} GFLOP/s ÷ ${(6 * c.forwardMacs / 1e6).toFixed(1)} MFLOP/sample): ${(100 * rate / limit).toFixed(0)} % reached`);
      }
    }
  }
  // PyTorch and native alternate here too, each keeping its best.
  const refRates: number[] = [];
  const nativeRates: (number | string)[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    refRates.push(Number(pytorch('infer', 10000)?.[0]?.samplesPerSecond ?? NaN));
    if (backends.includes('native')) nativeRates.push(measure('infer', 'native', 10000));
  }
  const refRate = Math.max(...refRates);
  console.log('\ninference: encode + per-example −ELBO of 10,000 images (dense VAE)');
  console.log(`  pytorch ${fmt(Number.isNaN(refRate) ? undefined : refRate)}`);
  for (const backend of backends) {
    const rates = backend === 'native' ? nativeRates : [measure('infer', backend, 2000)];
    const rate = rates.every((r) => typeof r === 'number') ? Math.max(...(rates as number[])) : rates[0];
    console.log(`  ${backend.padEnd(7)} ${fmt(rate)}  ${ratio(rate, refRate)}`);
    if (backend === 'native' && rates.every((r) => typeof r === 'number') && !Number.isNaN(refRate)) {
      printRounds((rates as number[]).map((r, i) => r / refRates[i]));
    }
  }
}

const [task, backend, arg] = process.argv.slice(2);
if (task === 'train') console.log(JSON.stringify({ value: await trainSpeed(backend as BackendName, CASES[Number(arg)]) }));
else if (task === 'infer') console.log(JSON.stringify({ value: await inferenceSpeed(backend as BackendName, Number(arg)) }));
else await main();
