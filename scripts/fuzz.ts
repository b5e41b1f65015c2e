// `npm run fuzz [cases per reader] [seed] [readers, comma-separated]`: many thousands of generated cases per reader of untrusted files, each
// reader in a worker thread watched from here, so that a case that hangs is reported (and skipped) instead of stopping
// the run. Prints the outcome counts per reader; exits 1 when any case crashed, hung, overran its bounds or changed files.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHUNK = 250;
const HANG_SECONDS = 30;

interface Job { reader: string; start: number; count: number; seed: number }

if (!isMainThread) {
  const { fuzzReader, makeReaders } = await import('../test/fuzz-readers.js');
  await import('../src/node.js');
  const { selectBackend } = await import('../src/backend/select.js');
  await selectBackend();
  const job = workerData as Job;
  const workDir = mkdtempSync(join(tmpdir(), 'latentkit-fuzz-'));
  const reader = (await makeReaders(workDir)).find((r) => r.name === job.reader)!;
  // One case per call, so that the main thread knows which case is running.
  for (let i = job.start; i < job.start + job.count; i++) {
    parentPort!.postMessage({ running: i });
    const report = await fuzzReader(reader, workDir, 1, job.seed + i);
    parentPort!.postMessage({ done: i, report });
  }
  process.exit(0);
}

const total = Number(process.argv[2] ?? 5000);
const seed = Number(process.argv[3] ?? 1);
const readers = (process.argv[4] ?? 'idx,csv,png-folder,run-folder,detector,lkz,cache').split(',');
const outcomes = ['ok', 'user-error', 'crash', 'over-bound', 'changed-files', 'hang'] as const;

/** Runs cases [start, start + count) of `reader` in a worker; a case silent for HANG_SECONDS counts as a hang. */
function runChunk(reader: string, start: number, count: number, counts: Record<string, number>, failures: string[]): Promise<number> {
  return new Promise((resolve) => {
    // The worker runs this file through tsx's loader, registered inside it.
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: { reader, start, count, seed } });
    let running = start;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        counts.hang++;
        failures.push(`hang: case ${running} (seed ${seed + running})`);
        void worker.terminate();
        resolve(running + 1);
      }, HANG_SECONDS * 1000);
    };
    arm();
    worker.on('message', (m: { running?: number; done?: number; report?: { counts: Record<string, number>; failures: string[] } }) => {
      arm();
      if (m.running !== undefined) running = m.running;
      if (m.report) {
        for (const [k, v] of Object.entries(m.report.counts)) counts[k] += v;
        failures.push(...m.report.failures);
      }
    });
    worker.on('exit', () => {
      clearTimeout(timer);
      resolve(start + count);
    });
  });
}

let bad = 0;
console.log(`fuzzing ${total} cases per reader from seed ${seed}`);
console.log(['reader'.padEnd(12), ...outcomes.map((o) => o.padStart(15)), 'seconds'.padStart(9)].join(''));
for (const reader of readers) {
  const started = performance.now();
  const counts: Record<string, number> = Object.fromEntries(outcomes.map((o) => [o, 0]));
  const failures: string[] = [];
  for (let next = 0; next < total;) next = await runChunk(reader, next, Math.min(CHUNK, total - next), counts, failures);
  console.log([reader.padEnd(12), ...outcomes.map((o) => String(counts[o]).padStart(15)), ((performance.now() - started) / 1000).toFixed(1).padStart(9)].join(''));
  for (const f of failures.slice(0, 5)) console.log(`  ${f}`);
  bad += counts.crash + counts['over-bound'] + counts['changed-files'] + counts.hang;
}
process.exit(bad > 0 ? 1 : 0);
