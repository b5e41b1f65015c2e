// npm run bench:load — reading a 1,000,000 × 30 CSV of numbers (generated once into the cache folder) with latentkit's
// fast reader, its general reader (csv-parse, for files the fast one hands back) and pandas.read_csv(dtype=float32),
// each in a process of its own in the same run: seconds and peak RSS, the median of three alternating runs.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { cacheDir } from '../src/data/embedded.js';
import { Rng } from '../src/train/rng.js';

const ROWS = Number(process.env.LATENTKIT_BENCH_ROWS ?? 1_000_000);
const COLUMNS = 30;
const root = join(import.meta.dirname, '..');

/** Normal values with 5 decimals (about 8 bytes a cell), as a sensor or transaction export looks. */
async function generate(path: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  const rng = new Rng(42);
  const write = (s: string) => new Promise<void>((resolve) => (out.write(s) ? resolve() : out.once('drain', resolve)));
  await write(Array.from({ length: COLUMNS }, (_, j) => `c${j}`).join(',') + '\n');
  for (let start = 0; start < ROWS; start += 10_000) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(ROWS, start + 10_000); i++) {
      const z = rng.normals(COLUMNS);
      lines.push(Array.from(z, (v, j) => (v * (j + 1) + j).toFixed(5)).join(','));
    }
    await write(lines.join('\n') + '\n');
  }
  await new Promise<void>((resolve) => out.end(resolve));
  renameSync(tmp, path);
}

const PANDAS = `
import resource, sys, time
import pandas as pd
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
df = pd.read_csv(sys.argv[1], dtype='float32')
x = df.to_numpy()
seconds = time.perf_counter() - t
print('{"seconds": %f, "rows": %d, "features": %d, "baselineMb": %f, "peakMb": %f}' % (seconds, x.shape[0], x.shape[1], before / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
`;

type Result = { seconds: number; rows: number; features: number; baselineMb: number; peakMb: number };

function run(command: string, args: string[]): Result | string {
  const r = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return (r.stderr || r.error?.message || 'failed').trim().split('\n').pop()!;
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const dir = join(cacheDir(), 'bench');
mkdirSync(dir, { recursive: true });
const path = join(dir, `numbers-${ROWS}x${COLUMNS}.csv`);
if (!existsSync(path)) await generate(path);
const megabytes = statSync(path).size / 2 ** 20;
const dataMb = (ROWS * COLUMNS * 4) / 2 ** 20;

/** The median-time run of each reader over three rounds, alternating them so that both see the same machine. */
const rounds: Record<'fast' | 'pandas', (Result | string)[]> = { fast: [], pandas: [] };
for (let round = 0; round < 3; round++) {
  rounds.fast.push(run(process.execPath, ['bench/load-one.mjs', path, 'fast']));
  rounds.pandas.push(run('/usr/bin/python3', ['-c', PANDAS, path]));
}
const median = (rs: (Result | string)[]): Result | string =>
  rs.find((r) => typeof r === 'string') ?? (rs as Result[]).sort((a, b) => a.seconds - b.seconds)[1];
const results: [string, Result | string][] = [
  ['latentkit (fast reader)', median(rounds.fast)],
  ['pandas.read_csv(dtype=float32)', median(rounds.pandas)],
  ['latentkit (general reader, csv-parse)', run(process.execPath, ['bench/load-one.mjs', path, 'general'])],
];
console.log(`bench:load — ${cpus()[0].model}, ${cpus().length} cores; ${ROWS.toLocaleString('en')} × ${COLUMNS} CSV, ` +
  `${megabytes.toFixed(0)} MiB on disk, ${dataMb.toFixed(0)} MiB as float32 (zscore scaling fitted and applied by latentkit)`);
console.log('| reader | seconds | MiB/s | peak RSS MiB | RSS before loading | peak − before | vs pandas (time) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
const pandas = results[1][1];
for (const [name, r] of results) {
  if (typeof r === 'string') {
    console.log(`| ${name} | ${r} | | | | | |`);
    continue;
  }
  const ratio = typeof pandas === 'string' ? '' : `${(r.seconds / pandas.seconds).toFixed(2)}×`;
  console.log(`| ${name} | ${r.seconds.toFixed(2)} | ${(megabytes / r.seconds).toFixed(0)} | ${r.peakMb.toFixed(0)} | ` +
    `${r.baselineMb.toFixed(0)} | ${(r.peakMb - r.baselineMb).toFixed(0)} | ${ratio} |`);
}
