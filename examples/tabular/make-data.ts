// Writes a synthetic tabular anomaly-detection set: examples/tabular/normal.csv (training rows, no anomalies) and
// examples/tabular/test.csv (rows with a 0/1 `anomaly` column). Run: node --import tsx examples/tabular/make-data.ts
//
// Generating process (seeded, so the files are the same every time): 8 sensor readings driven by two hidden factors,
//   load ~ U(0, 1), temperature ~ N(0, 1);
//   s0 = 2·load, s1 = load + 0.5·temperature, s2 = temperature, s3 = load·temperature, s4 = sin(3·load),
//   s5 = 1 − load, s6 = 0.3·temperature + 0.7·load, s7 = load², each plus N(0, 0.05²) noise.
// Anomalies (5 % of the test rows) break the relations in one of three ways, chosen uniformly:
//   a stuck sensor (one reading replaced by its training mean), a swapped pair (s0 ↔ s5), or a drift (+0.8 on s2, s6).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const rng = new Rng(2024);

function readings(): number[] {
  const load = rng.next();
  const temperature = rng.normal();
  const clean = [2 * load, load + 0.5 * temperature, temperature, load * temperature, Math.sin(3 * load), 1 - load, 0.3 * temperature + 0.7 * load, load * load];
  return clean.map((v) => v + 0.05 * rng.normal());
}

function broken(row: number[]): number[] {
  const out = [...row];
  const kind = Math.floor(rng.next() * 3);
  if (kind === 0) out[Math.floor(rng.next() * 8)] = [1, 0.5, 0, 0.25, 0.6, 0.5, 0.35, 0.33][Math.floor(rng.next() * 8)];
  else if (kind === 1) [out[0], out[5]] = [out[5], out[0]];
  else {
    out[2] += 0.8;
    out[6] += 0.8;
  }
  return out;
}

const header = Array.from({ length: 8 }, (_, j) => `s${j}`).join(',');
const fmt = (row: number[]) => row.map((v) => v.toFixed(5)).join(',');
mkdirSync(here, { recursive: true });
writeFileSync(join(here, 'normal.csv'), [header, ...Array.from({ length: 4000 }, () => fmt(readings()))].join('\n') + '\n');
const test = Array.from({ length: 2000 }, () => {
  const anomaly = rng.next() < 0.05;
  return `${fmt(anomaly ? broken(readings()) : readings())},${anomaly ? 1 : 0}`;
});
writeFileSync(join(here, 'test.csv'), [`${header},anomaly`, ...test].join('\n') + '\n');
console.log(`wrote ${join(here, 'normal.csv')} (4000 rows) and ${join(here, 'test.csv')} (2000 rows, about 5 % anomalies)`);
