// .npy files as data, written by NumPy itself: dtypes, shapes, labels and the header checks; and streamed by encode,
// whole or in shards, with the same codes as encoding the loaded array.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNpy } from '../src/data/npy-read.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { loadRun, saveRun } from '../src/io/run-dir.js';
import { encodeDataset } from '../src/tasks/latent.js';
import { csvRows } from '../src/cli/use.js';
import { cli, tempDir } from './helpers.js';

/** Runs Python with NumPy (Debian's /usr/bin/python3) in `dir`. */
function numpy(dir: string, code: string): void {
  const r = spawnSync('/usr/bin/python3', ['-c', `import numpy as np\n${code}`], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

test('arrays NumPy wrote load with their values, shapes and labels; bad headers are one-line errors', async () => {
  const dir = tempDir();
  numpy(dir, [
    'x = (np.arange(400, dtype=np.float64).reshape(100, 4) * 0.37 - 20)',
    'np.save("f8.npy", x); np.save("f4.npy", x.astype(np.float32)); np.save("i8.npy", np.arange(12).reshape(4, 3))',
    'np.save("labels.npy", np.arange(100) % 3); np.save("u1.npy", (np.arange(50 * 36) % 256).astype(np.uint8).reshape(50, 6, 6))',
    'np.save("fortran.npy", np.asfortranarray(x)); np.save("c8.npy", np.zeros(3, dtype=np.complex64))',
  ].join('\n'));
  const f8 = await loadNpy(join(dir, 'f8.npy'), { scale: 'none', labels: join(dir, 'labels.npy') });
  assert.deepEqual(f8.shape, [4]);
  assert.equal(f8.size, 100);
  assert.equal(f8.values[5], Math.fround(5 * 0.37 - 20));
  assert.deepEqual(Array.from(f8.labels!.subarray(0, 5)), [0, 1, 2, 0, 1]);
  const f4 = await loadNpy(join(dir, 'f4.npy'), { scale: 'none' });
  assert.deepEqual(Array.from(f4.values), Array.from(f8.values));
  assert.deepEqual(Array.from((await loadNpy(join(dir, 'i8.npy'), { scale: 'none' })).values), Array.from({ length: 12 }, (_, i) => i));
  const u1 = await loadNpy(join(dir, 'u1.npy'));
  assert.ok(u1.values instanceof Uint8Array);
  assert.deepEqual(u1.shape, [6, 6]);
  assert.equal(u1.values[300], 300 % 256);
  await assert.rejects(loadNpy(join(dir, 'fortran.npy')), /Fortran-order arrays are not read/);
  await assert.rejects(loadNpy(join(dir, 'c8.npy')), /dtype '<c8' is not one latentkit reads/);
  writeFileSync(join(dir, 'cut.npy'), readFileSync(join(dir, 'f8.npy')).subarray(0, 500));
  await assert.rejects(loadNpy(join(dir, 'cut.npy')), /header says \[100,4\] <f8 \(\d+ bytes\) but the file has 500/);
  await assert.rejects(loadNpy(join(dir, 'f8.npy'), { labels: join(dir, 'i8.npy') }), /labels must be one-dimensional/);
  const r = cli('train', '--model', 'ae', '--data', join(dir, 'f8.npy'), '--epochs', '2', '--out', join(dir, 'run'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /ae on a table of 4 features, 100 rows/);
});

test('encode streams a .npy in chunks and in shards: the same codes as the loaded array', async () => {
  const dir = tempDir();
  numpy(dir, 'np.save("big.npy", np.random.default_rng(3).normal(size=(40000, 7)).astype(np.float32))');
  const run = join(dir, 'run');
  const scaling = { kind: 'zscore' as const, offset: [0, 0, 0, 0, 0, 0, 0], scale: [2, 2, 2, 2, 2, 2, 2] };
  await saveRun(run, createModel(defaultConfig('vae', [7], {}, 'table')), { data: { source: 'big', shape: [7] }, history: [], backend: 'test', scaling });
  const { model } = await loadRun(run);
  const expected = csvRows(encodeDataset(model, await loadNpy(join(dir, 'big.npy'), { scaling })), model.latentDim, undefined, 'z');
  assert.equal(cli('encode', run, '--data', join(dir, 'big.npy'), '--out', join(dir, 'codes.csv')).code, 0);
  assert.equal(readFileSync(join(dir, 'codes.csv'), 'utf8'), expected);
  const parts = [0, 1, 2].map((i) => {
    const out = join(dir, `part${i}.csv`);
    assert.equal(cli('encode', run, '--data', join(dir, 'big.npy'), '--shard', `${i}/3`, '--out', out).code, 0);
    return readFileSync(out, 'utf8');
  });
  assert.equal(parts.join(''), expected);
});
