// Parquet and Arrow IPC files as data: the values read equal the values written (by hyparquet-writer and apache-arrow,
// with several row groups / record batches), streamed chunks and shards equal the whole, bad columns get one-line
// errors; the batch commands stream them (encode, reconstruct, detect, eval) with the in-memory results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { parquetReadObjects } from 'hyparquet';
import { RecordBatch, Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import { loadParquet, streamParquet } from '../src/data/parquet-read.js';
import { loadArrow, streamArrow } from '../src/data/arrow-read.js';
import { loadCsv } from '../src/data/csv.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { loadRun, saveRun } from '../src/io/run-dir.js';
import { encodeDataset, reconstructDataset } from '../src/tasks/latent.js';
import { evaluate } from '../src/train/trainer.js';
import { anomalyScores, SCORE_SEED } from '../src/tasks/anomaly.js';
import { invertScaling, type Scaling } from '../src/data/scaling.js';
import { makeDataset } from '../src/data/dataset.js';
import { Rng, RowNoise } from '../src/train/rng.js';
import { assertClose, cli, tempDir } from './helpers.js';

const N = 23_456;
const D = 4;

/** Columns a0…a3 (float64, float32, int32 and int64 values) and an int32 label, with the same rows as a CSV. */
function columns() {
  const rng = new Rng(5);
  const a0 = Float64Array.from({ length: N }, () => 10 * rng.normal() + 3);
  const a1 = Float32Array.from({ length: N }, () => rng.normal());
  const a2 = Int32Array.from({ length: N }, (_, i) => (i * 7) % 101 - 50);
  const a3 = BigInt64Array.from({ length: N }, (_, i) => BigInt(i % 1000));
  const label = Int32Array.from({ length: N }, (_, i) => (i % 9 === 0 ? 1 : 0));
  return { a0, a1, a2, a3, label };
}

function writeFiles(dir: string) {
  const c = columns();
  const parquet = join(dir, 'rows.parquet');
  writeFileSync(parquet, new Uint8Array(parquetWriteBuffer({
    columnData: [
      { name: 'a0', data: c.a0, type: 'DOUBLE' }, { name: 'a1', data: c.a1, type: 'FLOAT' }, { name: 'a2', data: c.a2, type: 'INT32' },
      { name: 'a3', data: c.a3, type: 'INT64' }, { name: 'label', data: c.label, type: 'INT32' },
    ],
    rowGroupSize: 7_000,
  })));
  // Three record batches of unequal length.
  const table = tableFromArrays(c);
  const cuts = [0, 5_000, 16_000, N];
  const batches = cuts.slice(1).flatMap((end, k) => table.slice(cuts[k], end).batches) as RecordBatch[];
  const arrowFile = join(dir, 'rows.arrow');
  const arrowStream = join(dir, 'rows.arrows');
  writeFileSync(arrowFile, tableToIPC(new Table(batches), 'file'));
  writeFileSync(arrowStream, tableToIPC(new Table(batches), 'stream'));
  const csv = join(dir, 'rows.csv');
  const lines = ['a0,a1,a2,a3,label'];
  for (let i = 0; i < N; i++) lines.push([c.a0[i], c.a1[i], c.a2[i], c.a3[i], c.label[i]].join(','));
  writeFileSync(csv, lines.join('\n') + '\n');
  return { c, parquet, arrowFile, arrowStream, csv };
}

/** The written rows as float32, row-major, unscaled. */
function expectedRows(c: ReturnType<typeof columns>): Float32Array {
  const out = new Float32Array(N * D);
  for (let i = 0; i < N; i++) out.set([c.a0[i], c.a1[i], c.a2[i], Number(c.a3[i])], i * D);
  return out;
}

const none: Scaling = { kind: 'none', offset: [0, 0, 0, 0], scale: [1, 1, 1, 1] };

test('Parquet and Arrow (file and stream formats) read the values written, labels apart; fitted scalings equal the CSV\'s', async () => {
  const dir = tempDir();
  const { c, parquet, arrowFile, arrowStream, csv } = writeFiles(dir);
  const expected = expectedRows(c);
  for (const path of [parquet, arrowFile, arrowStream]) {
    const load = path.endsWith('.parquet') ? loadParquet : loadArrow;
    const data = await load(path, { labelColumn: 'label', scaling: none });
    assert.equal(data.size, N);
    assert.deepEqual(data.shape, [D]);
    assert.deepEqual(Array.from(data.values as Float32Array), Array.from(expected), path);
    assert.deepEqual(Array.from(data.labels!), Array.from(c.label));
    const zscore = await load(path, { labelColumn: 'label', scale: 'zscore' });
    const fromCsv = await loadCsv(csv, { labelColumn: 'label', scale: 'zscore' });
    assertClose(zscore.scaling!.offset, fromCsv.scaling!.offset, 1e-9, 1e-9, 'zscore offset');
    assertClose(zscore.values, fromCsv.values, 1e-6, 1e-6, 'scaled values');
  }
});

test('streamed Parquet and Arrow chunks cross row groups and batches; shards hold every row once with their first index', async () => {
  const dir = tempDir();
  const { c, parquet, arrowFile } = writeFiles(dir);
  const expected = expectedRows(c);
  for (const [path, stream] of [[parquet, streamParquet], [arrowFile, streamArrow]] as const) {
    for (const shards of [1, 3, 4]) {
      let next = 0;
      for (let i = 0; i < shards; i++) {
        for await (const { data, firstRow } of stream(path, { labelColumn: 'label', scaling: none }, 3_000, shards > 1 ? { index: i, count: shards } : undefined)) {
          assert.equal(firstRow, next, `${path} shard ${i}/${shards}`);
          assert.ok(data.size <= 3_000);
          assert.deepEqual(Array.from(data.values as Float32Array), Array.from(expected.subarray(next * D, (next + data.size) * D)));
          assert.deepEqual(Array.from(data.labels!), Array.from(c.label.subarray(next, next + data.size)));
          next += data.size;
        }
      }
      assert.equal(next, N, `${path}: ${shards} shards`);
    }
  }
});

test('columns that are not numbers, nulls and missing label columns are one-line errors naming them', async () => {
  const dir = tempDir();
  const text = join(dir, 'text.parquet');
  writeFileSync(text, new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'x', data: [1, 2], type: 'DOUBLE' }, { name: 'name', data: ['a', 'b'], type: 'STRING' }] })));
  await assert.rejects(loadParquet(text), /text\.parquet: column 'name' is of type BYTE_ARRAY; latentkit reads columns of numbers/);
  const nulls = join(dir, 'nulls.parquet');
  writeFileSync(nulls, new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'x', data: [1, null, 3], type: 'DOUBLE' }] })));
  await assert.rejects(loadParquet(nulls), /nulls\.parquet: row 2, column 'x': null is not a finite number/);
  const arrowText = join(dir, 'text.arrow');
  writeFileSync(arrowText, tableToIPC(tableFromArrays({ x: Float32Array.of(1, 2), s: ['a', 'b'] }), 'file'));
  await assert.rejects(loadArrow(arrowText), /text\.arrow: column 's' is Dictionary<Int32, Utf8>; latentkit reads columns of numbers/);
  const { parquet } = writeFiles(dir);
  await assert.rejects(loadParquet(parquet, { labelColumn: 'y' }), /no label column 'y' \(columns: a0, a1, a2, a3, label\)/);
  const notParquet = join(dir, 'fake.parquet');
  writeFileSync(notParquet, 'a,b\n1,2\n');
  await assert.rejects(loadParquet(notParquet), /fake\.parquet: not a readable Parquet file/);
  await assert.rejects(loadArrow(join(dir, 'missing.arrow')), /missing\.arrow: cannot read \(ENOENT\)/);
});

