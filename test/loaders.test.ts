// Loaders: IDX (raw and gzipped), CSV, PNG folders and the embedded sets, with their bad-input errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { tempDir, assertClose } from './helpers.js';
import { loadIdx } from '../src/data/idx.js';
import { loadCsv } from '../src/data/csv.js';
import { loadPngFolder } from '../src/data/png-folder.js';
import { loadData } from '../src/data/load.js';
import { loadEmbedded } from '../src/data/embedded.js';

/** An IDX file written by hand: magic 0x0000 08 rank, big-endian dims, uint8 values. */
function idxBytes(dims: number[], values: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x00000800 + dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(values)]);
}

test('IDX images and labels load, raw and gzipped', async () => {
  const dir = tempDir();
  const pixels = Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
  writeFileSync(join(dir, 'images.idx'), idxBytes([3, 2, 2], pixels));
  writeFileSync(join(dir, 'images.idx.gz'), gzipSync(idxBytes([3, 2, 2], pixels)));
  writeFileSync(join(dir, 'labels.idx'), idxBytes([3], [7, 1, 4]));
  for (const name of ['images.idx', 'images.idx.gz']) {
    const data = await loadIdx(join(dir, name), join(dir, 'labels.idx'));
    assert.deepEqual(data.shape, [2, 2, 1]);
    assert.equal(data.size, 3);
    assert.deepEqual(Array.from(data.values), pixels);
    assert.deepEqual(Array.from(data.labels!), [7, 1, 4]);
  }
});

test('IDX errors: wrong magic, gzip naming both ways, truncated, label count', async () => {
  const dir = tempDir();
  const good = idxBytes([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  writeFileSync(join(dir, 'csv-like.idx'), 'a,b\n1,2\n');
  await assert.rejects(loadIdx(join(dir, 'csv-like.idx')), /expected an IDX magic number .* found 0x612c620a/);
  writeFileSync(join(dir, 'zipped.idx'), gzipSync(good));
  await assert.rejects(loadIdx(join(dir, 'zipped.idx')), /gzip-compressed but not named \.gz/);
  writeFileSync(join(dir, 'plain.idx.gz'), good);
  await assert.rejects(loadIdx(join(dir, 'plain.idx.gz')), /named \.gz but is not gzip-compressed/);
  writeFileSync(join(dir, 'short.idx'), good.subarray(0, good.length - 3));
  await assert.rejects(loadIdx(join(dir, 'short.idx')), /header says \[2,2,2\] ubyte values \(24 bytes\) but the file has 21 bytes/);
  writeFileSync(join(dir, 'good.idx'), good);
  writeFileSync(join(dir, 'labels.idx'), idxBytes([3], [1, 2, 3]));
  await assert.rejects(loadIdx(join(dir, 'good.idx'), join(dir, 'labels.idx')), /3 labels but .* holds 2 images/);
  await assert.rejects(loadIdx(join(dir, 'nope.idx')), /cannot read \(ENOENT\)/);
});

test('CSV: header detected, label column split off, min-max scaling fitted and re-applied', async () => {
  const dir = tempDir();
  const path = join(dir, 'rows.csv');
  writeFileSync(path, 'a,b,y\n1,10,0\n3,30,1\n2,20,1\n');
  const data = await loadCsv(path, { labelColumn: 'y' });
  assert.deepEqual(data.shape, [2]);
  assert.deepEqual(Array.from(data.labels!), [0, 1, 1]);
  assertClose(data.values, [0, 0, 1, 1, 0.5, 0.5]);
  const again = await loadCsv(path, { labelColumn: 'y', scaling: data.scaling });
  assert.deepEqual(Array.from(again.values), Array.from(data.values));
  const z = await loadCsv(path, { labelColumn: 2, scale: 'zscore' });
  const sd = Math.sqrt(2 / 3);
  assertClose(z.values, [-1 / sd, -1 / sd, 1 / sd, 1 / sd, 0, 0], 1e-5);
  writeFileSync(join(dir, 'nohead.csv'), '1,2\n3,4\n');
  assert.equal((await loadCsv(join(dir, 'nohead.csv'))).size, 2);
});

test('CSV errors name the line and the column', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'bad.csv'), 'a,b\n1,2\n3,oops\n');
  await assert.rejects(loadCsv(join(dir, 'bad.csv')), /bad\.csv: line 3, column 2 \(b\): 'oops' is not a finite number/);
  writeFileSync(join(dir, 'nan.csv'), 'a,b\n1,NaN\n');
  await assert.rejects(loadCsv(join(dir, 'nan.csv')), /line 2, column 2 \(b\): 'NaN' is not a finite number/);
  writeFileSync(join(dir, 'ragged.csv'), 'a,b\n1,2\n3\n');
  await assert.rejects(loadCsv(join(dir, 'ragged.csv')), /ragged\.csv: line 3: 1 cell, but the table has 2 columns/);
  await assert.rejects(loadCsv(join(dir, 'bad.csv'), { labelColumn: 'zz' }), /no label column 'zz'/);
  await assert.rejects(loadCsv(join(dir, 'ragged.csv'), { scaling: { kind: 'none', offset: [0, 0, 0], scale: [1, 1, 1] } }), /line 3: 1 cell/);
});

