// Detection recipes and the likelihood ratio on the command line: `train --recipe` saves every member inside one run,
// `detect RUN` scores with all of them as the library's ensemble does; `train --perturb` and `detect --background`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, cliProcess, tempDir, assertClose } from './helpers.js';
import { Rng } from '../src/train/rng.js';
import { loadRun } from '../src/io/run-dir.js';
import { loadFlaggedData } from '../src/cli/common.js';
import { AnomalyDetector } from '../src/tasks/anomaly.js';
import { DetectorEnsemble } from '../src/tasks/ensemble.js';
import { likelihoodRatioScores } from '../src/tasks/likelihood-ratio.js';
import { ONE_CLASS, recipeConfigs, trainRecipe } from '../src/tasks/recipes.js';
import { makeDataset } from '../src/data/dataset.js';

/** 150 rows of 12 features in [0, 1] from one hidden cause, the last 20 of them scrambled (label 1). */
function writeRows(path: string): void {
  const rng = new Rng(4);
  const lines = [[...Array.from({ length: 12 }, (_, j) => `f${j}`), 'y'].join(',')];
  for (let i = 0; i < 150; i++) {
    const a = rng.next();
    const odd = i >= 130;
    lines.push([...Array.from({ length: 12 }, (_, j) => (odd ? rng.next() : j / 12 < a ? 0.9 : 0.1).toFixed(4)), odd ? 1 : 0].join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

const scoresOf = (csv: string): number[] => readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));

test('recipe configs: the one-class recipe is three dense AEs (256, 512-256, 256) with linear codes of 32, seeds s, s, s + 1', () => {
  const configs = recipeConfigs(ONE_CLASS, [28, 28, 1], 7);
  assert.deepEqual(configs.map((c) => [c.kind, (c as { hiddenUnits: number[] }).hiddenUnits, c.latentDim, c.seed]),
    [['ae', [256], 32, 7], ['ae', [512, 256], 32, 7], ['ae', [256], 32, 8]]);
  assert.ok(configs.every((c) => (c as { latentActivation: string }).latentActivation === 'linear'));
});

test('trainRecipe: trains the members, fits their NAP and kNN ensemble on the normal data (whose averaged standardised scores have mean 0)', async () => {
  const rng = new Rng(8);
  const normal = makeDataset({ source: 'toy', values: Float32Array.from({ length: 200 * 12 }, () => rng.next()), shape: [12], size: 200 });
  const calls: number[] = [];
  const { models, detector } = await trainRecipe(ONE_CLASS, normal, { seed: 3, fit: { epochs: 1 }, onMember: (k) => calls.push(k) });
  assert.deepEqual(calls, [0, 1, 2]);
  assert.deepEqual(models.map((m) => m.config.seed), [3, 3, 4]);
  assert.deepEqual(detector.members.map((m) => m.options.score), ['nap', 'knn', 'nap', 'knn', 'nap', 'knn']);
  assert.deepEqual(detector.models, models);
  const mean = detector.decisionScores.reduce((a, b) => a + b, 0) / normal.size;
  assert.ok(Math.abs(mean) < 1e-9, `mean ${mean}`);
  assert.ok(Number.isFinite(detector.threshold));
  for (const m of models) m.dispose();
});

test('train --recipe one-class: members saved inside the run; detect RUN scores with all three, as the library ensemble', async () => {
  const dir = tempDir();
  const csv = join(dir, 'rows.csv');
  writeRows(csv);
  const run = join(dir, 'run');
  const trained = cli('train', '--recipe', 'one-class', '--data', csv, '--label-column', 'y', '--epochs', '2', '--out', run);
  assert.equal(trained.code, 0, trained.stderr);
  const manifest = JSON.parse(readFileSync(join(run, 'latentkit.json'), 'utf8'));
  assert.deepEqual(manifest.detection, { recipe: 'one-class', scores: ['nap', 'knn'], ensemble: ['ensemble-2', 'ensemble-3'] });
  for (const member of ['ensemble-2', 'ensemble-3']) assert.ok(existsSync(join(run, member, 'encoder', 'weights.bin')), member);

  const out = join(dir, 'scores.csv');
  const detected = cli('detect', run, '--data', csv, '--label-column', 'y', '--out', out, '--json');
  assert.equal(detected.code, 0, detected.stderr);
  assert.match(JSON.parse(detected.stdout).score, /an ensemble of 6 \(nap, knn/);
  const runs = await Promise.all([run, join(run, 'ensemble-2'), join(run, 'ensemble-3')].map((r) => loadRun(r)));
  assert.deepEqual(runs.map((r) => (r.model.config as { hiddenUnits: number[] }).hiddenUnits), [[256], [512, 256], [256]]);
  const data = (await loadFlaggedData({ data: csv, labelColumn: 'y' }, runs[0].manifest.scaling, true, true)).train;
  const threshold = { kind: 'percentile', q: 99 } as const;
  const ensemble = new DetectorEnsemble(runs.flatMap((r) => [new AnomalyDetector(r.model, { score: 'nap', threshold }), new AnomalyDetector(r.model, { score: 'knn', threshold })]), threshold).fit(data);
  assertClose(scoresOf(out), ensemble.score(data), 1e-4, 1e-4, 'ensemble scores');
  // Saved with each member's model (six scores of three runs) and loaded back: the same scores.
  const saved = join(dir, 'detector.json');
  assert.equal(cli('detect', run, '--data', csv, '--label-column', 'y', '--out', out, '--save-detector', saved).code, 0);
  assert.deepEqual(JSON.parse(readFileSync(saved, 'utf8')).members.map((m: { model: number }) => m.model), [0, 0, 1, 1, 2, 2]);
  const again = join(dir, 'again.csv');
  const reused = cli('detect', run, '--data', csv, '--label-column', 'y', '--detector', saved, '--out', again);
  assert.equal(reused.code, 0, reused.stderr);
  assertClose(scoresOf(again), scoresOf(out), 1e-9, 1e-9, 'reloaded detector');
  // An explicit --score scores with the first member alone.
  const single = cli('detect', run, '--data', csv, '--label-column', 'y', '--score', 'mse', '--out', out, '--json');
  assert.equal(JSON.parse(single.stdout).score, 'mse');
  const refused = cli('train', '--recipe', 'one-class', '--latent', '4', '--data', csv, '--out', join(dir, 'other'));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /--recipe one-class chooses the models; drop --latent/);
  for (const r of runs) r.model.dispose();
});

test('train --perturb records the rate; detect --score ratio --background gives the likelihood ratio; misuse is one line', async () => {
  const dir = tempDir();
  const csv = join(dir, 'rows.csv');
  writeRows(csv);
  const common = ['--model', 'vae', '--data', csv, '--label-column', 'y', '--latent', '2', '--hidden', '8', '--epochs', '2'];
  assert.equal(cli('train', ...common, '--out', join(dir, 'fg')).code, 0);
  const bg = cli('train', ...common, '--perturb', '0.2', '--out', join(dir, 'bg'));
  assert.equal(bg.code, 0, bg.stderr);
  assert.equal(JSON.parse(readFileSync(join(dir, 'bg', 'latentkit.json'), 'utf8')).training.perturb, 0.2);
  const out = join(dir, 'ratio.csv');
  const detected = cli('detect', join(dir, 'fg'), '--data', csv, '--label-column', 'y', '--score', 'ratio', '--background', join(dir, 'bg'), '--iw-samples', '4', '--out', out);
  assert.equal(detected.code, 0, detected.stderr);
  const [fg, back] = await Promise.all([loadRun(join(dir, 'fg')), loadRun(join(dir, 'bg'))]);
  const data = (await loadFlaggedData({ data: csv, labelColumn: 'y' }, fg.manifest.scaling, true, true)).train;
  assertClose(scoresOf(out), likelihoodRatioScores(fg.model, back.model, data, { samples: 4 }), 1e-4, 1e-3, 'ratio scores');
  const without = cli('detect', join(dir, 'fg'), '--data', csv, '--label-column', 'y', '--score', 'ratio', '--out', out);
  assert.equal(without.code, 1);
  assert.match(without.stderr, /score 'ratio' needs a background model/);
  const wrongScore = cli('detect', join(dir, 'fg'), '--data', csv, '--label-column', 'y', '--background', join(dir, 'bg'), '--out', out);
  assert.match(wrongScore.stderr, /--background is the likelihood ratio's background model; it goes with --score ratio, not elbo/);
  const badRate = cli('train', ...common, '--perturb', '1', '--out', join(dir, 'x'));
  assert.match(badRate.stderr, /--perturb/);
  fg.model.dispose();
  back.model.dispose();
});

test('a recipe run stopped by SIGINT keeps its members in the checkpoint; --resume finishes it, members and detection intact', async () => {
  const dir = tempDir();
  const csv = join(dir, 'rows.csv');
  const rng = new Rng(6);
  const lines = [[...Array.from({ length: 12 }, (_, j) => `f${j}`)].join(',')];
  for (let i = 0; i < 3000; i++) lines.push(Array.from({ length: 12 }, () => rng.next().toFixed(3)).join(','));
  writeFileSync(csv, lines.join('\n') + '\n');
  const run = join(dir, 'run');
  const child = cliProcess('train', '--recipe', 'one-class', '--data', csv, '--epochs', '4', '--batch-size', '16', '--checkpoint-every', '0', '--json', '--out', run);
  // Members 2 and 3 train first (4 epoch lines each); stop the run itself after its first epoch.
  await new Promise<void>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk) => {
      text += chunk;
      if ((text.match(/"event":"epoch"/g) ?? []).length >= 9) resolve();
    });
    child.on('exit', () => reject(new Error('exited before the first member\'s first epoch')));
  });
  child.kill('SIGINT');
  assert.equal(await new Promise((resolve) => child.on('exit', resolve)), 130);
  const stopped = JSON.parse(readFileSync(join(run, 'latentkit.json'), 'utf8'));
  assert.equal(stopped.status, 'in-progress');
  assert.deepEqual(stopped.detection.ensemble, ['ensemble-2', 'ensemble-3']);
  const member2 = readFileSync(join(run, 'ensemble-2', 'encoder', 'weights.bin'));
  const resumed = cli('train', '--resume', run);
  assert.equal(resumed.code, 0, resumed.stderr);
  const finished = JSON.parse(readFileSync(join(run, 'latentkit.json'), 'utf8'));
  assert.equal(finished.status, 'complete');
  assert.deepEqual(finished.detection, stopped.detection);
  assert.deepEqual(readFileSync(join(run, 'ensemble-2', 'encoder', 'weights.bin')), member2, 'the member is kept as trained');
  const detected = cli('detect', run, '--data', csv, '--out', join(dir, 's.csv'), '--json');
  assert.equal(detected.code, 0, detected.stderr);
  assert.match(JSON.parse(detected.stdout).score, /an ensemble of 6/);
});
