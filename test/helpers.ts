// Test helpers: one backend for the whole run, float comparisons, a temp dir.
import { mkdtempSync } from 'node:fs';
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