function writePng(path: string, width: number, height: number, rgb: (x: number, y: number) => [number, number, number]): void {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const [r, g, b] = rgb(x, y);
    png.data.set([r, g, b, 255], (y * width + x) * 4);
  }
  writeFileSync(path, PNG.sync.write(png));
}

test('PNG folders: grayscale, colour, class subfolders, and one size only', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'gray'));
  writePng(join(dir, 'gray', 'a.png'), 3, 2, (x) => [x * 100, x * 100, x * 100]);
  writePng(join(dir, 'gray', 'b.png'), 3, 2, (_, y) => [y * 200, y * 200, y * 200]);
  const gray = await loadPngFolder(join(dir, 'gray'));
  assert.deepEqual(gray.shape, [2, 3, 1]);
  assert.deepEqual(Array.from(gray.values.subarray(0, 6)), [0, 100, 200, 0, 100, 200]);
  mkdirSync(join(dir, 'classes', 'cat'), { recursive: true });
  mkdirSync(join(dir, 'classes', 'dog'));
  writePng(join(dir, 'classes', 'cat', '1.png'), 2, 2, () => [255, 0, 0]);
  writePng(join(dir, 'classes', 'dog', '1.png'), 2, 2, () => [0, 0, 255]);
  const colour = await loadPngFolder(join(dir, 'classes'));
  assert.deepEqual(colour.shape, [2, 2, 3]);
  assert.deepEqual(Array.from(colour.labels!), [0, 1]);
  assert.deepEqual(Array.from(colour.values.subarray(0, 3)), [255, 0, 0]);
  writePng(join(dir, 'gray', 'c.png'), 4, 4, () => [0, 0, 0]);
  await assert.rejects(loadPngFolder(join(dir, 'gray')), /c\.png: 4×4, but .*a\.png is 3×2; all images must be one size/);
  writeFileSync(join(dir, 'gray', 'c.png'), 'not a png');
  await assert.rejects(loadPngFolder(join(dir, 'gray')), /c\.png: not a (readable PNG|PNG file)/);
});

test('--data resolution: unknown names and formats are clear errors', async () => {
  await assert.rejects(loadData('mnsit'), /mnsit: no such file or folder \(and not an embedded dataset: mnist, fashion-mnist\)/);
  const dir = tempDir();
  writeFileSync(join(dir, 'x.txt'), '1');
  await assert.rejects(loadData(join(dir, 'x.txt')), /unknown data format/);
});

