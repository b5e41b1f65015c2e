// The studio page in real Chromium, served by `latentkit serve`: the map, decoding a clicked point, drawing a digit,
// and training in the page — each checked against the server's API or against Node on the downloaded run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { ChildProcess } from 'node:child_process';
import { assertClose, cli, cliProcess, tempDir } from './helpers.js';
import { launchChromium } from './browser.js';
import { loadRun } from '../src/io/run-dir.js';
import { LatentModel } from '../src/tasks/latent-model.js';

const THRESHOLD = 120;
let server: ChildProcess;
let url: string;
let browser: BrowserContext;
const shots = tempDir('latentkit-studio-');

type Studio = {
  ready: boolean; error: string; points: number; backend: string;
  lastDecode?: { z: number[]; outputs: number[] };
  lastInput?: { input: number[]; reconstruction: number[]; score: number; flagged?: boolean };
};

before(async () => {
  const run = join(tempDir(), 'run');
  const trained = cli('train', '--model', 'vae', '--data', 'mnist', '--latent', '8', '--epochs', '2', '--limit', '2000', '--out', run);
  assert.equal(trained.code, 0, trained.stderr);
  writeFileSync(join(run, 'detector.json'), JSON.stringify({ score: 'elbo', threshold: { kind: 'fixed', value: THRESHOLD }, value: THRESHOLD, samples: 1000 }));
  server = cliProcess('serve', run, '--port', '0', '--json');
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]).url);
    });
    server.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill();
});

const api = async (path: string, body: unknown) => (await fetch(`${url}${path}`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(20_000),
})).json();

async function open(path: string): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(120_000);
  await page.goto(`${url}${path}`);
  await page.waitForFunction(() => (globalThis as unknown as { studio?: Studio }).studio?.ready);
  return page;
}
/** Pixels of canvas #id whose channel `channel` (0 red … 3 alpha) is above `above`. */
const countPixels = (page: Page, id: string, channel: number, above: number) => page.evaluate(([id, channel, above]) => {
  const canvas = document.getElementById(id) as HTMLCanvasElement;
  const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
  let n = 0;
  for (let i = channel; i < data.length; i += 4) if (data[i] > above) n++;
  return n;
}, [id, channel, above] as const);

const studioState = (page: Page) => page.evaluate(() => {
  const { ready, error, points, backend, lastDecode, lastInput } = (globalThis as unknown as { studio: Studio }).studio;
  return { ready, error, points, backend, lastDecode, lastInput };
});

test('a served run: the map draws the sample, a click decodes what /v1/decode gives, a drawn digit is scored', async () => {
  const page = await open('/?run=/run/');
  let state = await studioState(page);
  assert.equal(state.error, '');
  const data = await (await fetch(`${url}/v1/data?limit=1000`)).json();
  assert.equal(state.points, data.inputs.length);
  // Points are drawn: many pixels of the map are no longer blank.
  const inked = await countPixels(page, 'map', 3, 0);
  assert.ok(inked > 1000 * 4, `${inked} inked pixels`);

  const map = (await page.locator('#map').boundingBox())!;
  await page.mouse.click(map.x + map.width * 0.35, map.y + map.height * 0.55);
  state = await studioState(page);
  const decoded = await api('/v1/decode', { codes: [state.lastDecode!.z] });
  assertClose(state.lastDecode!.outputs, decoded.outputs[0], 1e-4, 1e-4, 'decoded pixel');

  const pad = (await page.locator('#pad').boundingBox())!;
  await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height * 0.15);
  await page.mouse.down();
  for (let t = 0.15; t <= 0.85; t += 0.05) await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height * t);
  await page.mouse.up();
  state = await studioState(page);
  const input = state.lastInput!;
  assert.ok(input.input.filter((v) => v > 0.5).length > 20, 'the stroke reached the input');
  const scored = await api('/v1/score', { inputs: [input.input] });
  assert.equal(scored.score, 'elbo');
  assertClose([input.score], scored.scores, 1e-3, 1e-3, 'score');
  assert.equal(input.flagged, scored.scores[0] > THRESHOLD);
  const recon = await api('/v1/reconstruct', { inputs: [input.input] });
  assertClose(input.reconstruction, recon.outputs[0], 1e-4, 1e-4, 'reconstructed pixel');
  assert.match(await page.locator('#score').textContent() ?? '', /threshold 120\.0000 · (anomalous|normal)/);
  await page.click('#sample');
  await page.screenshot({ path: join(shots, 'served.png'), fullPage: true });

  // UMAP instead of PCA for the 8-D codes, then a spherical interpolation between two shift-clicked points.
  await page.selectOption('#projection', 'umap');
  await page.waitForFunction(() => /UMAP/.test(document.getElementById('map-note')!.textContent ?? ''));
  assert.equal((await studioState(page)).points, data.inputs.length);
  await page.keyboard.down('Shift');
  await page.mouse.click(map.x + map.width * 0.3, map.y + map.height * 0.3);
  await page.mouse.click(map.x + map.width * 0.7, map.y + map.height * 0.6);
  await page.keyboard.up('Shift');
  await page.selectOption('#interp-path', 'spherical');
  await page.click('#interpolate');
  const strip = await countPixels(page, 'interp', 0, 128);
  assert.ok(strip > 500, `${strip} bright pixels in the interpolation strip`);
  await page.close();
});

test('training in the page lowers the loss, and the downloaded run gives the same outputs in Node', async () => {
  const page = await open('/');
  await page.selectOption('#train-data', 'mnist');
  await page.selectOption('#train-kind', 'vae');
  await page.fill('#train-latent', '2');
  await page.fill('#train-epochs', '1');
  await page.fill('#train-batch', '50');
  await page.click('#train');
  await page.waitForFunction(() => !(document.getElementById('download') as HTMLButtonElement).disabled, null, { timeout: 180_000 });
  const { losses, error } = await page.evaluate(() => {
    const s = (globalThis as unknown as { studio: Studio & { train: { losses: { total: number[] } } } }).studio;
    return { losses: s.train.losses.total, error: s.error };
  });
  assert.equal(error, '');
  assert.equal(losses.length, 40, '2,000 images in batches of 50');
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(losses.slice(-5)) < 0.8 * mean(losses.slice(0, 5)), `loss ${mean(losses.slice(0, 5))} → ${mean(losses.slice(-5))}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const zip = join(tempDir(), 'page-run.zip');
  await download.saveAs(zip);
  const inPage = await page.evaluate(() => {
    const s = (globalThis as unknown as { studio: { sample: { rows: Float32Array }; model: { reconstruct(r: Float32Array): Float32Array; encode(r: Float32Array): Float32Array } } }).studio;
    const rows = s.sample.rows.slice(0, 5 * 784);
    return { rows: Array.from(rows), reconstruction: Array.from(s.model.reconstruct(rows)), codes: Array.from(s.model.encode(rows)) };
  });
  const { model, manifest } = await loadRun(zip);
  const node = new LatentModel(model, manifest);
  const rows = Float32Array.from(inPage.rows);
  assert.equal(manifest.config.kind, 'vae');
  assertClose(inPage.codes, node.encode(rows), 1e-4, 1e-4, 'code');
  assertClose(inPage.reconstruction, node.reconstruct(rows), 1e-4, 1e-4, 'reconstructed pixel');
  const evaluated = cli('eval', zip, '--data', 'mnist', '--limit', '200', '--json');
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.ok(JSON.parse(evaluated.stdout).total > 0);
  await page.screenshot({ path: join(shots, 'trained.png'), fullPage: true });
  await page.close();
});
