// How batchTensor gets its output array and turns uint8 rows into floats; the native backend installs faster ones.

/**
 * Writes rows `order[start..start+n)` (rows start.. when order is omitted) of `src`, each `d` bytes, into `out` as
 * v / 255, row i at offset i·width; the columns past d are left for the caller.
 */
export type UnitRows = (src: Uint8Array, d: number, order: Int32Array | undefined, start: number, n: number,
  out: Float32Array, width: number) => void;

export interface BatchRows {
  /** An array of `length` floats whose contents the caller overwrites entirely. */
  alloc(length: number): Float32Array;
  unitRows: UnitRows;
}

/** Intensity v / 255 for each uint8 v, looked up rather than divided per pixel. */
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

const portable: BatchRows = {
  alloc: (length) => new Float32Array(length),
  unitRows: (src, d, order, start, n, out, width) => {
    for (let i = 0; i < n; i++) {
      const row = order ? order[start + i] : start + i;
      for (let j = 0, k = row * d, o = i * width; j < d; j++, k++, o++) out[o] = UNIT[src[k]];
    }
  },
};

let current: BatchRows = portable;

export function batchRows(): BatchRows {
  return current;
}

/** Replaces the batch helpers (undefined restores the portable ones). */
export function useBatchRows(rows: BatchRows | undefined): void {
  current = rows ?? portable;
}