test('embedded mnist: 8,000 / 2,000 split, stratified, real digits', async () => {
  const { train, test: held } = await loadEmbedded('mnist');
  assert.equal(train.size, 8000);
  assert.equal(held.size, 2000);
  const counts = new Array(10).fill(0);
  held.labels!.forEach((c) => counts[c]++);
  // Each class contributes 20 % of its examples (e.g. 1,001 zeros → 200, 1,127 ones → 225).
  assert.equal(counts[0], 200);
  assert.equal(counts[1], 225);
  let total = 0;
  for (const v of train.values) total += v;
  const mean = total / train.values.length / 255;
  assert.ok(mean > 0.1 && mean < 0.15, `mean intensity ${mean}`); // MNIST's known mean pixel is 0.1307
});

test('embedded fashion-mnist: the two empty rows are dropped and reported, 6,000 / 1,000 per class', async () => {
  const { train, test: held, warnings } = await loadEmbedded('fashion-mnist');
  assert.equal(train.size, 60000);
  assert.equal(held.size, 10000);
  assert.deepEqual(warnings, ['fashion-mnist: dropped 2 empty rows found in the package data (70000 images kept)']);
  const counts = new Array(10).fill(0);
  held.labels!.forEach((c) => counts[c]++);
  assert.deepEqual(counts, new Array(10).fill(1000));
});

test('a damaged embedded-data cache (flipped byte, truncated, a folder in its place) is ignored and rebuilt', async () => {
  const saved = process.env.LATENTKIT_CACHE_DIR;
  process.env.LATENTKIT_CACHE_DIR = tempDir();
  try {
    const file = join(process.env.LATENTKIT_CACHE_DIR, 'mnist.bin');
    const reference = await loadEmbedded('mnist');
    const intact = readFileSync(file);
    const damages: [string, () => void][] = [
      ['a flipped pixel byte', () => writeFileSync(file, Buffer.from(intact).fill(7, 60_000, 60_001))],
      ['a flipped count', () => writeFileSync(file, Buffer.from(intact).fill(9, 12, 13))],
      ['truncated to 12 bytes', () => writeFileSync(file, intact.subarray(0, 12))],
    ];
    for (const [what, damage] of damages) {
      damage();
      const again = await loadEmbedded('mnist');
      assert.deepEqual(again.test.values, reference.test.values, what);
      assert.deepEqual(again.train.labels, reference.train.labels, what);
      assert.deepEqual(readFileSync(file), intact, `${what}: the cache is rewritten`);
    }
    rmSync(file);
    mkdirSync(file);
    assert.deepEqual((await loadEmbedded('mnist')).test.values, reference.test.values, 'a folder in the way');
  } finally {
    if (saved === undefined) delete process.env.LATENTKIT_CACHE_DIR;
    else process.env.LATENTKIT_CACHE_DIR = saved;
  }
});

test('PNG folders: a header past the pixel limit and image data that does not inflate are errors before decoding', async () => {
  const dir = tempDir();
  const png = new PNG({ width: 4, height: 3 });
  png.data.fill(200);
  const valid = PNG.sync.write(png);
  const write = (bytes: Buffer) => writeFileSync(join(dir, 'a.png'), bytes);
  const huge = Buffer.from(valid);
  huge.writeUInt32BE(30000, 16);
  huge.writeUInt32BE(30000, 20);
  write(huge);
  await assert.rejects(loadPngFolder(dir), /a\.png: 30000×30000 pixels; latentkit reads images of 1 to 16777216 pixels \(LATENTKIT_MAX_PIXELS\)/);
  // Image data flipped inside the zlib stream, with the chunk's CRC made right again: pngjs alone decoded it as black.
  const at = valid.indexOf('IDAT');
  const length = valid.readUInt32BE(at - 4);
  const corrupt = Buffer.from(valid);
  corrupt[at + 4 + Math.floor(length / 2)] ^= 0xff;
  corrupt.writeUInt32BE(crc32(corrupt.subarray(at, at + 4 + length)), at + 4 + length);
  write(corrupt);
  await assert.rejects(loadPngFolder(dir), /a\.png: (corrupt PNG image data|PNG image data holds \d+ bytes)/);
  write(valid);
  assert.equal((await loadPngFolder(dir)).size, 1);
});

/** CRC-32 as PNG chunks use it (ISO 3309). */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
