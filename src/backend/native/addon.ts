// Loads the compiled N-API addon (native/build/Release/latentkit_native.node) and types its functions.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeAddon {
  /** C = op(A)·op(B) per batch; with `act`, the fused epilogue c = act(c + bias[column]) is applied as C is stored. */
  gemm(a: Float32Array, b: Float32Array, c: Float32Array, batch: number, m: number, n: number, k: number,
    transA: boolean, transB: boolean, strideA: number, strideB: number, strideC: number, bias?: Float32Array | null, act?: number, alpha?: number): void;
  biasActivation(c: Float32Array, bias: Float32Array | null, m: number, n: number, act: number, alpha: number): void;
  binary(op: number, a: Float32Array, layoutA: number, b: Float32Array, layoutB: number, out: Float32Array, outer: number, inner: number): void;
  unary(op: number, x: Float32Array, out: Float32Array, n: number, alpha: number): void;
  sum3(x: Float32Array, out: Float32Array, outer: number, reduce: number, inner: number): void;
  adam(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, lr: number, beta1: number, beta2: number,
    eps: number, oneMinusAccBeta1: number, oneMinusAccBeta2: number): void;
  bceLogitsRows(logits: Float32Array, x: Float32Array, out: Float32Array, rows: number, d: number): void;
  bceLogitsGrad(logits: Float32Array, x: Float32Array, dy: Float32Array, dLogits: Float32Array, rows: number, d: number): void;
  /** shape: Int32Array [n, h, w, c, fh, fw, sh, sw, dh, dw, padTop, padLeft, oh, ow]. */
  im2col(x: Float32Array, cols: Float32Array, shape: Int32Array): void;
  col2im(cols: Float32Array, x: Float32Array, shape: Int32Array): void;
  squaredErrorRows(p: Float32Array, x: Float32Array, out: Float32Array, rows: number, d: number): void;
  squaredErrorGrad(p: Float32Array, x: Float32Array, dy: Float32Array, dp: Float32Array, rows: number, d: number): void;
  activationGrad(y: Float32Array, dy: Float32Array, dz: Float32Array, n: number, act: number): void;
  gaussianHead(mu: Float32Array, raw: Float32Array, eps: Float32Array, z: Float32Array, kl: Float32Array, rows: number, k: number, lo: number, hi: number): void;
  gaussianHeadGrad(mu: Float32Array, raw: Float32Array, eps: Float32Array, dz: Float32Array, dkl: Float32Array, dmu: Float32Array,
    draw: Float32Array, rows: number, k: number, lo: number, hi: number): void;
  unitRows(src: Uint8Array, d: number, order: Int32Array | null, start: number, n: number, out: Float32Array, width: number): void;
  concatColumns(a: Float32Array, na: number, b: Float32Array, nb: number, rows: number, out: Float32Array): void;
  splitColumns(input: Float32Array, rows: number, na: number, nb: number, a: Float32Array, b: Float32Array): void;
  slice2d(input: Float32Array, inCols: number, row0: number, col0: number, rows: number, cols: number, out: Float32Array): void;
  /** Fills `out` (even length) with Box–Muller normals from mulberry32 `state`; returns the next state. */
  normalPairs(state: number, out: Float32Array): number;
  /** Row i of `out` ([rows, width], width even) gets normalPairs(states[i], row) and states[i] the state after it. */
  rowNormalPairs(states: Uint32Array, out: Float32Array, width: number): void;
  info(): {
    threads: number; gemmThreadThreshold: number; blas: string; sparse: string; isa?: string; blocking?: string;
    /** The sparse-or-dense choices measured so far (one per product shape, layout and density step). */
    sparseChoices: string;
  };
  /** When the sparse-operand path is taken: measured per shape (the default), always where a product qualifies, or off. */
  useSparse(mode: 'measured' | 'always' | 'off'): void;
  /** Switches the SGEMM path (avx512, avx2, portable); false when this CPU lacks it. */
  useIsa(isa: string): boolean;
  /** Whether no element is NaN or ±∞. */
  allFinite(x: Float32Array): boolean;
  /** One core's GFLOP/s of the active SGEMM micro-kernel with its operands in L1. */
  kernelPeakGflops(): number;
}

/** The package root: three folders above this file in src/ (tsx) and in dist/ (built). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const ADDON_PATH = join(packageRoot(), 'native', 'build', 'Release', 'latentkit_native.node');

let cached: { addon?: NativeAddon; reason?: string } | undefined;

/** What builds the addon: a C++ compiler and node-gyp's tools, nothing else. */
export const BUILD_FIX = 'apt-get install g++ make python3, then npm rebuild latentkit';

/** The addon, or why it cannot be loaded. */
export function loadAddon(): { addon?: NativeAddon; reason?: string } {
  if (cached) return cached;
  if (!existsSync(ADDON_PATH)) {
    cached = { reason: `the addon was not built at install time; ${BUILD_FIX}` };
  } else {
    try {
      cached = { addon: createRequire(import.meta.url)(ADDON_PATH) as NativeAddon };
    } catch (err) {
      cached = { reason: `cannot load ${ADDON_PATH}: ${(err as Error).message.split('\n')[0]}; ${BUILD_FIX}` };
    }
  }
  return cached;
}
