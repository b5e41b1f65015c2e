// Test helpers: one backend for the whole run, float comparisons, a temp dir.
import { mkdtempSync } from 'node:fs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../src/backend/select.js';
import '../src/node.js';

export const backend = await selectBackend();

export function tempDir(prefix = 'latentkit-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** |a − b| ≤ atol + rtol·|b| for every element (NaN matches NaN). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6, what = 'value'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} ≠ ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) throw new Error(`${what}[${i}]: ${a} ≠ ${b} (rtol ${rtol}, atol ${atol})`);
  }
}

const root = join(import.meta.dirname, '..');
const CLI = ['--import', 'tsx', join(root, 'src/cli/main.ts')];

/** Runs the latentkit command line to its end. */
export function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', cwd: root });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the latentkit command line in the background (for signals and kills). */
export function cliProcess(...args: string[]): ChildProcess {
  return spawn(process.execPath, [...CLI, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
}
