// The fast CSV reader against the general one (csv-parse) on the same files: equal values, scaling, labels and errors;
// and its number reading against Math.fround(Number(text)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadCsv } from '../src/data/csv.js';
import { plainNumber, parseCsv } from '../src/data/csv-scan.js';
import type { CsvOptions } from '../src/data/csv-table.js';
import { tempDir } from './helpers.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const viaFast = (s: string) => plainNumber(bytes(s), 0, bytes(s).length);

test('plain numbers read as Math.fround(Number(text)): exponents, signs, many digits, edges of float32', () => {
  const cases = ['0', '-0', '+0.0', '1', '-1.5', '.5', '5.', '1e5', '1E-5', '1e+05', '3.4028235e38', '3.4028236e38', '1e39', '-1e39',
    '1.17549435e-38', '1e-45', '1e-46', '123456789012345678901234567890', '0.1234567890123456789', '0.000000000000000000000001234',
    '16777217', '16777216.5', '0.30000000000000004', '2.5e-3', '9007199254740993', '1.00000005960464477539062501'];
  for (const c of cases) assert.ok(Object.is(viaFast(c), Math.fround(Number(c))), `${c}: ${viaFast(c)} vs ${Math.fround(Number(c))}`);
  for (const c of ['', '-', '.', 'e5', '1e', '1e+', '1.2.3', '--1', '1-', '0x10', 'Infinity', 'NaN', '1 2']) assert.ok(Number.isNaN(viaFast(c)), c);
  // Random decimals in every format a writer might use: the same float32 as Number() gives.
  fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 21 }), (x, p) => {
    for (const text of [String(x), x.toPrecision(p), x.toExponential(Math.min(p, 20)), x.toFixed(Math.min(p, 20))]) {
      if (!Object.is(viaFast(text), Math.fround(Number(text)))) return false;
    }
    return true;
  }), { numRuns: 20_000 });
  // Values next to float32 rounding boundaries (midpoints between neighbours), where a careless reader rounds twice.
  fc.assert(fc.property(fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e30), max: Math.fround(1e30) }), fc.integer({ min: -3, max: 3 }), (f, nudge) => {
    const next = Math.fround(f * (1 + 2 ** -23)) || 2 ** -149;
    const mid = (f + next) / 2 + nudge * Math.abs(f) * 2 ** -60;
    const text = mid.toPrecision(20);
    return Object.is(viaFast(text), Math.fround(Number(text)));
  }), { numRuns: 20_000 });
});

/** Files that exercise the fast path, its give-ups and the errors, with the options to read them with. */
const FILES: [string, string, CsvOptions?][] = [
  ['plain', 'a,b,c\n1,2,3\n4.5,-6e-3,7\n'],
  ['no header', '1,2,3\n4,5,6\n'],
  ['CRLF and a blank trailing line', 'a,b\r\n1,2\r\n3,4\r\n\r\n'],
  ['BOM', '\ufeffa,b\n1,2\n'],
  ['quoted numbers and header', '"a","b"\n"1.5", "2"\n" 3 ",4\n'],
  ['spaces and tabs', 'a , b\n 1 ,\t2\n3,4 \n'],
  ['exponents and negative zero', 'x,y\n-0,1e-7\n-0.0,2.5E+3\n'],
  ['label column', 'x,y,label\n0.1,0.2,3\n0.3,0.4,7\n', { labelColumn: 'label' }],
  ['zscore', 'x,y\n1,10\n2,20\n4,40\n', { scale: 'zscore' }],
  ['long rows', `${Array.from({ length: 3000 }, (_, j) => `c${j}`).join(',')}\n${Array.from({ length: 3000 }, (_, j) => (j * 0.37).toFixed(3)).join(',')}\n`],
  ['many digits', 'a\n0.12345678901234567890123\n98765432109876543210\n'],
  ['hex (general path)', 'a,b\n0x10,1\n2,3\n'],
  ['escaped quote (general path)', 'a,b\n"1",2\n"3""",4\n'],
  ['NaN', 'a,b\n1,2\n3,NaN\n'],
  ['Infinity', 'a,b\n1,-Infinity\n'],
  ['text in a cell', 'a,b\n1,2\n3,four\n'],
  ['empty cell', 'a,b\n1,\n'],
  ['ragged', 'a,b\n1,2\n3\n'],
  ['trailing comma', 'a,b\n1,2,\n'],
  ['blank lines between', 'a,b\n\n1,2\n\n\n3,4\n'],
  ['non-integer label', 'x,label\n1,2.5\n', { labelColumn: 'label' }],
  ['float32 overflow', 'a\n1e39\n'],
  ['header only', 'a,b\n'],
  ['empty', ''],
];

for (const [name, text, options] of FILES) {
  test(`fast and general CSV readers agree: ${name}`, async () => {
    const path = join(tempDir(), `${name.replace(/\W+/g, '-')}.csv`);
    writeFileSync(path, text);
    const outcome = async (general: boolean) => {
      try {
        const d = await loadCsv(path, options, general);
        return { values: Array.from(d.values), shape: d.shape, labels: d.labels && Array.from(d.labels), scaling: d.scaling };
      } catch (err) {
        return { error: (err as Error).message };
      }
    };
    const fast = await outcome(false);
    const general = await outcome(true);
    assert.deepEqual(fast, general);
    const fromText = (() => {
      try {
        const d = parseCsv(text, path, options);
        return { values: Array.from(d.values), shape: d.shape, labels: d.labels && Array.from(d.labels), scaling: d.scaling };
      } catch (err) {
        return { error: (err as Error).message };
      }
    })();
    assert.deepEqual(fromText, general);
  });
}

test('the errors name the line (counting blank lines) and the column', async () => {
  const path = join(tempDir(), 'bad.csv');
  writeFileSync(path, 'a,b\r\n1,2\r\n\r\n3,NaN\r\n');
  await assert.rejects(loadCsv(path), /bad\.csv: line 4, column 2 \(b\): 'NaN' is not a finite number/);
  writeFileSync(path, 'a,b\n1,2\n3,+Infinity\n');
  await assert.rejects(loadCsv(path), /line 3, column 2 \(b\): '\+Infinity' is not a finite number/);
});

test('a file larger than one read chunk, with a line across the chunk boundary, reads whole', async () => {
  const path = join(tempDir(), 'big.csv');
  const rows = 200_000;
  const lines = ['x,y,z'];
  for (let i = 0; i < rows; i++) lines.push(`${i},${(i * 0.001).toFixed(3)},${-i * 7}`);
  writeFileSync(path, lines.join('\n'));
  let progress = 0;
  const d = await loadCsv(path, { scale: 'none', onProgress: ({ bytes }) => (progress = bytes) });
  assert.equal(d.size, rows);
  assert.equal(progress, lines.join('\n').length);
  assert.equal(d.values[3 * (rows - 1)], rows - 1);
  assert.equal(d.values[3 * 123456 + 1], Math.fround(123.456));
  assert.equal(d.values[3 * 123456 + 2], -123456 * 7);
});
