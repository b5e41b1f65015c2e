// Property-based fuzzing of every reader of untrusted files (IDX, CSV, PNG folders, run folders, detector files, .lkz,
// the embedded-data cache): each generated case must succeed or fail with a one-line UserError, within a time and
// memory bound, and leave the files it read byte-identical. test/fuzz.test.ts runs a few hundred cases per reader;
// `npm run fuzz` many thousands.
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { UserError } from '../src/errors.js';
import { loadIdx } from '../src/data/idx.js';
import { loadCsv } from '../src/data/csv.js';
import { loadPngFolder } from '../src/data/png-folder.js';
import { encodeCache, readCache, type Raw } from '../src/data/embedded.js';
import { loadRun, saveRun } from '../src/io/run-dir.js';
import { readDetector } from '../src/io/detector-file.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { modelFingerprint, packCodes, unpackCodes } from '../src/tasks/compression.js';

export type Outcome = 'ok' | 'user-error' | 'crash' | 'over-bound' | 'changed-files';

export interface FuzzReport {
  reader: string;
  counts: Record<Outcome, number>;
  /** The first few cases that were neither a success nor a clean user error. */
  failures: string[];
}

/** Time and memory one case may take. */
export const BOUNDS = { seconds: 5, rssBytes: 2 * 2 ** 30 };

/** A reader under test: how to make a case's files in `dir` from a generated value, and how to read them. */
interface Reader<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  write(dir: string, value: T): void;
  read(dir: string): Promise<unknown>;
}

/** Random edits of valid bytes: flipped, overwritten and inserted bytes, header fields set to extremes, truncation. */
function mutated(valid: Uint8Array, headerBytes = 64): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat({ max: headerBytes - 1 }), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat({ max: valid.length - 1 }), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('u32' as const), at: fc.nat({ max: headerBytes - 4 }), value: fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff, 30000, 2 ** 24) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat({ max: valid.length }), bytes: fc.uint8Array({ maxLength: 16 }) }),
    fc.record({ kind: fc.constant('truncate' as const), length: fc.nat({ max: valid.length }) }),
  );
  return fc.array(edit, { minLength: 0, maxLength: 3 }).map((edits) => {
    let bytes = Uint8Array.from(valid);
    for (const e of edits) {
      if (e.kind === 'set' && e.at < bytes.length) bytes[e.at] = e.byte;
      if (e.kind === 'u32' && e.at + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(e.at, e.value);
      if (e.kind === 'insert') bytes = Uint8Array.from([...bytes.subarray(0, e.at), ...e.bytes, ...bytes.subarray(e.at)]);
      if (e.kind === 'truncate') bytes = bytes.subarray(0, e.length);
    }
    return bytes;
  });
}

/** A JSON document with one value somewhere inside replaced by arbitrary JSON, or removed. */
function mutatedJson(valid: unknown): fc.Arbitrary<string> {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.slice(0, 8).forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => walk(x, [...path, k]));
  };
  walk(valid, []);
  const replacement = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(-1, 0, 1e308, -1e308, 2 ** 31, 1.5, '../../etc/passwd', '/dev/zero', null, [], {}));
  return fc.tuple(fc.constantFrom(...paths), replacement, fc.boolean()).map(([path, value, remove]) => {
    if (path.length === 0) return JSON.stringify(value);
    const copy = structuredClone(valid) as Record<string | number, unknown>;
    let target = copy;
    for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (remove && !Array.isArray(target)) delete target[last];
    else target[last] = value;
    return JSON.stringify(copy);
  });
}

function idxBytes(magicType: number, dims: number[], values: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + values.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, (magicType << 8) | dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(values, 4 + 4 * dims.length);
  return out;
}

function pngBytes(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37) % 256;
  return PNG.sync.write(png);
}

const csvCell = fc.oneof(
  { arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String), weight: 20 },
  { arbitrary: fc.integer({ min: -3, max: 12 }).map(String), weight: 10 },
  { arbitrary: fc.double().map(String), weight: 1 },
  { arbitrary: fc.constantFrom('', ' ', 'NaN', 'Infinity', '-0', '1e999', 'x', '"', '"a,b"', '0x10', '１', '1e9', '2.5'), weight: 1 },
  { arbitrary: fc.string({ maxLength: 6 }), weight: 1 },
);

