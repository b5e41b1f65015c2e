// npm run bench:tabular — one-class anomaly detection on real tables (scikit-learn's own CSV files from Debian's
// python3-sklearn: Wisconsin breast cancer, wine one class at a time, digits one digit at a time) and the synthetic
// sensor set: train on 70 % of the normal rows (seeded), test on the other normal rows and every anomaly, features
// z-scored on the training rows. latentkit's defaults and recipes beside scikit-learn's detectors run by
// /usr/bin/python3 in the same run on the same split: per-task and mean ROC-AUC and PR-AUC, and seconds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCsv } from '../src/data/csv.js';
import { splitValidation, type Dataset } from '../src/data/dataset.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { tableLatentDim } from '../src/models/table-defaults.js';
import type { ModelKind } from '../src/models/types.js';
import { AnomalyDetector, type ScoreKind } from '../src/tasks/anomaly.js';
import { DetectorEnsemble } from '../src/tasks/ensemble.js';
import type { AutoencoderModel } from '../src/models/types.js';
import { averagePrecision, rocAuc } from '../src/tasks/metrics.js';
import { fit } from '../src/train/trainer.js';
import { permutation, mulberry32 } from '../src/train/rng.js';
import { selectBackend } from '../src/backend/select.js';
import '../src/node.js';

const SKLEARN_DATA = '/usr/lib/python3/dist-packages/sklearn/datasets/data';
const root = join(import.meta.dirname, '..');

interface Task { name: string; train: string; test: string; labels: Int32Array; pcaComponents: number }

/** Rows of numbers from a CSV text (no header), the last column the class. */
function table(text: string, skipFirst: boolean): { x: number[][]; y: number[] } {
  const lines = text.split('\n').slice(skipFirst ? 1 : 0).filter((l) => l.trim() !== '');
  const rows = lines.map((l) => l.split(',').map(Number));
  return { x: rows.map((r) => r.slice(0, -1)), y: rows.map((r) => r[r.length - 1]) };
}

