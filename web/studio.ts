// The latentkit studio: load a run by URL (or train one here), explore its latent space on a map, decode any point,
// draw or paste an input to see its reconstruction, posterior and anomaly score, interpolate, sample the prior.
import {
  fetchRun, hasPrior, lerpCodes, LatentModel, selectBackend, setWasmPaths, slerpCodes,
  type AutoencoderModel, type DetectorState, type RunManifest,
} from '../src/browser.js';
import { fetchServedSample, isBundled, loadBundled, sampleOf, type Sample } from './data.js';
import { LatentMap } from './map.js';
import { TrainPanel, type Trained } from './train-panel.js';
import { $, drawErrors, drawExamples, isImage, LABEL_COLOURS } from './view.js';

/** How many examples the map shows. */
const MAP_POINTS = 1000;
/** The most latent dimensions that get a slider. */
const MAX_SLIDERS = 32;

const map = new LatentMap($<HTMLCanvasElement>('map'));

/** What the page holds now; also what the browser tests read (window.studio). */
const studio = {
  ready: false,
  backend: '',
  model: undefined as LatentModel | undefined,
  sample: undefined as Sample | undefined,
  points: 0,
  /** The last decoded code and its output (data units). */
  lastDecode: undefined as { z: number[]; outputs: number[] } | undefined,
  /** The last drawn or pasted input's reconstruction and score. */
  lastInput: undefined as { input: number[]; reconstruction: number[]; score: number; flagged?: boolean; mu?: number[] } | undefined,
  ends: [] as Float32Array[],
  train: undefined as TrainPanel | undefined,
  error: '',
};
(globalThis as unknown as { studio: typeof studio }).studio = studio;

function report(message: string, error = false): void {
  const status = $('status');
  status.textContent = message;
  status.style.color = error ? '#ff8a80' : '';
  if (error) studio.error = message;
}

/** The class a conditional model decodes (0 unless the user picks another in the decode panel). */
const decodeLabel = (): number | undefined => (studio.model?.model.classes ? Number(($('sliders').querySelector('#decode-class') as HTMLInputElement | null)?.value ?? 0) : undefined);

function decode(z: Float32Array): void {
  const lm = studio.model;
  if (!lm) return;
  const outputs = lm.decode(z, decodeLabel());
  studio.lastDecode = { z: Array.from(z), outputs: Array.from(outputs) };
  drawExamples($<HTMLCanvasElement>('decoded'), outputs, lm.model.inputShape);
}

function buildSliders(z: Float32Array): void {
  const box = $('sliders');
  box.replaceChildren();
  const lm = studio.model!;
  if (lm.model.classes) {
    box.insertAdjacentHTML('beforeend', `<span>class</span><input id="decode-class" type="number" min="0" max="${lm.model.classes - 1}" value="0"><span></span>`);
    box.querySelector('#decode-class')!.addEventListener('input', () => decode(current));
  }
  const current = Float32Array.from(z);
  for (let j = 0; j < Math.min(z.length, MAX_SLIDERS); j++) {
    const value = document.createElement('span');
    const slider = Object.assign(document.createElement('input'), { type: 'range', min: '-4', max: '4', step: '0.01', value: String(z[j]) });
    slider.setAttribute('aria-label', `z${j}`);
    value.textContent = z[j].toFixed(2);
    slider.addEventListener('input', () => {
      current[j] = Number(slider.value);
      value.textContent = current[j].toFixed(2);
      decode(current);
    });
    box.append(Object.assign(document.createElement('span'), { textContent: `z${j}` }), slider, value);
  }
}

async function showMap(): Promise<void> {
  const lm = studio.model;
  const sample = studio.sample;
  if (!lm || !sample) {
    $('map-count').textContent = 'no data to map: train in the page or serve the run with its data';
    return;
  }
  const wanted = $<HTMLSelectElement>('projection').value as 'pca' | 'umap';
  $('map-note').textContent = '(projecting…)';
  const codes = lm.encode(sample.rows, lm.model.classes ? sample.labels : undefined);
  const projection = await map.show(codes, lm.model.latentDim, sample.labels, wanted);
  studio.points = map.count;
  $('map').dataset.points = String(map.count);
  $('map-count').textContent = `${map.count} points of ${sample.source}`;
  $('map-note').textContent = projection === 'identity' ? `(z as it is, ${lm.model.latentDim}-D)` : `(${projection.toUpperCase()} of ${lm.model.latentDim}-D codes)`;
  const labels = new Set(sample.labels ?? []);
  $('legend').innerHTML = [...labels].sort((a, b) => a - b).slice(0, 10).map((l) => `<span><i style="background:${LABEL_COLOURS[l % 10]}"></i>${l}</span>`).join('');
}