/** A CSV table: mostly rectangular rows of numbers, now and then a ragged row or a header. */
const csvTable = fc.integer({ min: 1, max: 5 }).chain((width) => fc.tuple(
  fc.option(fc.array(fc.string({ maxLength: 5 }), { minLength: width, maxLength: width }), { freq: 3 }),
  fc.array(fc.oneof({ arbitrary: fc.array(csvCell, { minLength: width, maxLength: width }), weight: 12 },
    { arbitrary: fc.array(csvCell, { minLength: 1, maxLength: 6 }), weight: 1 }), { minLength: 0, maxLength: 10 }),
).map(([header, rows]) => (header ? [header, ...rows] : rows)));

/** One of two valid files mutated, the other left as it is. */
const onePairMutated = (a: Uint8Array, b: Uint8Array, headerA: number, headerB: number) =>
  fc.oneof(fc.tuple(mutated(a, headerA), fc.constant(b)), fc.tuple(fc.constant(a), mutated(b, headerB)));

export async function makeReaders(workDir: string): Promise<Reader<any>[]> {
  const runDir = join(workDir, 'valid-run');
  const model = createModel(defaultConfig('ae', [6], { latentDim: 2, hiddenUnits: [4] }));
  await saveRun(runDir, model, { data: { source: 'toy', shape: [6] }, history: [], backend: 'test' });
  const modelJson = JSON.parse(readFileSync(join(runDir, 'encoder', 'model.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(runDir, 'latentkit.json'), 'utf8'));
  const weights = readFileSync(join(runDir, 'encoder', 'weights.bin'));
  const fingerprint = modelFingerprint(model);
  const lkz = packCodes(Float32Array.from({ length: 10 }, (_, i) => i / 7), 2, [6], 8, fingerprint);
  const detector = { score: 'mse', threshold: { kind: 'percentile', q: 99 }, value: 0.02, samples: 1000 };
  const cached: Raw = { dropped: 1, labels: Int32Array.from([3, 0, 9]), pixels: Uint8Array.from({ length: 3 * 784 }, (_, i) => (i * 13) % 256) };
  const runFiles = (dir: string) => {
    for (const part of ['encoder', 'decoder']) mkdirSync(join(dir, part), { recursive: true });
    for (const name of ['latentkit.json', 'encoder/model.json', 'encoder/weights.bin', 'decoder/model.json', 'decoder/weights.bin']) {
      writeFileSync(join(dir, name), readFileSync(join(runDir, name)));
    }
  };
  return [
    {
      name: 'idx',
      arbitrary: onePairMutated(idxBytes(0x08, [3, 4, 4], Array.from({ length: 48 }, (_, i) => i)), idxBytes(0x08, [3], [0, 1, 2]), 24, 12),
      write: (dir, [images, labels]: Uint8Array[]) => {
        writeFileSync(join(dir, 'images.idx'), images);
        writeFileSync(join(dir, 'labels.idx'), labels);
      },
      read: (dir) => loadIdx(join(dir, 'images.idx'), join(dir, 'labels.idx')),
    },
    {
      name: 'csv',
      arbitrary: fc.tuple(csvTable, fc.boolean()),
      write: (dir, [rows, labelled]: [string[][], boolean]) => {
        writeFileSync(join(dir, 'data.csv'), rows.map((r) => r.join(',')).join('\n'));
        writeFileSync(join(dir, 'labelled'), labelled ? '1' : '');
      },
      read: (dir) => loadCsv(join(dir, 'data.csv'), readFileSync(join(dir, 'labelled'), 'utf8') ? { labelColumn: 0 } : {}),
    },
    {
      name: 'png-folder',
      arbitrary: onePairMutated(pngBytes(4, 3), pngBytes(4, 3), 40, 40),
      write: (dir, pngs: Uint8Array[]) => {
        mkdirSync(join(dir, 'images'));
        pngs.forEach((png, i) => writeFileSync(join(dir, 'images', `${i}.png`), png));
      },
      read: (dir) => loadPngFolder(join(dir, 'images')),
    },
    {
      name: 'run-folder',
      arbitrary: fc.oneof(
        mutatedJson(modelJson).map((text) => ({ file: 'encoder/model.json', bytes: Buffer.from(text) })),
        mutatedJson(manifest).map((text) => ({ file: 'latentkit.json', bytes: Buffer.from(text) })),
        mutated(weights, weights.length).map((bytes) => ({ file: 'encoder/weights.bin', bytes })),
      ),
      write: (dir, change: { file: string; bytes: Uint8Array }) => {
        runFiles(join(dir, 'run'));
        writeFileSync(join(dir, 'run', change.file), change.bytes);
      },
      read: async (dir) => (await loadRun(join(dir, 'run'))).model.dispose(),
    },
    {
      name: 'detector',
      arbitrary: fc.oneof(mutatedJson(detector), fc.jsonValue().map((v) => JSON.stringify(v)), fc.string()),
      write: (dir, text: string) => writeFileSync(join(dir, 'detector.json'), text),
      read: (dir) => readDetector(join(dir, 'detector.json')),
    },
    {
      name: 'lkz',
      arbitrary: mutated(lkz, 40),
      write: (dir, bytes: Uint8Array) => writeFileSync(join(dir, 'codes.lkz'), bytes),
      read: async (dir) => unpackCodes(readFileSync(join(dir, 'codes.lkz')), fingerprint, 'codes.lkz'),
    },
    {
      name: 'cache',
      arbitrary: mutated(encodeCache(cached), 48),
      write: (dir, bytes: Uint8Array) => writeFileSync(join(dir, 'mnist.bin'), bytes),
      // A damaged cache is never an error: it reads as missing (and is rebuilt from the package). What it does return
      // must be exactly what was cached.
      read: async (dir) => {
        const raw = readCache(join(dir, 'mnist.bin'));
        const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v, i) => v === b[i]);
        if (raw && !(same(raw.labels, cached.labels) && same(raw.pixels, cached.pixels) && raw.dropped === cached.dropped)) {
          throw new Error('a damaged cache was accepted');
        }
      },
    },
  ];
}

/** sha256 of every file under `dir`, by relative path. */
function snapshotFiles(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const info = statSync(path);
      if (info.isDirectory()) walk(path);
      else hash.update(`${path}:`).update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

/** Runs `runs` generated cases of `reader` from `seed` and counts the outcomes. */
export async function fuzzReader(reader: Reader<any>, workDir: string, runs: number, seed: number): Promise<FuzzReport> {
  const counts: Record<Outcome, number> = { ok: 0, 'user-error': 0, crash: 0, 'over-bound': 0, 'changed-files': 0 };
  const failures: string[] = [];
  const note = (outcome: Outcome, detail: string) => {
    counts[outcome]++;
    if (outcome !== 'ok' && outcome !== 'user-error' && failures.length < 5) failures.push(`${outcome}: ${detail}`);
  };
  const values = fc.sample(reader.arbitrary, { numRuns: runs, seed });
  for (const [i, value] of values.entries()) {
    const dir = join(workDir, `${reader.name}-${i}`);
    mkdirSync(dir, { recursive: true });
    reader.write(dir, value);
    const before = snapshotFiles(dir);
    const started = performance.now();
    let outcome: Outcome = 'ok';
    let detail = '';
    try {
      await reader.read(dir);
    } catch (err) {
      const oneLine = err instanceof UserError && !err.message.includes('\n') && err.message.length < 2000;
      outcome = oneLine ? 'user-error' : 'crash';
      detail = `${(err as Error).name}: ${String((err as Error).message).slice(0, 300)}`;
    }
    const seconds = (performance.now() - started) / 1000;
    if (seconds > BOUNDS.seconds || process.memoryUsage().rss > BOUNDS.rssBytes) {
      outcome = 'over-bound';
      detail = `${seconds.toFixed(1)} s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`;
    }
    if (snapshotFiles(dir) !== before) outcome = 'changed-files';
    note(outcome, `case ${i} (seed ${seed}): ${detail}`);
    rmSync(dir, { recursive: true, force: true });
  }
  return { reader: reader.name, counts, failures };
}
