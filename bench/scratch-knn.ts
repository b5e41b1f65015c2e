// scratch (not committed): kNN scores on codes / whitened pathway on the validation split
import * as tf from '../src/backend/tfjs.js';
import { AnomalyDetector, createModel, fit, loadEmbedded, rocAuc, selectBackend, subset, ONE_CLASS, recipeConfigs, encodeDataset } from '../src/index.js';
import { pathwayDifferences } from '../src/tasks/rapp.js';

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
/** mean distance to the k nearest reference rows (excluding self when same set) */
function knn(ref: Float32Array, q: Float32Array, d: number, k: number, self: boolean): Float64Array {
  const R = tf.tensor2d(ref, [ref.length / d, d]); const rn = R.square().sum(1);
  const out = new Float64Array(q.length / d);
  for (let s = 0; s < q.length / d; s += 1000) {
    const e = Math.min(s + 1000, q.length / d);
    const dist = tf.tidy(() => { const Q = tf.tensor2d(q.subarray(s * d, e * d), [e - s, d]); const d2 = Q.square().sum(1, true).add(rn).sub(Q.matMul(R, false, true).mul(2)); return tf.topk(d2.neg(), k + (self ? 1 : 0)).values.neg().relu().sqrt(); });
    const v = dist.arraySync() as number[][]; dist.dispose();
    v.forEach((row, i) => { const r = self ? row.slice(1) : row; out[s + i] = r.reduce((a, b) => a + b, 0) / r.length; });
  }
  R.dispose(); rn.dispose(); return out;
}
for (const c of (process.env.CLASSES ?? '6').split(',').map(Number)) {
  const normal = subset(tr, Array.from({ length: tr.size }, (_, i) => i).filter((i) => tr.labels![i] === c));
  const labels = Int32Array.from(te.labels!, (l) => (l === c ? 0 : 1));
  const nap: Float64Array[] = []; const kc: Float64Array[] = []; const kp: Float64Array[] = [];
  for (const config of recipeConfigs(ONE_CLASS, normal.shape)) {
    const m = createModel(config); await fit(m, normal, { epochs: 10, batchSize: 128, seed: config.seed });
    const a = new AnomalyDetector(m, { score: 'nap', threshold: { kind: 'percentile', q: 95 } }).fit(normal); nap.push(std(a.score(te), a.decisionScores));
    const cn = encodeDataset(m, normal); const ct = encodeDataset(m, te);
    kc.push(std(knn(cn, ct, 32, 5, false), knn(cn, cn, 32, 5, true)));
    const pn = pathwayDifferences(m, normal); const pt = pathwayDifferences(m, te);
    kp.push(std(knn(pn.values, pt.values, pn.width, 5, false), knn(pn.values, pn.values, pn.width, 5, true)));
    m.dispose();
  }
  const r = (x: Float64Array) => rocAuc(x, labels).toFixed(4);
  console.log(c, 'nap3', r(avg(nap)), 'knnCode3', r(avg(kc)), 'knnPath3', r(avg(kp)), 'nap+knnCode', r(avg([...nap, ...kc])), 'nap+knnPath', r(avg([...nap, ...kp])));
}
