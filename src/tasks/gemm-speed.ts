// Measures matrix-product speed on the active backend (GFLOP/s), as `latentkit doctor` and the benchmarks report it.
import * as tf from '../backend/tfjs.js';

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
