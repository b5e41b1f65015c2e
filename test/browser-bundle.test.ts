// The browser entry bundles for the browser: no Node built-in and none of the Node-only modules reach the bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { builtinModules } from 'node:module';

const NODE_ONLY = /src\/(node|index)\.ts$|src\/backend\/native\/|src\/io\/(run-dir|layers-files|read-file|atomic|checkpoint-files)\.ts$|src\/data\/(embedded|load|idx|csv|png-folder|png-check|fingerprint)\.ts$|src\/viz\/(grid|plots|pictures)\.ts$|src\/cli\//;
const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

test('the browser entry bundles with --platform=browser and imports no Node module', async () => {
  const result = await build({
    entryPoints: ['src/browser.ts'], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true,
    outfile: 'browser.js', logLevel: 'silent',
  });
  assert.deepEqual(result.errors, []);
  const inputs = Object.entries(result.metafile.inputs);
  const ours = inputs.filter(([path]) => path.startsWith('src/'));
  assert.ok(ours.some(([path]) => path === 'src/models/vae.ts'), 'the models are in the bundle');
  assert.deepEqual(ours.map(([path]) => path).filter((path) => NODE_ONLY.test(path)), [], 'Node-only modules in the browser bundle');
  const builtinImports = ours.flatMap(([path, input]) => input.imports.filter((i) => BUILTINS.has(i.path)).map((i) => `${path} → ${i.path}`));
  assert.deepEqual(builtinImports, []);
});

test('the same check catches a Node import: bundling the Node entry for the browser fails', async () => {
  await assert.rejects(
    build({ entryPoints: ['src/index.ts'], bundle: true, platform: 'browser', format: 'esm', write: false, outfile: 'x.js', logLevel: 'silent' }),
    (err: { errors?: { text: string }[] }) => (err.errors ?? []).some((e) => /"node:(fs|path|os|module)"/.test(e.text)),
  );
});
