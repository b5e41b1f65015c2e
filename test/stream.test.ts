// Streaming batch commands: `latentkit encode` on a CSV reads, encodes and writes in chunks, with the same output as
// encoding the whole file at once; `--shard i/n` outputs concatenated in order (CSV, JSON lines) or joined by
// `latentkit merge` (.npy, Parquet) equal the unsharded output, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { saveRun, loadRun } from '../src/io/run-dir.js';
import { loadCsv } from '../src/data/csv.js';
import { encodeDataset } from '../src/tasks/latent.js';
import { csvRows } from '../src/cli/use.js';
import { streamCsv } from '../src/data/csv-stream.js';
import { Rng } from '../src/train/rng.js';
import { cli, tempDir } from './helpers.js';

const D = 5;

async function setUp() {
  const dir = tempDir();
  const rng = new Rng(21);
  // Enough rows for several 4 MB chunks, CRLF line ends, blank lines and a BOM, labels in the last column.
  const lines = [['a', 'b', 'c', 'd', 'e', 'y'].join(',')];
  for (let i = 0; i < 120_000; i++) {
    lines.push([...Array.from({ length: D }, (_, j) => (j + rng.normal()).toFixed(6)), String(i % 4)].join(','));
    if (i % 50_000 === 7) lines.push('');
  }
  const data = join(dir, 'rows.csv');
  writeFileSync(data, '\ufeff' + lines.join('\r\n') + '\r\n');
  const run = join(dir, 'run');
  const model = createModel(defaultConfig('ae', [D], {}, 'table'));
  const scaling = { kind: 'zscore' as const, offset: [0, 1, 2, 3, 4], scale: [1, 1, 1, 1, 1] };
  await saveRun(run, model, { data: { source: 'rows', shape: [D] }, history: [], backend: 'test', scaling });
  return { dir, data, run, scaling };
}

test('encode streams a CSV to the same codes as encoding it whole; shards concatenate to the whole, byte for byte', async () => {
  const { dir, data, run, scaling } = await setUp();
  const whole = cli('encode', run, '--data', data, '--label-column', 'y', '--out', join(dir, 'codes.csv'));
  assert.equal(whole.code, 0, whole.stderr);
  const { model } = await loadRun(run);
  const rows = await loadCsv(data, { scaling, labelColumn: 'y' });
  const expected = csvRows(encodeDataset(model, rows), model.latentDim, rows.labels, 'z');
  const written = readFileSync(join(dir, 'codes.csv'), 'utf8');
  assert.equal(written, expected);
  for (const format of ['csv', 'jsonl']) {
    const unsharded = join(dir, `all.${format}`);
    assert.equal(cli('encode', run, '--data', data, '--label-column', 'y', '--out', unsharded).code, 0);
    const parts: Buffer[] = [];
    for (let i = 0; i < 3; i++) {
      const out = join(dir, `part${i}.${format}`);
      const r = cli('encode', run, '--data', data, '--label-column', 'y', '--shard', `${i}/3`, '--out', out);
      assert.equal(r.code, 0, r.stderr);
      parts.push(readFileSync(out));
    }
    assert.ok(Buffer.concat(parts).equals(readFileSync(unsharded)), `${format}: shards concatenate to the whole`);
  }
});

test('encode to .npy in chunks: numpy header with the final row count, then the float32 codes', async () => {
  const { dir, data, run, scaling } = await setUp();
  const out = join(dir, 'codes.npy');
  assert.equal(cli('encode', run, '--data', data, '--label-column', 'y', '--out', out).code, 0);
  const bytes = readFileSync(out);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const { model } = await loadRun(run);
  assert.match(header, new RegExp(`'shape': \\(120000, ${model.latentDim}\\)`));
  assert.equal((10 + headerLength) % 64, 0);
  const codes = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length));
  const expected = encodeDataset(model, await loadCsv(data, { scaling, labelColumn: 'y' }));
  assert.deepEqual(Array.from(codes.subarray(0, 50)), Array.from(expected.subarray(0, 50)));
  assert.equal(codes.length, expected.length);
  // .npy and Parquet shards do not concatenate as bytes: `latentkit merge` joins them into the unsharded file.
  for (const format of ['npy', 'parquet']) {
    const unsharded = join(dir, `all.${format}`);
    assert.equal(cli('encode', run, '--data', data, '--label-column', 'y', '--out', unsharded).code, 0);
    const parts = [0, 1, 2].map((i) => join(dir, `part${i}.${format}`));
    parts.forEach((part, i) => assert.equal(cli('encode', run, '--data', data, '--label-column', 'y', '--shard', `${i}/3`, '--out', part).code, 0));
    const merged = join(dir, `merged.${format}`);
    const r = cli('merge', '--out', merged, ...parts);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(merged).equals(readFileSync(unsharded)), `${format}: merged shards equal the whole`);
  }
  assert.match(cli('merge', '--out', join(dir, 'm.npy'), join(dir, 'part0.npy'), join(dir, 'part1.parquet')).stderr, /not a \.npy file/);
  const missing = cli('merge', '--out', join(dir, 'm.csv'), join(dir, 'missing.csv'), join(dir, 'part1.csv'));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^latentkit: error: .*missing\.csv: cannot read \(ENOENT\)\n$/);
  assert.match(cli('encode', run, '--data', data, '--shard', '2/2', '--out', join(dir, 'x.csv')).stderr, /--shard '2\/2': expected i\/n/);
});

test('shards of a file hold every row once, in order, with the right first-row index', async () => {
  const { data, scaling } = await setUp();
  const whole = await loadCsv(data, { scaling, labelColumn: 'y' });
  let next = 0;
  for (let i = 0; i < 5; i++) {
    for await (const chunk of streamCsv(data, { scaling, labelColumn: 'y' }, 10_000, { index: i, count: 5 })) {
      assert.equal(chunk.firstRow, next);
      assert.deepEqual(Array.from(chunk.data.values.subarray(0, 10)), Array.from(whole.values.subarray(next * D, next * D + 10)));
      next += chunk.data.size;
    }
  }
  assert.equal(next, whole.size);
});
