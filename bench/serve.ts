// npm run bench:serve — POST /v1/score of `latentkit serve` under load (autocannon, loopback only, bounded in time),
// beside fastify's empty route in the same run: requests/s, examples/s, p50/p99 latency and errors, for 1 and 64
// examples per request at 1, 16 and 64 connections. Two runs: a dense AE scored by MSE (micro-batched) and a VAE scored
// by −ELBO (one pass per request, so that a score does not depend on other requests).
import autocannon from 'autocannon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEmbedded } from '../src/data/embedded.js';

const SECONDS = Number(process.env.LATENTKIT_BENCH_SECONDS ?? 5);
const CONNECTIONS = [1, 16, 64];
const BATCHES = [1, 64];
const root = join(import.meta.dirname, '..');

function start(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve({ child, url: JSON.parse(out.split('\n')[0]).url });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

interface Row { target: string; batch: number; connections: number; rps: number; examples: number; p50: number; p99: number; errors: number }

async function load(url: string, body: string, connections: number): Promise<Omit<Row, 'target' | 'batch' | 'examples'>> {
  const result = await autocannon({
    url: `${url}/v1/score`, method: 'POST', headers: { 'content-type': 'application/json' }, body,
    connections, duration: SECONDS, timeout: 10,
  });
  return {
    connections, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

const { test } = await loadEmbedded('mnist');
const rows = (n: number) => Array.from({ length: n }, (_, i) => Array.from(test.values.subarray(i * 784, (i + 1) * 784), (v) => v / 255));
const dir = mkdtempSync(join(tmpdir(), 'latentkit-bench-serve-'));
const runs = [
  { name: 'dense AE, mse', model: 'ae', score: 'mse' },
  { name: 'VAE, −ELBO', model: 'vae', score: 'elbo' },
];
const table: Row[] = [];
const empty = await start(['bench/empty-server.ts']);
try {
  for (const run of runs) {
    const out = join(dir, run.model);
    const trained = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', '--model', run.model, '--data', 'mnist',
      '--epochs', '1', '--out', out, '--json'], { cwd: root, encoding: 'utf8' });
    if (trained.status !== 0) throw new Error(trained.stderr);
    const served = await start(['src/cli/main.ts', 'serve', out, '--port', '0', '--json']);
    try {
      for (const batch of BATCHES) {
        const body = JSON.stringify({ inputs: rows(batch), score: run.score });
        for (const connections of CONNECTIONS) {
          for (const [target, url] of [[`${run.name}`, served.url], ['empty route', empty.url]] as const) {
            if (target === 'empty route' && run !== runs[0]) continue;
            const r = await load(url, body, connections);
            table.push({ target, batch, examples: r.rps * batch, ...r });
          }
        }
      }
    } finally {
      served.child.kill();
    }
  }
} finally {
  empty.child.kill();
}

console.log(`bench:serve — ${cpus()[0].model}, ${cpus().length} cores; ${SECONDS} s per cell, loopback, autocannon in the bench process`);
console.log('| target | examples/request | connections | requests/s | examples/s | p50 ms | p99 ms | errors | vs empty route |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of table) {
  const ref = table.find((e) => e.target === 'empty route' && e.batch === r.batch && e.connections === r.connections)!;
  console.log(`| ${r.target} | ${r.batch} | ${r.connections} | ${Math.round(r.rps)} | ${Math.round(r.examples)} | ${r.p50} | ${r.p99} | ${r.errors} | ` +
    `${r.target === 'empty route' ? '' : `${(r.rps / ref.rps).toFixed(2)}×`} |`);
}
