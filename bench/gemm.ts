// npm run bench:gemm — latentkit's own SGEMM against torch.mm (OpenBLAS on its fastest core type per product), in one run, on
// every product shape that the dense VAE (batch 128 and 512), the conv VAE and inference use. Prints GFLOP/s of each,
// the ratio, and latentkit's share of the FMA peak (its micro-kernel's speed in L1 times the threads the product uses).
import { cpus } from 'node:os';
import { loadAddon } from '../src/backend/native/addon.js';
import { OPENBLAS_CORE_TYPES, openblasCore, pytorchOn, referenceCoreName } from './reference.js';

type Shape = { name: string; m: number; k: number; n: number; transA: boolean; transB: boolean };

/** The three products of a dense layer in training: forward x·W, input gradient dy·Wᵀ, weight gradient xᵀ·dy. */
function dense(label: string, batch: number, inputs: number, outputs: number, inputGradient = true): Shape[] {
  return [
    { name: `${label} forward`, m: batch, k: inputs, n: outputs, transA: false, transB: false },
    ...(inputGradient ? [{ name: `${label} dX`, m: batch, k: outputs, n: inputs, transA: false, transB: true }] : []),
    { name: `${label} dW`, m: inputs, k: batch, n: outputs, transA: true, transB: false },
  ];
}

const SHAPES: Shape[] = [];
for (const b of [128, 512]) {
  SHAPES.push(...dense(`b${b} 784→400`, b, 784, 400, false), ...dense(`b${b} 400→40 heads`, b, 400, 40),
    ...dense(`b${b} 20→400`, b, 20, 400), ...dense(`b${b} 400→784`, b, 400, 784));
}
// The conv VAE (batch 128) as im2col products: conv2 (7·7 outputs, 3·3·32 patch → 64) and the transposed conv back.
SHAPES.push(...dense('conv2 b128', 128 * 49, 288, 64), ...dense('conv1 b128', 128 * 196, 9, 32, false));
SHAPES.push({ name: 'inference 1000×784→400', m: 1000, k: 784, n: 400, transA: false, transB: false });

const addon = loadAddon().addon;
if (!addon) throw new Error(`bench:gemm needs the native addon: ${loadAddon().reason}`);

function latentkitGflops(s: Shape): number {
  const a = Float32Array.from({ length: s.m * s.k }, () => Math.random());
  const b = Float32Array.from({ length: s.k * s.n }, () => Math.random());
  const c = new Float32Array(s.m * s.n);
  addon!.gemm(a, b, c, 1, s.m, s.n, s.k, s.transA, s.transB, 0, 0, 0);
  let best = Infinity;
  for (let spent = 0; spent < 200;) {
    const t = performance.now();
    addon!.gemm(a, b, c, 1, s.m, s.n, s.k, s.transA, s.transB, 0, 0, 0);
    const dt = performance.now() - t;
    best = Math.min(best, dt);
    spent += dt;
  }
  return (2 * s.m * s.k * s.n) / (best / 1000) / 1e9;
}

const info = addon.info();
const peak = addon.kernelPeakGflops();
openblasCore();
// OpenBLAS at its best on each product: the core type fastest on the large products is not always fastest on the
// small ones (their speed moved 2× between runs), so every core type runs every product and each keeps its best.
// latentkit is measured after each of OpenBLAS's runs and keeps its best too: both sides then see the same spells of
// a shared machine's noise, which had moved one side's figures by 15 % between the start and the end of a run.
const specs = SHAPES.map((s) => `${s.m},${s.k},${s.n},${Number(s.transA)},${Number(s.transB)}`).join(';');
const ours = SHAPES.map(() => 0);
const runs = OPENBLAS_CORE_TYPES.flatMap((core) => {
  const gflops = pytorchOn(core, 'gemm', specs)?.[0]?.gflops as unknown as number[] | undefined;
  SHAPES.forEach((s, i) => (ours[i] = Math.max(ours[i], latentkitGflops(s))));
  return gflops ? [{ core: core || 'own pick', gflops }] : [];
});
const refBest = SHAPES.map((_, i) => runs.reduce<{ core: string; gflops?: number }>((best, r) => (r.gflops[i] > (best.gflops ?? 0) ? { core: r.core, gflops: r.gflops[i] } : best), { core: '—' }));
console.log(`CPU: ${cpus()[0].model}, ${cpus().length} cores; latentkit ${info.blas}, ${info.blocking}`);
console.log(`micro-kernel peak ${peak.toFixed(1)} GFLOP/s per core; reference torch.mm on OpenBLAS (${referenceCoreName()}), each product ` +
  `its best over OpenBLAS's own pick and OPENBLAS_CORETYPE=${OPENBLAS_CORE_TYPES.filter(Boolean).join('/')}`);
console.log(['product'.padEnd(24), 'm×k×n'.padEnd(16), 'layout', 'latentkit'.padStart(10), 'OpenBLAS'.padStart(10), 'ratio'.padStart(7), 'of peak'.padStart(8), '  OpenBLAS core'].join(' '));
const l2 = Number(/L2 (\d+) KiB/.exec(info.blocking ?? '')?.[1] ?? 512) * 1024;
const small: number[] = [], others: number[] = [];
for (const [i, s] of SHAPES.entries()) {
  const threads = s.m * s.n * s.k >= info.gemmThreadThreshold ? info.threads : 1;
  const theirs = refBest[i].gflops;
  // A small product: A, B and C together fit in one core's L2.
  const fits = 4 * (s.m * s.k + s.k * s.n + s.m * s.n) <= l2;
  if (theirs) (fits ? small : others).push(ours[i] / theirs);
  console.log([
    `${s.name}${fits ? ' *' : ''}`.padEnd(24), `${s.m}×${s.k}×${s.n}`.padEnd(16), `${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'}`.padEnd(6),
    ours[i].toFixed(1).padStart(10), (theirs?.toFixed(1) ?? '—').padStart(10), (theirs ? (ours[i] / theirs).toFixed(2) + '×' : '—').padStart(7),
    `${((100 * ours[i]) / (peak * threads)).toFixed(0)}%`.padStart(8), `  ${refBest[i].core}`,
  ].join(' '));
}
const span = (r: number[]) => (r.length ? `${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)}×` : '—');
console.log(`ratio: small products (* — A, B and C within one core's L2) ${span(small)}; the others ${span(others)}`);
