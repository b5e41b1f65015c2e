// Per-feature scaling of real-valued data (CSV): fitted on training rows, saved with the model, applied to new rows.

export const SCALING_KINDS = ['none', 'minmax', 'zscore'] as const;
export type ScalingKind = (typeof SCALING_KINDS)[number];

/** x' = (x − offset) / scale per feature; minmax maps the training range to [0, 1], zscore to mean 0 and std 1. */
export interface Scaling {
  kind: ScalingKind;
  offset: number[];
  scale: number[];
}

/** Fits a scaling on `rows` (row-major, `d` features). Constant features get scale 1 so they never divide by zero. */
export function fitScaling(kind: ScalingKind, rows: Float32Array, d: number): Scaling {
  const n = rows.length / d;
  const offset = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(1);
  if (kind === 'none' || n === 0) return { kind, offset, scale };
  for (let j = 0; j < d; j++) {
    if (kind === 'minmax') {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = rows[i * d + j];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      offset[j] = lo;
      scale[j] = hi > lo ? hi - lo : 1;
    } else {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += rows[i * d + j];
      const mean = sum / n;
      let sq = 0;
      for (let i = 0; i < n; i++) sq += (rows[i * d + j] - mean) ** 2;
      const std = Math.sqrt(sq / n);
      offset[j] = mean;
      scale[j] = std > 0 ? std : 1;
    }
  }
  return { kind, offset, scale };
}

/** Applies `scaling` to `rows` in place. */
export function applyScaling(scaling: Scaling, rows: Float32Array): Float32Array {
  const d = scaling.offset.length;
  if (scaling.kind === 'none') return rows;
  const offset = Float64Array.from(scaling.offset);
  const scale = Float64Array.from(scaling.scale);
  for (let row = 0; row < rows.length; row += d) {
    for (let j = 0; j < d; j++) rows[row + j] = (rows[row + j] - offset[j]) / scale[j];
  }
  return rows;
}

/** Maps scaled values back to the data's own units. */
export function invertScaling(scaling: Scaling, rows: Float32Array): Float32Array {
  const d = scaling.offset.length;
  const out = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = scaling.kind === 'none' ? rows[i] : rows[i] * scaling.scale[i % d] + scaling.offset[i % d];
  return out;
}
