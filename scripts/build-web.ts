// `npm run build:web`: the studio page as a static folder (dist/web/) that `latentkit serve` hosts and any static host
// can: the bundled page, tfjs's wasm binaries, and samples of MNIST and Fashion-MNIST to train on in the page.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEmbedded, EMBEDDED_NAMES } from '../src/data/embedded.js';
import { featureCount, head } from '../src/data/dataset.js';
import { writeDirAtomic } from '../src/io/atomic.js';

/** Examples of each embedded set in the static build: enough to train a first model and draw a map. */
const SAMPLE = { train: 2000, test: 1000 };
const OUT = 'dist/web';

await writeDirAtomic(OUT, async (tmp) => {
  await build({
    entryPoints: ['web/studio.ts'], bundle: true, platform: 'browser', format: 'esm', target: 'es2022',
    minify: true, outfile: join(tmp, 'studio.js'), logLevel: 'warning',
  });
  for (const file of ['index.html', 'studio.css']) copyFileSync(join('web', file), join(tmp, file));
  for (const wasm of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    copyFileSync(join('node_modules/@tensorflow/tfjs-backend-wasm/dist', wasm), join(tmp, wasm));
  }
  mkdirSync(join(tmp, 'data'));
  const index: Record<string, Record<string, number> & { shape: number[] }> = {};
  for (const name of EMBEDDED_NAMES) {
    const splits = await loadEmbedded(name);
    index[name] = { shape: splits.train.shape } as Record<string, number> & { shape: number[] };
    for (const split of ['train', 'test'] as const) {
      // Pixels (uint8, row-major) then one label byte per image.
      const data = head(splits[split], SAMPLE[split]);
      const d = featureCount(data.shape);
      const bytes = new Uint8Array(data.size * (d + 1));
      bytes.set(data.values as Uint8Array, 0);
      bytes.set(Uint8Array.from(data.labels!), data.size * d);
      writeFileSync(join(tmp, 'data', `${name}-${split}.bin`), bytes);
      index[name][split] = data.size;
    }
  }
  writeFileSync(join(tmp, 'data', 'index.json'), JSON.stringify(index));
});
console.log(`studio built into ${OUT}/`);