test('per-row noise: a row draws the same normals whatever rows it is drawn with', () => {
  const whole = RowNoise.of(7, 0, 10).normals(10 * 6);
  const part = RowNoise.of(7, 4, 3).normals(3 * 6);
  assert.deepEqual(Array.from(part), Array.from(whole.subarray(4 * 6, 7 * 6)));
  // Row 5 of the whole is generator rowSeed(7, 5) drawing 6 normals, as an Rng.
  const single = RowNoise.of(7, 5, 1).normals(6);
  assert.deepEqual(Array.from(whole.subarray(30, 36)), Array.from(single));
  // Sample-major draws: draw s of row i is row i's (s+1)-th run of `width` normals.
  const samples = RowNoise.of(7, 0, 3).samples(2, 4); // [2, 3, 4]
  const row1 = RowNoise.of(7, 1, 1).normals(8);
  assert.deepEqual(Array.from(samples.subarray(4, 8)), Array.from(row1.subarray(0, 4)));
  assert.deepEqual(Array.from(samples.subarray(16, 20)), Array.from(row1.subarray(4, 8)));
  assert.throws(() => RowNoise.of(7, 0, 3).normals(10), /do not split over 3 rows/);
});

test('a VAE\'s −ELBO scores and eval terms of a chunk equal those rows\' part of the whole', () => {
  const model = createModel(defaultConfig('vae', [D], {}, 'table'));
  const rng = new Rng(3);
  const values = Float32Array.from({ length: 1_200 * D }, () => rng.normal());
  const whole = makeDataset({ source: 'rows', values, shape: [D], size: 1_200 });
  const part = makeDataset({ source: 'rows', values: values.slice(700 * D, 1_100 * D), shape: [D], size: 400 });
  const all = anomalyScores(model, whole, 'elbo');
  const some = anomalyScores(model, part, 'elbo', 1000, RowNoise.of(SCORE_SEED, 700, 400));
  assertClose(some, all.subarray(700, 1_100), 1e-5, 1e-5, 'chunk scores');
  const iwAll = anomalyScores(model, whole, 'iw', 20);
  const iwSome = anomalyScores(model, part, 'iw', 20, RowNoise.of(12345, 700, 400));
  assertClose(iwSome, iwAll.subarray(700, 1_100), 1e-5, 1e-5, 'chunk importance-sampled scores');
  // Eval: the terms of [0, 700) and [700, 1200) weighted by their rows are the terms of the whole.
  const first = evaluate(model, makeDataset({ source: 'rows', values: values.slice(0, 700 * D), shape: [D], size: 700 }));
  const second = evaluate(model, makeDataset({ source: 'rows', values: values.slice(700 * D), shape: [D], size: 500 }), { firstRow: 700 });
  const total = evaluate(model, whole);
  assertClose([(first.total * 700 + second.total * 500) / 1_200, (first.kl * 700 + second.kl * 500) / 1_200], [total.total, total.kl], 1e-5, 1e-6);
});

