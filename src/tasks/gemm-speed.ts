// Measures matrix-product speed on the active backend (GFLOP/s), as `latentkit doctor` and the benchmarks report it.
import * as tf from '../backend/tfjs.js';
import type { NativeAddon } from '../backend/native/addon.js';

/** Best-of-`repeats` GFLOP/s of an [m, k] · [k, n] float32 product through tf.matMul. */
export function gemmGflops(m: number, k: number, n: number, repeats = 20): number {
  const a = tf.randomUniform([m, k]);
  const b = tf.randomUniform([k, n]);
  let best = Infinity;
  for (let r = 0; r < repeats + 2; r++) {
    const start = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    const seconds = (performance.now() - start) / 1000;
    c.dispose();
    if (r >= 2) best = Math.min(best, seconds);
  }
  tf.dispose([a, b]);
  return (2 * m * k * n) / best / 1e9;
}

/** Best-of GFLOP/s of the native addon's own product C = A·B ([m, k] · [k, n]) over about 0.2 s, without tfjs around it. */
export function nativeGemmGflops(addon: Pick<NativeAddon, 'gemm'>, m: number, k: number, n: number): number {
  const a = Float32Array.from({ length: m * k }, (_, i) => ((i * 7919) % 1000) / 1000);
  const b = Float32Array.from({ length: k * n }, (_, i) => ((i * 104729) % 1000) / 1000);
  const c = new Float32Array(m * n);
  let best = Infinity;
  for (let spent = 0, r = 0; spent < 200 || r < 3; r++) {
    const start = performance.now();
    addon.gemm(a, b, c, 1, m, n, k, false, false, 0, 0, 0);
    const ms = performance.now() - start;
    if (r > 0) best = Math.min(best, ms);
    spent += ms;
  }
  return (2 * m * k * n) / (best / 1000) / 1e9;
}
