// Runs the PyTorch reference (bench/reference.py) with Debian's python3-torch and returns what it prints.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const PYTHON = process.env.LATENTKIT_BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'reference.py');

export type ReferenceResult = Record<string, number | string>;

/**
 * OpenBLAS core types worth trying on x86-64: Debian's OpenBLAS 0.3.21 runs generic kernels on CPUs it does not know
 * (some recent Intel Xeons), and a machine may set OPENBLAS_CORETYPE in its environment, so the reference is measured
 * under its own detection and under each of these, and runs on the fastest: we compare with the strongest peer.
 */
/** OpenBLAS's own pick ('') and the core types the reference tries. */
export const OPENBLAS_CORE_TYPES = ['', 'HASWELL', 'ZEN', 'SKYLAKEX', 'COOPERLAKE'];

let bestCore: { core: string; detected: string } | undefined;

/** The core OpenBLAS detects by itself, and the OPENBLAS_CORETYPE ('' for none) under which torch.mm runs fastest. */
export function openblasCore(): { core: string; detected: string } {
  if (bestCore) return bestCore;
  const shapes = '512,784,400,0,0;128,400,784,0,1';
  let best = { core: '', gflops: 0 };
  let detected = 'unknown';
  for (const core of OPENBLAS_CORE_TYPES) {
    // '' is OpenBLAS's own detection: a core type already set in the environment is left out.
    const { OPENBLAS_CORETYPE: _, ...rest } = process.env;
    const env = { ...rest, OPENBLAS_VERBOSE: '2', ...(core && { OPENBLAS_CORETYPE: core }) };
    const r = spawnSync(PYTHON, [SCRIPT, 'gemm', shapes], { encoding: 'utf8', env });
    if (r.status !== 0) continue;
    const named = /Core: (\w+)/.exec(r.stdout + r.stderr)?.[1] ?? 'unknown';
    if (!core) detected = named;
    const line = r.stdout.trim().split('\n').find((l) => l.startsWith('{'));
    const gflops = line ? Math.min(...(JSON.parse(line).gflops as number[])) : 0;
    if (gflops > best.gflops * 1.03) best = { core, gflops };
  }
  bestCore = { core: best.core, detected };
  return bestCore;
}

/** OpenBLAS as the reference runs it: its own pick, or the forced core type that measured fastest. */
export function referenceCoreName(): string {
  const { core, detected } = openblasCore();
  return core ? `OPENBLAS_CORETYPE=${core} (detected: ${detected})` : `detected core ${detected}`;
}

/** The JSON lines printed by `reference.py ...args`, or undefined (with the reason on stderr) if PyTorch cannot run. */
export function pytorch(...args: (string | number)[]): ReferenceResult[] | undefined {
  return pytorchOn(openblasCore().core, ...args);
}

/** The same with OpenBLAS on a given core type ('' for its own pick). */
export function pytorchOn(core: string, ...args: (string | number)[]): ReferenceResult[] | undefined {
  const { OPENBLAS_CORETYPE: _, ...rest } = process.env;
  const env = { ...rest, ...(core && { OPENBLAS_CORETYPE: core }) };
  const r = spawnSync(PYTHON, [SCRIPT, ...args.map(String)], { encoding: 'utf8', maxBuffer: 1 << 24, env });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || '').trim().split('\n').pop();
    process.stderr.write(`bench: PyTorch reference unavailable (${why}); install python3-torch and libopenblas0-pthread\n`);
    return undefined;
  }
  return r.stdout.trim().split('\n').map((line) => JSON.parse(line) as ReferenceResult);
}
