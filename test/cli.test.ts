// The command line end to end on tiny data: train → eval → encode → sample → reconstruct → interpolate, and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { cli, tempDir } from './helpers.js';
import { Rng } from '../src/train/rng.js';


/** 120 rows of 16 features in [0, 1] with a label column. */
function writeCsv(path: string): void {
  const rng = new Rng(1);
  const lines = [[...Array.from({ length: 16 }, (_, j) => `f${j}`), 'label'].join(',')];
  for (let i = 0; i < 120; i++) {
    const a = rng.next();
    lines.push([...Array.from({ length: 16 }, (_, j) => (j / 16 < a ? 1 : 0)), a > 0.5 ? 1 : 0].join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

test('train → eval → encode → sample → reconstruct → interpolate on a CSV', () => {
  const dir = tempDir();
  const csv = join(dir, 'rows.csv');
  writeCsv(csv);
  const run = join(dir, 'run');
  const train = cli('train', '--model', 'vae', '--data', csv, '--label-column', 'label', '--latent', '2', '--hidden', '8',
    '--epochs', '3', '--batch-size', '32', '--out', run, '--json');
  assert.equal(train.code, 0, train.stderr);
  const lines = train.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.event), ['epoch', 'epoch', 'epoch', 'done']);
  for (const f of ['latentkit.json', 'metrics.json', 'encoder/model.json', 'decoder/weights.bin']) assert.ok(existsSync(join(run, f)), f);

  const evaluated = cli('eval', run, '--data', csv, '--label-column', 'label', '--json');
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const terms = JSON.parse(evaluated.stdout);
  assert.equal(terms.examples, 120);
  assert.ok(Math.abs(terms.total - (terms.reconstruction + terms.kl)) < 1e-3);

  const iw = cli('eval', run, '--data', csv, '--label-column', 'label', '--iw', '20', '--json');
  assert.equal(iw.code, 0, iw.stderr);
  const withIw = JSON.parse(iw.stdout);
  assert.equal(withIw.importanceSamples, 20);
  assert.ok(withIw.nll < withIw.total, `importance-sampled ${withIw.nll} should be below −ELBO ${withIw.total}`);

  const lkz = join(dir, 'codes.lkz');
  const packed = cli('compress', run, '--data', csv, '--label-column', 'label', '--bits', '16', '--out', lkz, '--json');
  assert.equal(packed.code, 0, packed.stderr);
  const summary = JSON.parse(packed.stdout);
  assert.equal(summary.bytes, readFileSync(lkz).length);
  assert.ok(summary.ratio > 1 && Number.isFinite(summary.psnr));
  const unpacked = join(dir, 'decompressed.csv');
  assert.equal(cli('decompress', run, lkz, '--out', unpacked).code, 0);
  assert.equal(readFileSync(unpacked, 'utf8').trim().split('\n').length, 121);

  const probed = cli('probe', run, '--data', csv, '--label-column', 'label', '--epochs', '3', '--json');
  assert.equal(probed.code, 0, probed.stderr);
  const probeRows = JSON.parse(probed.stdout).rows as { name: string; logistic: number; knn: number }[];
  assert.deepEqual(probeRows.map((r) => r.name.split(' ')[0]), ['codes', 'PCA', 'raw']);
  assert.ok(probeRows.every((r) => r.logistic >= 0 && r.logistic <= 1 && r.knn >= 0.5));

  for (const format of ['jsonl', 'npy']) {
    assert.equal(cli('encode', run, '--data', csv, '--label-column', 'label', '--out', join(dir, `codes.${format}`)).code, 0);
  }
  const jsonl = readFileSync(join(dir, 'codes.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(jsonl.length, 120);
  assert.equal(jsonl[0].code.length, 2);
  const numpy = spawnSync('/usr/bin/python3', ['-c', `import numpy; a = numpy.load('${join(dir, 'codes.npy')}'); print(a.dtype, a.shape, repr(float(a[0, 1])))`], { encoding: 'utf8' });
  assert.equal(numpy.status, 0, `NumPy reads the .npy (apt-get install python3-numpy): ${numpy.stderr}`);
  assert.equal(numpy.stdout.trim(), `float32 (120, 2) ${jsonl[0].code[1]}`);

  const codes = join(dir, 'codes.csv');
  assert.equal(cli('encode', run, '--data', csv, '--label-column', 'label', '--out', codes).code, 0);
  const codeLines = readFileSync(codes, 'utf8').trim().split('\n');
  assert.equal(codeLines[0], 'z0,z1,label');
  assert.equal(codeLines.length, 121);

  const denoised = join(dir, 'denoised.csv');
  const dn = cli('denoise', run, '--data', csv, '--label-column', 'label', '--noise', 'masking', '--noise-level', '0.5', '--out', denoised);
  assert.equal(dn.code, 0, dn.stderr);
  const denoisedLines = readFileSync(denoised, 'utf8').trim().split('\n');
  assert.equal(denoisedLines.length, 121);
  assert.ok(denoisedLines.slice(1).every((line) => line.split(',').slice(0, 16).every((v) => Number.isFinite(Number(v)))));

  for (const [cmd, extra] of [['denoise', ['--data', csv, '--label-column', 'label']], ['sample', ['--temperature', '0.5']], ['sample', ['--data', csv, '--label-column', 'label', '--sampler', 'gmm:3']],
    ['traverse', ['--data', csv, '--label-column', 'label', '--from', '3', '--dims', '0,1', '--steps', '5']],
    ['interpolate', ['--data', csv, '--label-column', 'label', '--spherical']], ['scatter', ['--data', csv, '--label-column', 'label']],
    ['manifold', ['--steps', '5']], ['reconstruct', ['--data', csv, '--label-column', 'label']], ['interpolate', ['--data', csv, '--label-column', 'label', '--steps', '5']]] as const) {
    const png = join(dir, `${cmd}.png`);
    const r = cli(cmd, run, ...extra, '--out', png);
    assert.equal(r.code, 0, r.stderr);
    const image = PNG.sync.read(readFileSync(png));
    assert.ok(image.width > 8 && image.height > 8, `${cmd}: ${image.width}×${image.height}`);
  }
});

test('user errors: one line, exit code 1, and an existing run is not damaged', () => {
  const dir = tempDir();
  const csv = join(dir, 'rows.csv');
  writeCsv(csv);
  const run = join(dir, 'run');
  assert.equal(cli('train', '--model', 'ae', '--data', csv, '--label-column', 'label', '--epochs', '1', '--out', run).code, 0);
  const before = readFileSync(join(run, 'encoder', 'weights.bin'));

  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'a,b\n1,2\nx,3\n');
  const cases: [string[], RegExp][] = [
    [['train', '--model', 'ae', '--data', bad, '--out', run, '--force'], /bad\.csv: line 3, column 1 \(a\): 'x' is not a finite number/],
    [['train', '--model', 'ae', '--data', join(dir, 'missing.csv'), '--out', run, '--force'], /missing\.csv: no such file or folder/],
    [['train', '--model', 'gan', '--data', csv], /option '--model <kind>' argument 'gan' is invalid/],
    [['train', '--model', 'ae', '--data', csv, '--latent', '0'], /--latent must be a positive integer, got '0'/],
    [['train', '--model', 'ae', '--data', csv, '--frobnicate'], /unknown option '--frobnicate'/],
    [['train', '--model', 'ae', '--data', csv, '--beta', '2', '--filters', '8'], /--filters, --beta do not apply to --model ae|--beta, --filters do not apply/],
    [['eval', join(dir, 'nowhere'), '--data', csv], /not a latentkit run/],
    [['eval', run, '--data', 'mnist'], /do not fit the model .* which takes \[16\]|16 feature columns|shape \[28,28,1\]/],
    [['sample', run], /sampling from the prior needs a model with a prior \(the VAE kinds, vq-vae\); this run is a 'ae' model/],
    [['train', '--model', 'ae', '--data', csv, '--out', run], /holds a run already; pass --force to replace it/],
    [['train', '--model', 'vae', '--data', csv, '--label-column', 'label', '--lr', '1000', '--epochs', '3', '--out', run, '--force'], /training (diverged|stopped) at epoch/],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, message);
    const errorLines = r.stderr.split('\n').filter((l) => /error/.test(l));
    assert.equal(errorLines.length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.deepEqual(readFileSync(join(run, 'encoder', 'weights.bin')), before);
});

test('seq-ae on a CSV time series: train with --window, then per-window errors', () => {
  const dir = tempDir();
  const csv = join(dir, 'series.csv');
  const lines = ['a,b'];
  for (let t = 0; t < 80; t++) lines.push(`${Math.sin(t / 4)},${Math.cos(t / 4)}`);
  writeFileSync(csv, lines.join('\n') + '\n');
  const run = join(dir, 'run');
  const train = cli('train', '--model', 'seq-ae', '--data', csv, '--window', '8', '--stride', '2', '--units', '6', '--epochs', '2', '--out', run);
  assert.equal(train.code, 0, train.stderr);
  const out = join(dir, 'errors.csv');
  const r = cli('errors', run, '--data', csv, '--window', '8', '--stride', '2', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const rows = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(rows[0], 'window,error,step0,step1,step2,step3,step4,step5,step6,step7');
  assert.equal(rows.length, 1 + Math.floor((80 - 8) / 2) + 1);
  const bad = cli('train', '--model', 'seq-ae', '--data', csv, '--epochs', '1');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /seq-ae needs windows \[time steps, features\]; give --window/);
});

test('detect: threshold fitted on normal rows, flags and metrics on labelled rows, detector saved and reused', () => {
  const dir = tempDir();
  const rng = new Rng(21);
  const row = (anomalous: boolean) => {
    const a = rng.next();
    return Array.from({ length: 16 }, (_, j) => (anomalous ? (rng.next() > 0.5 ? 1 : 0) : j / 16 < a ? 1 : 0));
  };
  const header = Array.from({ length: 16 }, (_, j) => `f${j}`).join(',');
  const normal = join(dir, 'normal.csv');
  writeFileSync(normal, [header, ...Array.from({ length: 300 }, () => row(false).join(','))].join('\n') + '\n');
  const mixed = join(dir, 'mixed.csv');
  const mixedRows = Array.from({ length: 80 }, (_, i) => [...row(i >= 60), i >= 60 ? 1 : 0].join(','));
  writeFileSync(mixed, [`${header},y`, ...mixedRows].join('\n') + '\n');
  const run = join(dir, 'run');
  assert.equal(cli('train', '--model', 'ae', '--data', normal, '--latent', '3', '--hidden', '16', '--epochs', '20', '--batch-size', '32', '--lr', '0.003', '--scale', 'none', '--out', run).code, 0);
  const out = join(dir, 'scores.csv');
  const saved = join(dir, 'detector.json');
  const r = cli('detect', run, '--data', mixed, '--label-column', 'y', '--calibration', normal, '--threshold', 'percentile:99', '--save-detector', saved,
    '--plots', join(dir, 'curves'), '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  for (const plot of ['curves-roc.png', 'curves-pr.png']) {
    const image = PNG.sync.read(readFileSync(join(dir, plot)));
    assert.ok(image.width > 300 && image.height > 300, `${plot}: ${image.width}×${image.height}`);
  }
  assert.ok(result.metrics.rocAuc > 0.9, `ROC-AUC ${result.metrics.rocAuc}`);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'index,score,flag,label');
  assert.equal(lines.length, 81);
  const errorMap = join(dir, 'errors.csv');
  assert.equal(cli('detect', run, '--data', mixed, '--label-column', 'y', '--detector', saved, '--error-map', errorMap, '--map-count', '5', '--out', join(dir, 'e.csv')).code, 0);
  const mapRows = readFileSync(errorMap, 'utf8').trim().split('\n');
  assert.equal(mapRows.length, 6);
  assert.equal(mapRows[0].split(',').length, 2 + 16);
  const topScores = mapRows.slice(1).map((line) => Number(line.split(',')[1]));
  assert.deepEqual(topScores, [...topScores].sort((a, b) => b - a));
  const again = cli('detect', run, '--data', mixed, '--label-column', 'y', '--detector', saved, '--out', join(dir, 'again.csv'), '--json');
  assert.equal(JSON.parse(again.stdout).threshold, result.threshold);
  assert.equal(readFileSync(join(dir, 'again.csv'), 'utf8'), readFileSync(out, 'utf8'));
  // A mistyped detector path or a detector of an unknown score kind is an error, never a silently fitted new detector.
  const mistyped = cli('detect', run, '--data', mixed, '--label-column', 'y', '--detector', join(dir, 'detectr.json'), '--out', join(dir, 'x.csv'));
  assert.equal(mistyped.code, 1);
  assert.match(mistyped.stderr, /detectr\.json: cannot read \(ENOENT\)/);
  writeFileSync(join(dir, 'odd.json'), JSON.stringify({ ...JSON.parse(readFileSync(saved, 'utf8')), score: 'magic' }));
  const odd = cli('detect', run, '--data', mixed, '--label-column', 'y', '--detector', join(dir, 'odd.json'), '--out', join(dir, 'x.csv'));
  assert.equal(odd.code, 1);
  assert.match(odd.stderr, /odd\.json: invalid at 'score'/);
});