const dir = mkdtempSync(join(tmpdir(), 'latentkit-bench-tabular-'));
const csv = (rows: number[][], header: string[]) => [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';

/** The one-class split of rows whose class is `normal` (others are anomalies), written as train.csv and test.csv. */
function oneClass(name: string, x: number[][], isNormal: boolean[]): Task {
  const normal = x.filter((_, i) => isNormal[i]);
  const anomalies = x.filter((_, i) => !isNormal[i]);
  const order = permutation(normal.length, mulberry32(1));
  const cut = Math.round(normal.length * 0.7);
  const trainRows = Array.from(order.subarray(0, cut), (i) => normal[i]);
  const testRows = [...Array.from(order.subarray(cut), (i) => normal[i]), ...anomalies];
  const labels = Int32Array.from(testRows, (_, i) => (i < normal.length - cut ? 0 : 1));
  const d = x[0].length;
  const header = Array.from({ length: d }, (_, j) => `f${j}`);
  const train = join(dir, `${name}-train.csv`);
  const test = join(dir, `${name}-test.csv`);
  writeFileSync(train, csv(trainRows, header));
  writeFileSync(test, csv(testRows.map((r, i) => [...r, labels[i]]), [...header, 'y']));
  return { name, train, test, labels, pcaComponents: tableLatentDim(d) };
}

function tasks(): Task[] {
  if (!existsSync(SKLEARN_DATA)) throw new Error(`bench:tabular needs scikit-learn's data files: apt-get install python3-sklearn (${SKLEARN_DATA})`);
  const out: Task[] = [];
  const breast = table(readFileSync(join(SKLEARN_DATA, 'breast_cancer.csv'), 'utf8'), true);
  out.push(oneClass('breast-cancer', breast.x, breast.y.map((c) => c === 1)));
  const wine = table(readFileSync(join(SKLEARN_DATA, 'wine_data.csv'), 'utf8'), true);
  for (const c of [0, 1, 2]) out.push(oneClass(`wine-${c}`, wine.x, wine.y.map((y) => y === c)));
  const digits = table(gunzipSync(readFileSync(join(SKLEARN_DATA, 'digits.csv.gz'))).toString('utf8'), false);
  for (let c = 0; c < 10; c++) out.push(oneClass(`digits-${c}`, digits.x, digits.y.map((y) => y === c)));
  const sensor = join(root, 'examples/tabular');
  if (!existsSync(join(sensor, 'test.csv'))) spawnSync(process.execPath, ['--import', 'tsx', 'examples/tabular/make-data.ts'], { cwd: root });
  const normal = table(readFileSync(join(sensor, 'normal.csv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => `${l},0`).join('\n'), false);
  const test = table(readFileSync(join(sensor, 'test.csv'), 'utf8'), true);
  // The sensor set comes split: its normal file trains, its test file (5 % anomalies) tests.
  const d = normal.x[0].length;
  const header = Array.from({ length: d }, (_, j) => `f${j}`);
  writeFileSync(join(dir, 'sensor-train.csv'), csv(normal.x, header));
  writeFileSync(join(dir, 'sensor-test.csv'), csv(test.x.map((r, i) => [...r, test.y[i]]), [...header, 'y']));
  out.push({ name: 'sensor (synthetic)', train: join(dir, 'sensor-train.csv'), test: join(dir, 'sensor-test.csv'), labels: Int32Array.from(test.y), pcaComponents: tableLatentDim(d) });
  return out;
}

/** A latentkit method: one model, or an ensemble whose members' scores are standardised on the training rows and averaged. */
interface Method { name: string; members: { kind: ModelKind; score: ScoreKind }[]; seeds: number[] }

const SEEDS5 = [1, 2, 3, 4, 5];
/** latentkit's methods: the plain defaults as `latentkit train` picks them for a table, and the recipes. */
const METHODS: Method[] = [
  { name: 'AE default, mse', members: [{ kind: 'ae', score: 'mse' }], seeds: [1] },
  { name: 'AE default, zmse', members: [{ kind: 'ae', score: 'zmse' }], seeds: [1] },
  { name: 'VAE default, −ELBO', members: [{ kind: 'vae', score: 'elbo' }], seeds: [1] },
  { name: 'VAE default, zmse', members: [{ kind: 'vae', score: 'zmse' }], seeds: [1] },
  { name: 'AE × 5 seeds, mse', members: [{ kind: 'ae', score: 'mse' }], seeds: SEEDS5 },
  { name: 'AE × 5 seeds, zmse', members: [{ kind: 'ae', score: 'zmse' }], seeds: SEEDS5 },
  { name: 'VAE × 5 seeds, −ELBO', members: [{ kind: 'vae', score: 'elbo' }], seeds: SEEDS5 },
  { name: 'AE × 3 + VAE × 3, mse and −ELBO', members: [{ kind: 'ae', score: 'mse' }, { kind: 'vae', score: 'elbo' }], seeds: [1, 2, 3] },
];

/** Trains as `latentkit train` does on a small table: 10 % validation, early stopping (patience 10, ≤ 200 epochs). */
async function trainTable(kind: ModelKind, data: Dataset, seed: number) {
  const model = createModel(defaultConfig(kind, data.shape, { seed } as never, 'table'));
  const { train, validation } = splitValidation(data, 0.1, seed);
  await fit(model, train, { epochs: 200, patience: 10, validationData: validation, batchSize: 128, seed });
  return model;
}

/** Trained models are shared between methods (same kind, seed and task), so the ensembles cost no extra training. */
const trained = new Map<string, Promise<{ model: AutoencoderModel; seconds: number }>>();

async function latentkit(task: Task, method: Method): Promise<{ scores: Float64Array; seconds: number }> {
  const train = await loadCsv(task.train, { scale: 'zscore' });
  const test = await loadCsv(task.test, { scaling: train.scaling, labelColumn: 'y' });
  const members: AnomalyDetector[] = [];
  let trainingSeconds = 0;
  for (const { kind, score } of method.members) {
    for (const seed of method.seeds) {
      const key = `${task.name}/${kind}/${seed}`;
      if (!trained.has(key)) {
        const t = performance.now();
        trained.set(key, trainTable(kind, train, seed).then((model) => ({ model, seconds: (performance.now() - t) / 1000 })));
      }
      const { model, seconds } = await trained.get(key)!;
      trainingSeconds += seconds;
      members.push(new AnomalyDetector(model, { score, threshold: { kind: 'percentile', q: 99 } }));
    }
  }
  const started = performance.now();
  const scores = new DetectorEnsemble(members).fit(train).score(test);
  // Each method's time: the training of every model it uses (shared models are trained once) and its scoring.
  return { scores, seconds: trainingSeconds + (performance.now() - started) / 1000 };
}

await selectBackend();
const all = tasks();
const tasksFile = join(dir, 'tasks.json');
writeFileSync(tasksFile, JSON.stringify(all.map(({ name, train, test, pcaComponents }) => ({ name, train, test, pcaComponents }))));
const py = spawnSync('/usr/bin/python3', [join(root, 'bench/tabular.py'), tasksFile], { encoding: 'utf8', maxBuffer: 1 << 28 });
if (py.status !== 0) throw new Error(`scikit-learn reference failed: ${py.stderr.trim().split('\n').pop()}`);
const sklearn = JSON.parse(py.stdout) as Record<string, Record<string, { scores: number[]; seconds: number }>>;

type Row = { method: string; auc: number[]; ap: number[]; seconds: number };
const rows = new Map<string, Row>();
const add = (method: string, labels: Int32Array, scores: ArrayLike<number>, seconds: number) => {
  const row = rows.get(method) ?? { method, auc: [], ap: [], seconds: 0 };
  row.auc.push(rocAuc(scores, labels));
  row.ap.push(averagePrecision(scores, labels));
  row.seconds += seconds;
  rows.set(method, row);
};
for (const task of all) {
  for (const method of METHODS) {
    const { scores, seconds } = await latentkit(task, method);
    add(`latentkit: ${method.name}`, task.labels, scores, seconds);
  }
  for (const [name, r] of Object.entries(sklearn[task.name])) add(`scikit-learn: ${name}`, task.labels, r.scores, r.seconds);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`bench:tabular — ${cpus()[0].model}, ${cpus().length} cores; ROC-AUC per task (one-class, 70 % of normal rows train), mean ROC-AUC and PR-AUC, seconds for all tasks`);
const short = all.map((t) => t.name.replace('digits-', 'd').replace('wine-', 'w').replace('breast-cancer', 'breast').replace(' (synthetic)', ''));
console.log(`| method | ${short.join(' | ')} | mean ROC-AUC | mean PR-AUC | seconds |`);
console.log(`| --- | ${short.map(() => '---:').join(' | ')} | ---: | ---: | ---: |`);
for (const r of [...rows.values()].sort((a, b) => mean(b.auc) - mean(a.auc))) {
  console.log(`| ${r.method} | ${r.auc.map((v) => v.toFixed(3)).join(' | ')} | **${mean(r.auc).toFixed(3)}** | ${mean(r.ap).toFixed(3)} | ${r.seconds.toFixed(1)} |`);
}
