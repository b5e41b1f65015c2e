// Runs the PyTorch reference (bench/reference.py) with Debian's python3-torch and returns what it prints.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const PYTHON = process.env.LATENTKIT_BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'reference.py');

export type ReferenceResult = Record<string, number | string>;

/** The JSON lines printed by `reference.py ...args`, or undefined (with the reason on stderr) if PyTorch cannot run. */
export function pytorch(...args: (string | number)[]): ReferenceResult[] | undefined {
  const r = spawnSync(PYTHON, [SCRIPT, ...args.map(String)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || '').trim().split('\n').pop();
    process.stderr.write(`bench: PyTorch reference unavailable (${why}); install python3-torch and libopenblas0-pthread\n`);
    return undefined;
  }
  return r.stdout.trim().split('\n').map((line) => JSON.parse(line) as ReferenceResult);
}