async function useModel(model: AutoencoderModel, manifest: RunManifest, sample: Sample | undefined, detector?: DetectorState): Promise<void> {
  studio.model?.model.dispose();
  studio.model = new LatentModel(model, manifest, detector);
  studio.sample = sample;
  studio.ends = [];
  map.markers = [];
  const image = isImage(model.inputShape);
  $('draw-image').hidden = !image;
  $('draw-row').hidden = image;
  $<HTMLButtonElement>('sample').disabled = !hasPrior(model);
  $('ends').textContent = 'A: – · B: –';
  const z = new Float32Array(model.latentDim);
  buildSliders(z);
  decode(z);
  await showMap();
  report(`${manifest.config.kind} · ${model.latentDim}-D code · input [${model.inputShape}] · trained on ${manifest.data.source} · backend ${studio.backend}`);
}

/** The detector `latentkit serve` was started with, when the page is served by it. */
async function servedDetector(): Promise<DetectorState | undefined> {
  const response = await fetch('v1/model').catch(() => undefined);
  if (!response?.ok || !(response.headers.get('content-type') ?? '').includes('json')) return undefined;
  const info = await response.json() as { detector?: { score: DetectorState['score']; threshold: number } };
  return info.detector && { score: info.detector.score, threshold: { kind: 'fixed', value: info.detector.threshold }, value: info.detector.threshold, samples: 1000 };
}

async function loadRunFrom(url: string): Promise<void> {
  report(`loading ${url}…`);
  const { model, manifest } = await fetchRun(url);
  const source = manifest.data.source.replace(/:(train|test)$/, '');
  const served = await fetchServedSample(MAP_POINTS);
  const sample = served ?? (isBundled(source) ? sampleOf(await loadBundled(source, 'test'), MAP_POINTS) : undefined);
  await useModel(model, manifest, sample, await servedDetector());
}

/** Scores one input (data units): reconstruction, error map, posterior on the map, score against the threshold. */
function examine(input: Float32Array): void {
  const lm = studio.model;
  if (!lm) return;
  const labels = lm.model.classes ? Int32Array.of(decodeLabel() ?? 0) : undefined;
  const reconstruction = lm.reconstruct(input, labels);
  const errors = reconstruction.map((r, i) => (input[i] - r) ** 2);
  const result = lm.score(input, labels);
  const posterior = lm.posterior(input, labels);
  const z = posterior?.mu ?? lm.encode(input, labels);
  map.markers = [...map.markers.filter((m) => m.label !== 'x'), { z, sigma: posterior?.sigma, colour: '#000', label: 'x' }];
  map.draw();
  drawExamples($<HTMLCanvasElement>('recon'), reconstruction, lm.model.inputShape);
  drawErrors($<HTMLCanvasElement>('error-map'), errors, lm.model.inputShape);
  const score = result.scores[0];
  const flagged = result.flags ? result.flags[0] === 1 : undefined;
  $('score').innerHTML = `score (${result.score}) <b>${score.toFixed(4)}</b>` + (result.threshold === undefined
    ? ' · no saved detector (serve the run with --detector to flag)'
    : ` · threshold ${result.threshold.toFixed(4)} · <span class="${flagged ? 'flag' : 'ok'}">${flagged ? 'anomalous' : 'normal'}</span>`) +
    (posterior ? ` · μ = [${Array.from(posterior.mu.slice(0, 4), (v) => v.toFixed(2)).join(', ')}${posterior.mu.length > 4 ? ', …' : ''}]` : '');
  studio.lastInput = { input: Array.from(input), reconstruction: Array.from(reconstruction), score, flagged, mu: posterior && Array.from(posterior.mu) };
}

function setUpMap(): void {
  const canvas = $<HTMLCanvasElement>('map');
  let pending: MouseEvent | undefined;
  canvas.addEventListener('mousemove', (e) => {
    if (!studio.model || pending) return;
    pending = e;
    requestAnimationFrame(() => {
      if (pending) decode(map.codeAt(...map.at(pending)));
      pending = undefined;
    });
  });
  canvas.addEventListener('click', (e) => {
    if (!studio.model) return;
    const z = map.codeAt(...map.at(e));
    if (e.shiftKey) {
      studio.ends = studio.ends.length >= 2 ? [z] : [...studio.ends, z];
      const names = ['A', 'B'];
      map.markers = [...map.markers.filter((m) => m.label === 'x'), ...studio.ends.map((end, i) => ({ z: end, colour: '#b00020', label: names[i] }))];
      $('ends').textContent = `A: ${studio.ends[0] ? 'set' : '–'} · B: ${studio.ends[1] ? 'set' : '–'}`;
      $<HTMLButtonElement>('interpolate').disabled = studio.ends.length < 2;
      map.draw();
    }
    decode(z);
    buildSliders(z);
  });
  $('projection').addEventListener('change', () => void showMap().catch((err) => report(String(err), true)));
}

