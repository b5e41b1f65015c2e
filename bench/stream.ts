// npm run bench:stream — `latentkit encode` of a large CSV (2 GiB by default; LATENTKIT_BENCH_GB) and of a Parquet file
// of the same rows, against pandas reading the CSV in chunks (read_csv(chunksize=…, dtype=float32)) and encoding each
// chunk with numpy through the same dense layers, all writing float32 codes to a .npy-sized file. Each runs in a
// process of its own under /usr/bin/time (wall seconds and peak RSS, measured the same way for all). The files are
// generated once into the cache folder. pyarrow is not in Debian 12, so no pyarrow reference runs.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ByteWriter, ParquetWriter, type SchemaElement } from 'hyparquet-writer';
import { cacheDir } from '../src/data/embedded.js';
import { Rng } from '../src/train/rng.js';

const GIB = Number(process.env.LATENTKIT_BENCH_GB ?? 2);
const COLUMNS = 30;
const BYTES_PER_ROW = 268; // about: 30 cells of 5 decimals, as generated below
const ROWS = Math.round((GIB * 2 ** 30) / BYTES_PER_ROW / 65_536) * 65_536;
const root = join(import.meta.dirname, '..');
const dir = join(cacheDir(), 'bench');
mkdirSync(dir, { recursive: true });

/**
 * The next `n` rows: normal values with 5 decimals, column j around j with spread j + 1 (the bench:load generator), as
 * CSV text and as the float32 columns the text reads as.
 */
function nextRows(rng: Rng, n: number): { text: string; columns: Float32Array[] } {
  const columns = Array.from({ length: COLUMNS }, () => new Float32Array(n));
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const cells = Array.from(rng.normals(COLUMNS), (v, j) => (v * (j + 1) + j).toFixed(5));
    cells.forEach((cell, j) => (columns[j][i] = Number(cell)));
    lines.push(cells.join(','));
  }
  return { text: lines.join('\n') + '\n', columns };
}

/** The CSV and a Parquet file (FLOAT columns, groups of 65,536 rows, snappy) of the same rows, from one generator. */
async function generate(csv: string, parquet: string): Promise<void> {
  const out = createWriteStream(`${csv}.tmp`);
  const write = (s: string) => new Promise<void>((resolve) => (out.write(s) ? resolve() : out.once('drain', resolve)));
  const handle = await open(`${parquet}.tmp`, 'w');
  const bytes = new ByteWriter(1 << 20);
  Object.assign(bytes, {
    flush: async () => {
      await handle.write(new Uint8Array(bytes.buffer, 0, bytes.index));
      bytes.index = 0;
    },
  });
  const names = Array.from({ length: COLUMNS }, (_, j) => `c${j}`);
  const schema: SchemaElement[] = [{ name: 'root', num_children: COLUMNS }, ...names.map((name): SchemaElement => ({ name, type: 'FLOAT', repetition_type: 'REQUIRED' }))];
  const writer = new ParquetWriter({ writer: bytes, schema });
  await write(names.join(',') + '\n');
  const rng = new Rng(42);
  for (let start = 0; start < ROWS; start += 65_536) {
    const { text, columns } = nextRows(rng, Math.min(65_536, ROWS - start));
    await write(text);
    const columnData = names.map((name, j) => ({ name, data: columns[j] }));
    await writer.write({ columnData, rowGroupSize: 65_536 });
    if (start % (65_536 * 16) === 0) process.stderr.write(`\rgenerating: ${((100 * start) / ROWS).toFixed(0)} %`);
  }
  process.stderr.write('\n');
  await writer.finish();
  await handle.write(new Uint8Array(bytes.buffer, 0, bytes.index));
  await handle.close();
  await new Promise<void>((resolve) => out.end(resolve));
  renameSync(`${csv}.tmp`, csv);
  renameSync(`${parquet}.tmp`, parquet);
}

/** pandas: the CSV in chunks of 65,536 rows as float32, each scaled and pushed through the run's dense encoder. */
const PANDAS = `
import json, sys
import numpy as np, pandas as pd
path, run, out = sys.argv[1:4]
manifest = json.load(open(run + '/latentkit.json'))
cfg = manifest['config']
sizes = [${COLUMNS}] + cfg['hiddenUnits'] + [cfg['latentDim']]
rng = np.random.default_rng(1)
layers = [(rng.standard_normal((a, b)).astype(np.float32) * 0.1, np.zeros(b, np.float32)) for a, b in zip(sizes[:-1], sizes[1:])]
offset = np.array(manifest['scaling']['offset'], np.float32)
scale = np.array(manifest['scaling']['scale'], np.float32)
rows = 0
with open(out, 'wb') as f:
    for chunk in pd.read_csv(path, dtype='float32', chunksize=65536):
        x = (chunk.to_numpy() - offset) / scale
        for k, (w, b) in enumerate(layers):
            x = x @ w + b
            if k < len(layers) - 1:
                x = np.maximum(x, 0)
        f.write(np.ascontiguousarray(x, dtype=np.float32).tobytes())
        rows += len(x)
print(rows)
`;

