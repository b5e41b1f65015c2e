// Large PNG folders decode across worker threads: the same images in the same order, and the same first error, as
// decoding them one by one on the main thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { decodePngs, loadPngFolder } from '../src/data/png-folder.js';
import { tempDir } from './helpers.js';

function png(seed: number): Buffer {
  const image = new PNG({ width: 8, height: 6 });
  for (let p = 0; p < 48; p++) image.data.set([(p * 7 + seed) % 256, (p * 7 + seed) % 256, (p * 7 + seed) % 256, 255], p * 4);
  return PNG.sync.write(image);
}

test('300 PNGs decode in parallel to the same images, in order, as on one thread', async () => {
  const dir = tempDir();
  const files: string[] = [];
  for (let i = 0; i < 300; i++) {
    const cls = join(dir, `class${i % 3}`);
    mkdirSync(cls, { recursive: true });
    const file = join(cls, `${String(i).padStart(4, '0')}.png`);
    writeFileSync(file, png(i));
    files.push(file);
  }
  const parallel = await decodePngs(files, 4, 0);
  const serial = await decodePngs(files, 1);
  assert.equal(parallel.length, 300);
  parallel.forEach((p, i) => assert.deepEqual(Array.from(p.rgba), Array.from(serial[i].rgba), files[i]));
  assert.equal(parallel[123].rgba[0], 123 % 256);
  const data = await loadPngFolder(dir);
  assert.equal(data.size, 300);
  assert.deepEqual(data.shape, [6, 8, 1]);
  assert.equal(data.labels![0], 0);
  // Files sort by name inside each class folder: class1's first file is image 1.
  assert.equal(data.values[100 * 48], 1);

  writeFileSync(files[200], 'not a png');
  writeFileSync(files[250], Buffer.from(png(0)).subarray(0, 40));
  const first = await decodePngs(files, 1).catch((err: Error) => err.message);
  const many = await decodePngs(files, 4, 0).catch((err: Error) => err.message);
  assert.match(String(first), new RegExp(`${files[200].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.equal(many, first);
});
