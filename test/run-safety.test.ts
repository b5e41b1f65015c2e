// Run folders as untrusted input and as something never to lose: --out targets, crash recovery, the writer lock, and
// loading confined to the run (no '..', absolute paths, links, FIFOs or devices; sizes checked before reading).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { checkOutTarget, loadRun, readManifest, saveRun } from '../src/io/run-dir.js';
import { lockDir, readableDir, recoverDir } from '../src/io/atomic.js';

const info = { data: { source: 'toy', shape: [6] }, history: [], backend: 'test' };
const model = createModel(defaultConfig('ae', [6], { latentDim: 2, hiddenUnits: [4] }));

async function savedRun(): Promise<{ root: string; dir: string }> {
  const root = tempDir();
  const dir = join(root, 'run');
  await saveRun(dir, model, info);
  return { root, dir };
}

test('--out: a missing path or an empty folder is fine; a file, a foreign folder, or a run without --force is refused', async () => {
  const { root, dir } = await savedRun();
  checkOutTarget(join(root, 'new'), false);
  mkdirSync(join(root, 'empty'));
  checkOutTarget(join(root, 'empty'), false);
  writeFileSync(join(root, 'file'), 'precious');
  assert.throws(() => checkOutTarget(join(root, 'file'), true), /exists and is a file, not a run folder/);
  mkdirSync(join(root, 'photos'));
  writeFileSync(join(root, 'photos', 'a.jpg'), 'x');
  assert.throws(() => checkOutTarget(join(root, 'photos'), true), /is not a latentkit run \(1 entries, no latentkit\.json\)/);
  assert.throws(() => checkOutTarget(dir, false), /holds a run already; pass --force/);
  checkOutTarget(dir, true);
});

test('a crash between the two renames of a save: readers find the new run, the next write restores it and cleans up', async () => {
  const { root, dir } = await savedRun();
  // The state a kill leaves after 'run' was moved aside and before the complete new version took its place.
  cpSync(dir, join(root, '.run.ready-1-a'), { recursive: true });
  renameSync(dir, join(root, '.run.old-1-b'));
  mkdirSync(join(root, '.run.tmp-1-c')); // a third, incomplete write
  assert.equal(readableDir(dir), join(root, '.run.ready-1-a'));
  assert.equal((await readManifest(dir)).format, 'latentkit-run');
  await loadRun(dir);
  await recoverDir(dir);
  assert.deepEqual(readdirSync(root), ['run']);
  await loadRun(dir);
  // Only the old version survived (the kill came before the new one was complete): it comes back.
  renameSync(dir, join(root, '.run.old-2-d'));
  mkdirSync(join(root, '.run.tmp-2-e'));
  assert.equal(readableDir(dir), join(root, '.run.old-2-d'));
  await saveRun(dir, model, info);
  assert.deepEqual(readdirSync(root), ['run']);
});

test('a second writer of the same run fails at once; a lock left by a dead process is taken over', async () => {
  const { root, dir } = await savedRun();
  const sleeper = spawn('sleep', ['30']);
  try {
    writeFileSync(join(root, '.run.lock'), String(sleeper.pid));
    assert.throws(() => lockDir(dir), new RegExp(`another latentkit process \\(pid ${sleeper.pid}\\) is writing this run`));
    await assert.rejects(saveRun(dir, model, info), /another latentkit process/);
  } finally {
    sleeper.kill();
  }
  const dead = spawnSync('true').pid!;
  writeFileSync(join(root, '.run.lock'), String(dead));
  const release = lockDir(dir);
  assert.equal(readFileSync(join(root, '.run.lock'), 'utf8'), String(process.pid));
  await saveRun(dir, model, info); // the holder itself may write
  release();
  assert.ok(!existsSync(join(root, '.run.lock')));
});

