// One-class anomaly detection with the image recipe: train on one Fashion-MNIST class (Shirt, the hardest), score the
// whole test split, report ROC-AUC and what the 99th-percentile threshold flags, and draw the top-scoring images.
// Run: node --import tsx examples/one-class.ts   (EPOCHS=2 for a short run; CLASS=0…9 for another class)
import { mkdirSync, writeFileSync } from 'node:fs';
import { averagePrecision, gridPng, loadEmbedded, metricsAt, ONE_CLASS, rocAuc, selectBackend, subset, trainRecipe } from '../src/index.js';

await selectBackend();
const normalClass = Number(process.env.CLASS ?? 6);
const { train, test } = await loadEmbedded('fashion-mnist');
const normal = subset(train, Array.from({ length: train.size }, (_, i) => i).filter((i) => train.labels![i] === normalClass));
const epochs = Number(process.env.EPOCHS ?? ONE_CLASS.epochs);
const { detector, models } = await trainRecipe(ONE_CLASS, normal, {
  threshold: { kind: 'percentile', q: 99 },
  fit: { epochs },
  onMember: (k, config) => console.log(`member ${k + 1} of ${ONE_CLASS.members.length}: ${config.kind}, seed ${config.seed}, ${epochs} epochs`),
});
const scores = detector.score(test);
const labels = Int32Array.from(test.labels!, (label) => (label === normalClass ? 0 : 1)); // 1: another class
const m = metricsAt(scores, labels, detector.threshold);
console.log(`ROC-AUC ${rocAuc(scores, labels).toFixed(3)}, PR-AUC ${averagePrecision(scores, labels).toFixed(3)}; ` +
  `the threshold flags ${m.truePositives + m.falsePositives} of ${test.size} (precision ${m.precision.toFixed(3)}, recall ${m.recall.toFixed(3)})`);
const top = Array.from(scores, (s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 32).map(([, i]) => i);
const shown = subset(test, top);
mkdirSync('runs', { recursive: true });
writeFileSync('runs/one-class-top.png', gridPng({ images: Float32Array.from(shown.values, (v) => v / 255), shape: shown.shape, columns: 8 }));
console.log('wrote runs/one-class-top.png (the 32 most anomalous test images)');
for (const model of models) model.dispose();