function setUpPad(): void {
  const pad = $<HTMLCanvasElement>('pad');
  const ctx = pad.getContext('2d', { willReadFrequently: true })!;
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, pad.width, pad.height);
  };
  clear();
  let down = false;
  const stroke = (e: PointerEvent) => {
    const rect = pad.getBoundingClientRect();
    ctx.fillStyle = '#fff';
    ctx.beginPath();
    ctx.arc(((e.clientX - rect.left) / rect.width) * pad.width, ((e.clientY - rect.top) / rect.height) * pad.height, pad.width / 16, 0, 2 * Math.PI);
    ctx.fill();
  };
  pad.addEventListener('pointerdown', (e) => {
    down = true;
    stroke(e);
  });
  pad.addEventListener('pointermove', (e) => down && stroke(e));
  const finish = () => {
    if (!down) return;
    down = false;
    const lm = studio.model;
    if (!lm) return;
    // Down-sample the pad to the model's image size (smoothing averages each block), grayscale in [0, 1].
    const [h, w, c] = lm.model.inputShape;
    const small = new OffscreenCanvas(w, h);
    const sctx = small.getContext('2d', { willReadFrequently: true })!;
    sctx.imageSmoothingQuality = 'high';
    sctx.drawImage(pad, 0, 0, w, h);
    const { data } = sctx.getImageData(0, 0, w, h);
    examine(Float32Array.from({ length: h * w * c }, (_, i) => data[4 * Math.floor(i / c)] / 255));
  };
  pad.addEventListener('pointerup', finish);
  pad.addEventListener('pointerleave', finish);
  $('clear-pad').addEventListener('click', clear);
  $('score-row').addEventListener('click', () => {
    const values = $<HTMLTextAreaElement>('row-input').value.split(/[,\s]+/).filter(Boolean).map(Number);
    const lm = studio.model;
    if (!lm) return;
    if (values.length !== lm.features || values.some((v) => !Number.isFinite(v))) {
      report(`a row holds ${lm.features} finite numbers; got ${values.length} values`, true);
      return;
    }
    examine(Float32Array.from(values));
  });
}

function setUpTools(): void {
  $('interpolate').addEventListener('click', () => {
    const lm = studio.model;
    if (!lm || studio.ends.length < 2) return;
    const steps = Math.max(2, Math.min(16, Number($<HTMLInputElement>('interp-steps').value) || 8));
    const path = $<HTMLSelectElement>('interp-path').value;
    const codes = path === 'spherical' ? slerpCodes(studio.ends[0], studio.ends[1], steps) : lerpCodes(studio.ends[0], studio.ends[1], steps);
    drawExamples($<HTMLCanvasElement>('interp'), lm.decode(codes, decodeLabel()), lm.model.inputShape, steps);
  });
  const temperature = $<HTMLInputElement>('temperature');
  temperature.addEventListener('input', () => ($('temperature-value').textContent = Number(temperature.value).toFixed(2)));
  let seed = 1;
  $('sample').addEventListener('click', () => {
    const lm = studio.model;
    if (!lm) return;
    const { outputs } = lm.sample(16, { temperature: Number(temperature.value), seed: seed++, label: decodeLabel() });
    drawExamples($<HTMLCanvasElement>('samples'), outputs, lm.model.inputShape, 4);
  });
}

async function main(): Promise<void> {
  setWasmPaths(new URL('./', location.href).href);
  const backend = await selectBackend();
  studio.backend = backend.name + (backend.fallbackReason ? ` (${backend.fallbackReason})` : '');
  setUpMap();
  setUpPad();
  setUpTools();
  studio.train = new TrainPanel(async (t: Trained) => useModel(t.model, t.manifest, sampleOf(t.mapData, MAP_POINTS)), report);
  $('load-form').addEventListener('submit', (e) => {
    e.preventDefault();
    loadRunFrom($<HTMLInputElement>('run-url').value).catch((err) => report(`cannot load the run: ${(err as Error).message}`, true));
  });
  const run = new URLSearchParams(location.search).get('run');
  if (run) {
    $<HTMLInputElement>('run-url').value = run;
    await loadRunFrom(run);
  } else {
    report(`backend ${studio.backend} · load a run by URL, or train one below`);
  }
  studio.ready = true;
}

main().catch((err) => {
  report(`error: ${(err as Error).message}`, true);
  studio.ready = true;
});