type Result = { seconds: number; peakMb: number } | string;

/** Runs a command under /usr/bin/time: its wall seconds and peak RSS, or the last line of its error. */
function timed(command: string, args: string[]): Result {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', command, ...args], { cwd: root, encoding: 'utf8', timeout: 1_800_000 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  if (r.status !== 0) return (r.stderr || r.error?.message || 'failed').trim().split('\n').slice(-2, -1)[0] ?? last;
  const [seconds, kb] = last.split(' ').map(Number);
  return { seconds, peakMb: kb / 1024 };
}

const csv = join(dir, `stream-${ROWS}x${COLUMNS}.csv`);
const parquet = join(dir, `stream-${ROWS}x${COLUMNS}.parquet`);
if (!existsSync(csv) || !existsSync(parquet)) await generate(csv, parquet);
const cliJs = join(root, 'dist/cli/main.js');
const sample = join(dir, 'stream-sample.csv');
// The first 40,000 rows (and the header) to train on.
const head = Buffer.alloc(40_000 * BYTES_PER_ROW);
const handle = await open(csv, 'r');
const { bytesRead } = await handle.read(head, 0, head.length, 0);
await handle.close();
writeFileSync(sample, head.subarray(0, head.subarray(0, bytesRead).lastIndexOf(10) + 1));
const run = join(dir, 'stream-run');
const trained = spawnSync(process.execPath, [cliJs, 'train', '--model', 'ae', '--data', sample, '--scale', 'zscore', '--latent', '8', '--epochs', '2', '--out', run, '--json'], { encoding: 'utf8' });
if (trained.status !== 0) throw new Error(trained.stderr);
const manifest = JSON.parse(readFileSync(join(run, 'latentkit.json'), 'utf8'));
const out = join(dir, 'stream-codes.npy');

const results: [string, string, Result][] = [
  ['latentkit encode', 'CSV', timed(process.execPath, [cliJs, 'encode', run, '--data', csv, '--out', out, '--json'])],
  ['latentkit encode', 'Parquet', timed(process.execPath, [cliJs, 'encode', run, '--data', parquet, '--out', out, '--json'])],
  ['pandas read_csv(chunksize) + numpy', 'CSV', timed('/usr/bin/python3', ['-c', PANDAS, csv, run, out])],
];
const size = (p: string) => statSync(p).size / 2 ** 20;
console.log(`bench:stream — ${cpus()[0].model}, ${cpus().length} cores; ${ROWS.toLocaleString('en')} rows × ${COLUMNS} columns: ` +
  `CSV ${size(csv).toFixed(0)} MiB, Parquet ${size(parquet).toFixed(0)} MiB (float, snappy, groups of 65,536 rows); ` +
  `encoder ${[COLUMNS, ...manifest.config.hiddenUnits, manifest.config.latentDim].join('-')}, codes to .npy`);
console.log('| command | input | seconds | rows/s | MiB/s of input | peak RSS MiB |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const [name, input, r] of results) {
  if (typeof r === 'string') {
    console.log(`| ${name} | ${input} | ${r} | | | |`);
    continue;
  }
  const mib = size(input === 'CSV' ? csv : parquet);
  console.log(`| ${name} | ${input} | ${r.seconds.toFixed(1)} | ${Math.round(ROWS / r.seconds).toLocaleString('en')} | ${(mib / r.seconds).toFixed(0)} | ${r.peakMb.toFixed(0)} |`);
}
const [csvRun, parquetRun, pandasRun] = results.map((r) => r[2]);
if (typeof csvRun !== 'string' && typeof pandasRun !== 'string' && typeof parquetRun !== 'string') {
  console.log(`latentkit CSV ${(pandasRun.seconds / csvRun.seconds).toFixed(2)}× pandas's speed; Parquet ${(csvRun.seconds / parquetRun.seconds).toFixed(2)}× CSV's`);
}
