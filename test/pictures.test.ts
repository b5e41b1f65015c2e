// Pictures that explain themselves: labels are drawn (dark text pixels where the labels go), long pictures come in
// pages, error maps use the heat scale, ROC and PR plots mark the threshold's operating point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { figurePng, heat, pages } from '../src/viz/labelled.js';
import { reconstructionPages } from '../src/viz/pictures.js';
import { curvePng } from '../src/viz/plots.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { makeDataset } from '../src/data/dataset.js';
import { Rng } from '../src/train/rng.js';
import './helpers.js';

const decode = (png: Buffer) => PNG.sync.read(png);

/** Pixels in the rectangle darker than `below` (0–255, mean of RGB). */
function darkPixels(png: PNG, x0: number, y0: number, x1: number, y1: number, below = 128): number {
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * png.width + x) * 4;
      if ((png.data[i] + png.data[i + 1] + png.data[i + 2]) / 3 < below) n++;
    }
  }
  return n;
}

test('the heat scale runs black → red → yellow → white', () => {
  assert.deepEqual(heat(0), [0, 0, 0]);
  assert.deepEqual(heat(1 / 3), [1, 0, 0]);
  assert.deepEqual(heat(2 / 3), [1, 1, 0]);
  assert.deepEqual(heat(1), [1, 1, 1]);
  assert.deepEqual(heat(0.5), [1, 0.5, 0]);
  assert.deepEqual(pages(100, 64), [{ start: 0, end: 64 }, { start: 64, end: 100 }]);
});

test('row labels are drawn in the margin they make, titles above, in the system font', () => {
  const images = new Float32Array(3 * 4 * 4).fill(1); // three white 4×4 tiles
  const plain = decode(figurePng({ shape: [4, 4, 1], rows: [{ images }] }));
  const labelled = decode(figurePng({ title: 'A title', shape: [4, 4, 1], rows: [{ label: 'reconstruction', images }] }));
  const margin = labelled.width - plain.width;
  assert.ok(margin > 60, `a label margin of ${margin} px`);
  assert.ok(darkPixels(labelled, 0, 25, margin - 4, labelled.height) > 30, 'the label\'s text is drawn');
  assert.ok(darkPixels(labelled, 0, 0, labelled.width, 22) > 30, 'the title is drawn');
  assert.equal(darkPixels(plain, 0, 0, plain.width, plain.height, 40), 0, 'no text without labels (white tiles, white margins)');
});

test('reconstructions of 100 examples come as two pages: 64, then 36', () => {
  const rng = new Rng(1);
  const data = makeDataset({ source: 'toy', values: Float32Array.from({ length: 100 * 16 }, () => rng.next()), shape: [16], size: 100 });
  const model = createModel(defaultConfig('ae', [16], { latentDim: 2, hiddenUnits: [] }));
  const all = reconstructionPages(model, data, 100).map(decode);
  assert.equal(all.length, 2);
  assert.ok(all[0].height > all[1].height, `${all[0].height} px then ${all[1].height} px`);
});

test('ROC and PR plots mark the operating point of the threshold in red, and PR its baseline', async () => {
  const points = [{ x: 0, y: 0 }, { x: 0.2, y: 0.7 }, { x: 1, y: 1 }];
  const red = (png: PNG) => {
    let n = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] > 180 && png.data[i + 1] < 80 && png.data[i + 2] < 80) n++;
    return n;
  };
  const without = decode(await curvePng({ title: 'ROC', xTitle: 'fpr', yTitle: 'tpr', points, diagonal: true }));
  const marked = decode(await curvePng({ title: 'ROC', xTitle: 'fpr', yTitle: 'tpr', points, diagonal: true, marker: { x: 0.2, y: 0.7, label: 'threshold 1.5' } }));
  assert.equal(red(without), 0);
  assert.ok(red(marked) > 100, `${red(marked)} red pixels`);
});