test('CLI: train on Parquet; encode, reconstruct, detect and eval stream Parquet and Arrow with the in-memory results', async () => {
  const dir = tempDir();
  const { parquet, arrowStream, csv } = writeFiles(dir);
  const run = join(dir, 'run');
  const trained = cli('train', '--model', 'vae', '--data', parquet, '--label-column', 'label', '--scale', 'zscore', '--latent', '2', '--hidden', '8', '--epochs', '1', '--out', run);
  assert.equal(trained.code, 0, trained.stderr);
  const { model, manifest } = await loadRun(run);
  const scaling = manifest.scaling!;
  const rows = await loadCsv(csv, { labelColumn: 'label', scaling });
  // encode → Parquet, read back with hyparquet's own row reader.
  const codesOut = join(dir, 'codes.parquet');
  assert.equal(cli('encode', run, '--data', arrowStream, '--label-column', 'label', '--out', codesOut).code, 0);
  const codeRows = await parquetReadObjects({ file: new Uint8Array(readFileSync(codesOut)).buffer });
  const codes = encodeDataset(model, rows);
  assert.equal(codeRows.length, N);
  assert.deepEqual(Object.keys(codeRows[0]), ['z0', 'z1', 'label']);
  assertClose(codeRows.flatMap((r) => [r.z0, r.z1]), codes, 0, 0, 'codes');
  // reconstruct → CSV in the data's units.
  const reconOut = join(dir, 'recon.csv');
  assert.equal(cli('reconstruct', run, '--data', parquet, '--label-column', 'label', '--out', reconOut).code, 0);
  const reconLines = readFileSync(reconOut, 'utf8').trim().split('\n');
  assert.equal(reconLines[0], 'x0,x1,x2,x3,label');
  const recon = invertScaling(scaling, reconstructDataset(model, rows));
  assertClose(reconLines.slice(1, 200).flatMap((l) => l.split(',').slice(0, D).map(Number)), recon.subarray(0, 199 * D), 0, 0, 'reconstructions');
  // detect: fitted and saved in memory on the CSV, then streamed from Parquet (and by shards) with the saved detector.
  const detector = join(dir, 'detector.json');
  const inMemory = cli('detect', run, '--data', csv, '--label-column', 'label', '--save-detector', detector, '--out', join(dir, 'scores.csv'), '--json');
  assert.equal(inMemory.code, 0, inMemory.stderr);
  const streamed = cli('detect', run, '--data', parquet, '--label-column', 'label', '--detector', detector, '--out', join(dir, 'streamed.csv'), '--json');
  assert.equal(streamed.code, 0, streamed.stderr);
  assert.equal(readFileSync(join(dir, 'streamed.csv'), 'utf8'), readFileSync(join(dir, 'scores.csv'), 'utf8'));
  assert.deepEqual(JSON.parse(streamed.stdout).metrics, JSON.parse(inMemory.stdout).metrics);
  const parts = [0, 1, 2].map((i) => {
    const out = join(dir, `scores-${i}.csv`);
    assert.equal(cli('detect', run, '--data', arrowStream, '--label-column', 'label', '--detector', detector, '--shard', `${i}/3`, '--out', out).code, 0);
    return readFileSync(out, 'utf8');
  });
  assert.equal(parts.join(''), readFileSync(join(dir, 'scores.csv'), 'utf8'));
  assert.match(cli('detect', run, '--data', parquet, '--shard', '0/2').stderr, /--shard needs one threshold for every shard/);
  // eval streamed equals eval of the rows loaded whole.
  const evalOut = cli('eval', run, '--data', parquet, '--label-column', 'label', '--json');
  assert.equal(evalOut.code, 0, evalOut.stderr);
  const terms = evaluate(model, rows);
  const printed = JSON.parse(evalOut.stdout);
  assert.equal(printed.examples, N);
  assertClose([printed.total, printed.kl], [terms.total, terms.kl], 1e-6, 1e-6, 'eval terms');
});
