// The k-nearest-neighbour score of a code: its mean Euclidean distance to the k nearest codes of the normal data
// (the kNN outlier score of Ramaswamy et al., SIGMOD 2000, in the "mean" form PyOD's KNN detector offers), on the
// encoder's codes. Scoring the normal data itself leaves each example out of its own neighbours.
import * as tf from '../backend/tfjs.js';
import { check } from '../errors.js';

/** The normal data's codes [n, dim] row-major, and the number of neighbours averaged. */
export interface KnnState {
  k: number;
  codes: number[];
}

/** Neighbours a detector averages by default (PyOD's default). */
export const KNN_NEIGHBOURS = 5;
/** Candidates ranked by the float32 product beyond k, whose distances are then computed exactly. */
const SPARE = 8;
const QUERY_ROWS = 512;

/**
 * For each query row, the mean distance to its k nearest reference rows; with `leaveOneOut` the queries are the
 * reference rows themselves and each skips its own row. Candidates come from one matrix product per block of queries
 * (‖a‖² − 2a·b + ‖b‖², float32), their distances are recomputed in float64 before the k nearest are averaged.
 */
export function knnDistances(reference: ArrayLike<number>, queries: ArrayLike<number>, dim: number, k: number, leaveOneOut = false): Float64Array {
  const n = reference.length / dim;
  const m = queries.length / dim;
  check(Number.isInteger(k) && k >= 1, `the number of neighbours must be a positive integer, got ${k}`);
  check(n >= k + (leaveOneOut ? 1 : 0), `a ${k}-nearest-neighbour score needs more than ${k} normal examples, found ${n}`);
  const candidates = Math.min(n, k + SPARE + (leaveOneOut ? 1 : 0));
  const ref = tf.tensor2d(Float32Array.from(reference), [n, dim]);
  const refNorms = tf.tidy(() => ref.square().sum(1));
  const out = new Float64Array(m);
  for (let start = 0; start < m; start += QUERY_ROWS) {
    const end = Math.min(start + QUERY_ROWS, m);
    const indices = tf.tidy(() => {
      const q = tf.tensor2d(Float32Array.from({ length: (end - start) * dim }, (_, i) => queries[start * dim + i]), [end - start, dim]);
      return tf.topk(q.matMul(ref, false, true).mul(2).sub(refNorms), candidates).indices; // the query's norm does not change its ranking
    });
    const nearest = indices.dataSync();
    indices.dispose();
    for (let i = 0; i < end - start; i++) {
      const row = start + i;
      const distances: number[] = [];
      for (let j = 0; j < candidates; j++) {
        const r = nearest[i * candidates + j];
        if (leaveOneOut && r === row) continue;
        let sq = 0;
        for (let d = 0; d < dim; d++) sq += (queries[row * dim + d] - reference[r * dim + d]) ** 2;
        distances.push(Math.sqrt(sq));
      }
      distances.sort((a, b) => a - b);
      let sum = 0;
      for (let j = 0; j < k; j++) sum += distances[j];
      out[row] = sum / k;
    }
  }
  tf.dispose([ref, refNorms]);
  return out;
}
