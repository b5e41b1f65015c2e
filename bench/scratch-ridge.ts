// scratch (not committed): NAP ridge variants on the validation split
import { createModel, fit, loadEmbedded, rocAuc, selectBackend, subset, ONE_CLASS, recipeConfigs } from '../src/index.js';
import { inverseSpd, napScores, pathwayDifferences } from '../src/tasks/rapp.js';

await selectBackend();
const { train } = await loadEmbedded('fashion-mnist');
const kept: number[] = []; const held: number[] = [];
for (let c = 0; c < 10; c++) {
  const rows = Array.from({ length: train.size }, (_, i) => i).filter((i) => train.labels![i] === c);
  const cut = rows.length - Math.floor(rows.length / 6);
  kept.push(...rows.slice(0, cut)); held.push(...rows.slice(cut));
}
const tr = subset(train, kept); const te = subset(train, held);
const std = (s: Float64Array, ref: Float64Array) => { const m = ref.reduce((a, b) => a + b, 0) / ref.length; const sd = Math.sqrt(ref.reduce((a, b) => a + (b - m) ** 2, 0) / ref.length); return s.map((v) => (v - m) / sd); };
const avg = (xs: Float64Array[]) => xs[0].map((_, i) => xs.reduce((s, x) => s + x[i], 0) / xs.length);
function fitRidge(values: Float32Array, width: number, ridgeRel: number) {
  const n = values.length / width;
  const mean = new Float64Array(width);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) mean[j] += values[i * width + j] / n;
  const cov = new Float64Array(width * width); const c = new Float64Array(width);
  for (let i = 0; i < n; i++) { for (let j = 0; j < width; j++) c[j] = values[i * width + j] - mean[j]; for (let a = 0; a < width; a++) { const ca = c[a] / n; if (ca === 0) continue; for (let b = 0; b <= a; b++) cov[a * width + b] += ca * c[b]; } }
  let trace = 0; for (let a = 0; a < width; a++) { for (let b = 0; b < a; b++) cov[b * width + a] = cov[a * width + b]; trace += cov[a * width + a]; }
  for (let a = 0; a < width; a++) cov[a * width + a] += ridgeRel * trace / width + 1e-9;
  return { mean: Array.from(mean), precision: Array.from(inverseSpd(cov, width)) };
}
const RIDGES = [1e-4, 1e-3, 1e-2, 1e-1];
for (const c of (process.env.CLASSES ?? '6').split(',').map(Number)) {
  const normal = subset(tr, Array.from({ length: tr.size }, (_, i) => i).filter((i) => tr.labels![i] === c));
  const labels = Int32Array.from(te.labels!, (l) => (l === c ? 0 : 1));
  const per: Float64Array[][] = RIDGES.map(() => []);
  for (const config of recipeConfigs(ONE_CLASS, normal.shape)) {
    const m = createModel(config); await fit(m, normal, { epochs: 10, batchSize: 128, seed: config.seed });
    const f = pathwayDifferences(m, normal); const g = pathwayDifferences(m, te);
    RIDGES.forEach((r, k) => { const st = fitRidge(f.values, f.width, r); per[k].push(std(napScores(st, g.values, g.width), napScores(st, f.values, f.width))); });
    m.dispose();
  }
  console.log(c, RIDGES.map((r, k) => `${r}: ${rocAuc(avg(per[k]), labels).toFixed(4)}`).join('  '));
}
