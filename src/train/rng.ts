// Seeded pseudo-random numbers for shuffling, splits and noise seeds (mulberry32: small, fast, reproducible).

/** A generator of uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of `items` in place, driven by `random`. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(items: T, random: () => number): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/** The integers 0..n-1 in a seeded random order. */
export function permutation(n: number, random: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffleInPlace(order, random);
}

/**
 * Fills `out` (an even length) with standard normals drawn in Box–Muller pairs from mulberry32 state `state`, exactly as
 * Rng.normals does, and returns the state after the draws. The native backend installs one.
 */
export type NormalFiller = (state: number, out: Float32Array) => number;

/** The same for many generators at once: row i of `out` ([rows, width], width even) from state states[i], updated. */
export type RowNormalFiller = (states: Uint32Array, out: Float32Array, width: number) => void;

let filler: NormalFiller | undefined;
let rowFiller: RowNormalFiller | undefined;

/** Installs (or, with undefined, removes) a faster generator of Rng.normals's pairs, one generator or one per row. */
export function useNormalFiller(fill: NormalFiller | undefined, rows?: RowNormalFiller): void {
  filler = fill;
  rowFiller = fill ? rows : undefined;
}

/**
 * A seeded source of uniform and standard normal numbers (Box–Muller), identical on every backend. The native filler
 * computes the same double-precision formulas (libm's log, cos and sin for V8's), so its float32 draws agree with
 * these to the last bit but for rare ties of rounding.
 */
export interface RngState {
  state: number;
  /** The second normal of a Box–Muller pair, not yet drawn. */
  spare?: number;
}

export class Rng {
  private state: number;
  private spare: number | undefined;
  private readonly scratch = new Float64Array(2);

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The generator's whole state (for checkpoints): the next draws of a generator restored from it are the same. */
  get snapshot(): RngState {
    return { state: this.state, ...(this.spare !== undefined && { spare: this.spare }) };
  }

  static restore(saved: RngState): Rng {
    const rng = new Rng(saved.state);
    rng.spare = saved.spare;
    return rng;
  }

  /** A uniform float in [0, 1): mulberry32's next output. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    this.pair(this.scratch, 0);
    this.spare = this.scratch[1];
    return this.scratch[0];
  }

  /** n draws of normal(), in the same sequence, generated in Box–Muller pairs. */
  normals(n: number): Float32Array {
    const out = new Float32Array(n);
    let i = 0;
    if (n > 0 && this.spare !== undefined) {
      out[i++] = this.spare;
      this.spare = undefined;
    }
    const pairs = (n - i) >> 1;
    if (filler && pairs > 0) {
      this.state = filler(this.state, out.subarray(i, i + 2 * pairs));
      i += 2 * pairs;
    }
    for (; i + 1 < n; i += 2) this.pair(out, i);
    if (i < n) out[i] = this.normal();
    return out;
  }

  /**
   * Row i of `out` ([rngs.length, width]) gets rngs[i].normals(width): in one call to the installed row filler when
   * no generator holds a spare normal and the width is even (one per row cost more than the draws for a VAE's noise).
   */
  static fillRows(rngs: Rng[], width: number, out: Float32Array): void {
    if (rowFiller && width > 0 && width % 2 === 0 && rngs.every((r) => r.spare === undefined)) {
      const states = Uint32Array.from(rngs, (r) => r.state);
      rowFiller(states, out, width);
      rngs.forEach((r, i) => (r.state = states[i]));
      return;
    }
    rngs.forEach((rng, i) => out.set(rng.normals(width), i * width));
  }

  /** One Box–Muller pair, r·cos θ and r·sin θ, into out[i] and out[i + 1]. */
  private pair(out: Float32Array | Float64Array, i: number): void {
    let u = 0;
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * this.next();
    out[i] = r * Math.cos(theta);
    out[i + 1] = r * Math.sin(theta);
  }
}

/** The seed of the noise that evaluation and sampled scores draw, so that scoring the same data twice agrees. */
export const EVAL_SEED = 12345;

/** A 32-bit seed for row `row` of a dataset scored with `seed` (a murmur3-style mix, so nearby rows are unrelated). */
export function rowSeed(seed: number, row: number): number {
  let h = (seed ^ Math.imul(row >>> 0, 0x9e3779b1) ^ Math.floor(row / 4294967296)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Noise drawn per row: row r of the data (its index in the whole file or dataset) has its own generator, seeded by
 * rowSeed(seed, r), and a request for n normals over `rows` rows is row-major [rows, n / rows], each row's share from
 * its own generator. A row's noise is then the same whichever rows it is scored with: in chunks of a stream, in a
 * shard, in one request among several, or all at once.
 */
export class RowNoise extends Rng {
  private constructor(private readonly rngs: Rng[]) {
    super(0);
  }

  /** Generators for rows [firstRow, firstRow + rows) of data scored with `seed`. */
  static of(seed: number, firstRow: number, rows: number): RowNoise {
    return new RowNoise(Array.from({ length: rows }, (_, i) => new Rng(rowSeed(seed, firstRow + i))));
  }

  /** The rows of several RowNoises, in order. */
  static concat(parts: RowNoise[]): RowNoise {
    return new RowNoise(parts.flatMap((p) => p.rngs));
  }

  /** The generators of rows [from, to) of this one (they continue where these are). */
  rows(from: number, to: number): RowNoise {
    return new RowNoise(this.rngs.slice(from, to));
  }

  override normals(n: number): Float32Array {
    const rows = this.rngs.length;
    if (rows === 0 || n % rows !== 0) throw new Error(`per-row noise: ${n} normals do not split over ${rows} rows`);
    const out = new Float32Array(n);
    Rng.fillRows(this.rngs, n / rows, out);
    return out;
  }

  /** k draws of `width` normals per row, sample-major [k, rows, width] (draw s of row i from row i's generator). */
  samples(k: number, width: number): Float32Array {
    const rows = this.rngs.length;
    const out = new Float32Array(k * rows * width);
    for (let s = 0; s < k; s++) Rng.fillRows(this.rngs, width, out.subarray(s * rows * width, (s + 1) * rows * width));
    return out;
  }

  override next(): number {
    throw new Error('per-row noise draws normals only');
  }

  override normal(): number {
    return this.normals(this.rngs.length)[0];
  }
}
