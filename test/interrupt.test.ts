// The command line stopped from outside: SIGINT/SIGTERM write a checkpoint that --resume continues to the uninterrupted
// result; kill -9 at random moments never leaves the run folder unreadable. Also --from and --test-data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { assertClose, cli, cliProcess, tempDir } from './helpers.js';
import { loadRun, readManifest } from '../src/io/run-dir.js';
import { Rng } from '../src/train/rng.js';

/** `rows` rows of 16 features in [0, 1] with a label column, from seed. */
function writeRows(path: string, rows: number, seed: number): void {
  const rng = new Rng(seed);
  const lines = [[...Array.from({ length: 16 }, (_, j) => `f${j}`), 'label'].join(',')];
  for (let i = 0; i < rows; i++) {
    const a = rng.next();
    lines.push([...Array.from({ length: 16 }, (_, j) => (j / 16 < a ? 1 : 0.1 * rng.next()).toFixed(3)), a > 0.5 ? 1 : 0].join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

const weights = (run: string) => ['encoder', 'decoder'].map((part) => {
  const bytes = readFileSync(join(run, part, 'weights.bin'));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
});

/** Resolves with the exit code once `child` ends. */
const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

/** Resolves once `child` has printed a line matching `pattern` on stdout. */
function printed(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk) => {
      text += chunk;
      if (pattern.test(text)) resolve();
    });
    child.on('exit', () => reject(new Error(`exited before printing ${pattern}`)));
  });
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} finishes the batch, saves a checkpoint, exits ${code}; --resume ends where an uninterrupted run does`, async () => {
    const dir = tempDir();
    const csv = join(dir, 'rows.csv');
    writeRows(csv, 3000, 1);
    const flags = ['--model', 'vae', '--data', csv, '--label-column', 'label', '--epochs', '6', '--batch-size', '16', '--latent', '2', '--hidden', '32', '--checkpoint-every', '0', '--json'];
    const whole = join(dir, 'whole');
    assert.equal(cli('train', ...flags, '--out', whole).code, 0);

    const run = join(dir, 'run');
    const child = cliProcess('train', ...flags, '--out', run);
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    await printed(child, /"event":"epoch","epoch":2/);
    child.kill(signal);
    assert.equal(await exited(child), code, stderr);
    assert.match(stderr, new RegExp(`${signal}: saved a checkpoint at epoch \\d+, batch \\d+ in .*run/; continue with 'latentkit train --resume .*run'`));
    assert.equal((await readManifest(run)).status, 'in-progress');

    const resumed = cli('train', '--resume', run, '--json');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal((await readManifest(run)).status, 'complete');
    assert.ok(!existsSync(join(run, 'checkpoint')));
    const [a, b] = [weights(run), weights(whole)];
    a.forEach((w, i) => assertClose(w, b[i], 1e-5, 1e-6, `weights ${i}`));
    assert.equal((await readManifest(run)).metrics.history.length, 6);
  });
}

test('kill -9 at random moments: the run folder always loads (old or new), and --resume finishes the run', async () => {
  const dir = tempDir();
  const csv = join(dir, 'rows.csv');
  writeRows(csv, 1500, 2);
  const run = join(dir, 'run');
  const flags = ['--model', 'ae', '--data', csv, '--label-column', 'label', '--epochs', '40', '--batch-size', '8', '--checkpoint-every', '1', '--json', '--out', run];
  const rng = new Rng(3);
  for (let kill = 0; kill < 3; kill++) {
    const child = kill === 0 ? cliProcess('train', ...flags) : cliProcess('train', '--resume', run, '--json');
    if (kill === 0) await printed(child, /"event":"epoch","epoch":2/);
    else await printed(child, /"event":"epoch"/);
    await new Promise((resolve) => setTimeout(resolve, 50 + 400 * rng.next()));
    child.kill('SIGKILL');
    await exited(child);
    const { manifest } = await loadRun(run);
    assert.equal(manifest.status, 'in-progress', 'a checkpoint of the unfinished run');
  }
  const finished = cli('train', '--resume', run, '--json');
  assert.equal(finished.code, 0, finished.stderr);
  assert.equal((await readManifest(run)).metrics.history.length, 40);
  assert.deepEqual(readdirSync(dir).sort(), ['rows.csv', 'run'], 'no temporary folders or locks left behind');
});

test('--test-data scores held-out rows; without it a file run reports validation, not its training rows as test; --from retrains', async () => {
  const dir = tempDir();
  const [trainCsv, testCsv] = [join(dir, 'train.csv'), join(dir, 'test.csv')];
  writeRows(trainCsv, 200, 4);
  writeRows(testCsv, 60, 5);
  const flags = ['--model', 'ae', '--data', trainCsv, '--label-column', 'label', '--epochs', '2', '--json'];
  const held = cli('train', ...flags, '--test-data', testCsv, '--out', join(dir, 'held'));
  assert.equal(held.code, 0, held.stderr);
  assert.ok(JSON.parse(held.stdout.trim().split('\n').pop()!).test);
  const manifest = await readManifest(join(dir, 'held'));
  assert.equal(manifest.training?.data.testData, testCsv);
  assert.ok(manifest.metrics.test);

  const plain = cli('train', ...flags, '--out', join(dir, 'plain'));
  const done = JSON.parse(plain.stdout.trim().split('\n').pop()!);
  assert.equal(done.test, undefined);
  assert.ok(done.validation);
  assert.equal((await readManifest(join(dir, 'plain'))).metrics.test, undefined);

  // eval without --data reads the recorded data (its test file): the same loss as naming it.
  const recorded = cli('eval', join(dir, 'held'), '--json');
  const named = cli('eval', join(dir, 'held'), '--data', testCsv, '--label-column', 'label', '--json');
  assert.equal(recorded.code, 0, recorded.stderr);
  const [r, n] = [JSON.parse(recorded.stdout), JSON.parse(named.stdout)];
  assert.equal(r.data, testCsv);
  assert.equal(r.examples, 60);
  assert.equal(r.total, n.total);

  const again = cli('train', '--from', join(dir, 'held'), '--out', join(dir, 'again'), '--json');
  assert.equal(again.code, 0, again.stderr);
  const [a, b] = [weights(join(dir, 'again')), weights(join(dir, 'held'))];
  a.forEach((w, i) => assertClose(w, b[i], 1e-5, 1e-6, `weights ${i}`));
  assert.match(cli('train', '--from', join(dir, 'held'), '--latent', '3').stderr, /only training flags may change/);
  assert.match(cli('train', '--resume', join(dir, 'held')).stderr, /a finished run, nothing to resume/);
});