/** Rewrites the encoder's model.json through `edit`. */
function editModelJson(dir: string, edit: (json: { weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[] }) => void): void {
  const path = join(dir, 'encoder', 'model.json');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  edit(json);
  writeFileSync(path, JSON.stringify(json));
}

test('weight paths cannot leave the run: .., absolute paths, links, FIFOs and devices are refused before reading', async () => {
  const { root, dir } = await savedRun();
  mkdirSync(join(root, 'outside'));
  cpSync(join(dir, 'encoder', 'weights.bin'), join(root, 'outside', 'weights.bin'));
  const cases: [string, RegExp][] = [
    ['../../outside/weights.bin', /weightsManifest\.0\.paths\.0': a plain file name in the model folder/],
    ['/etc/passwd', /a plain file name in the model folder/],
    ['..', /a plain file name/],
  ];
  for (const [path, message] of cases) {
    editModelJson(dir, (json) => (json.weightsManifest[0].paths = [path]));
    await assert.rejects(loadRun(dir), message);
  }
  editModelJson(dir, (json) => (json.weightsManifest[0].paths = ['weights.bin']));
  const weights = join(dir, 'encoder', 'weights.bin');
  const links: [string, () => void][] = [
    ['a link out of the run', () => symlinkSync(join(root, 'outside', 'weights.bin'), weights)],
    ['a link to /dev/zero', () => symlinkSync('/dev/zero', weights)],
    ['a FIFO', () => assert.equal(spawnSync('mkfifo', [weights]).status, 0)],
  ];
  for (const [what, make] of links) {
    renameSync(weights, `${weights}.keep`);
    make();
    await assert.rejects(loadRun(dir), /not a regular file|is a symbolic link/, what);
    spawnSync('rm', ['-f', weights]);
    renameSync(`${weights}.keep`, weights);
  }
  await loadRun(dir);
});

test('malformed model.json entries, impossible sizes, NaN weights and unknown layers are one-line errors', async () => {
  const cases: [(json: any) => void, RegExp][] = [
    [(j) => (j.weightsManifest = [{ paths: 'weights.bin', weights: [] }]), /weightsManifest\.0\.paths':/],
    [(j) => (j.weightsManifest[0].weights[0].dtype = 'string'), /weights\.0\.dtype'/],
    [(j) => (j.weightsManifest[0].weights[0].shape = [2 ** 20, 2 ** 12]), /more than latentkit loads|model\.json lists/],
    [(j) => j.weightsManifest[0].weights[0].shape.reverse(), /cannot build the model/],
    [(j) => (j.modelTopology.config.layers[1].class_name = 'NoSuchLayer'), /cannot build the model/],
    [(j) => (j.modelTopology = null), /modelTopology/],
    // Each of these made tfjs's loader loop forever before the topology was checked.
    [(j) => (j.modelTopology.config.layers[1].name = []), /layers\.1\.name' must be a string/],
    [(j) => (j.modelTopology.config.layers[1].inbound_nodes[0] = []), /inbound_nodes\.0' must be a non-empty array/],
    [(j) => (j.modelTopology.config.layers[2].inbound_nodes[0][0][1] = 8.9e277), /names node 8\.9e\+277 of 'encoder_dense1', which has 1/],
    [(j) => (j.modelTopology.config.layers[1].inbound_nodes[0][0][0] = 'encoder_output'), /has a cycle through/],
    [(j) => (j.modelTopology.config.output_layers[0][0] = 'nowhere'), /names a layer 'nowhere' that the model does not have/],
  ];
  for (const [edit, message] of cases) {
    const { dir } = await savedRun();
    editModelJson(dir, edit);
    await assert.rejects(loadRun(dir), message);
  }
  const { dir } = await savedRun();
  const weights = join(dir, 'encoder', 'weights.bin');
  writeFileSync(weights, new Uint8Array(new Float32Array(readFileSync(weights).length / 4).fill(NaN).buffer));
  await assert.rejects(loadRun(dir), /weights hold NaN or infinite values/);
});
