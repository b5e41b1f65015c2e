// The compressed-code format: round trip within the quantization step, refusal of other models and bad files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import './helpers.js';
import { modelFingerprint, packCodes, psnr, unpackCodes } from '../src/tasks/compression.js';
import { createModel, defaultConfig } from '../src/models/registry.js';
import { Rng } from '../src/train/rng.js';

const rng = new Rng(3);
const codes = Float32Array.from({ length: 50 * 4 }, () => rng.normal() * 3);
const fingerprint = new Uint8Array(16).fill(7);

for (const bits of [8, 16] as const) {
  test(`${bits}-bit codes decode within half a quantization step of each dimension's range`, () => {
    const file = packCodes(codes, 4, [28, 28, 1], bits, fingerprint);
    assert.equal(file.length, 30 + 4 * 3 + 8 * 4 + 50 * 4 * (bits / 8));
    const back = unpackCodes(file, fingerprint);
    assert.deepEqual([back.count, back.latentDim, back.bits], [50, 4, bits]);
    assert.deepEqual(back.shape, [28, 28, 1]);
    for (let d = 0; d < 4; d++) {
      const column = Array.from({ length: 50 }, (_, i) => codes[i * 4 + d]);
      const step = (Math.max(...column) - Math.min(...column)) / (2 ** bits - 1);
      for (let i = 0; i < 50; i++) assert.ok(Math.abs(back.codes[i * 4 + d] - codes[i * 4 + d]) <= step / 2 + 1e-5);
    }
  });
}

test('a file from another model, another format or a truncated file is refused', () => {
  const file = packCodes(codes, 4, [10], 8, fingerprint);
  assert.throws(() => unpackCodes(file, new Uint8Array(16).fill(8), 'x.lkz'), /x\.lkz: written by another model/);
  assert.throws(() => unpackCodes(new TextEncoder().encode('PK\u0003\u0004 not ours at all, no'), fingerprint, 'x.zip'), /not a latentkit compressed file/);
  assert.throws(() => unpackCodes(file.subarray(0, file.length - 3), fingerprint), /truncated or corrupt/);
});

test('fingerprints differ between models and repeat for the same weights; PSNR by its definition', () => {
  const a = createModel(defaultConfig('ae', [6], { latentDim: 2, seed: 1 }));
  const b = createModel(defaultConfig('ae', [6], { latentDim: 2, seed: 2 }));
  assert.deepEqual(modelFingerprint(a), modelFingerprint(a));
  assert.notDeepEqual(modelFingerprint(a), modelFingerprint(b));
  assert.ok(Math.abs(psnr([0, 1, 0.5, 0.5], [0.1, 0.9, 0.5, 0.5]) - 10 * Math.log10(1 / 0.005)) < 1e-9);
});
