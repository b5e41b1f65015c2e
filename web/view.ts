// Drawing examples on canvases: images (grayscale or RGB, values in [0, 1]) as pixels, table rows as bars.

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
};

/** Ten distinguishable label colours (Tableau 10). */
export const LABEL_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
export const labelColour = (label: number | undefined): string => (label === undefined || label < 0 ? '#555' : LABEL_COLOURS[label % 10]);

/** Whether examples of `shape` are drawn as images ([h, w, 1] or [h, w, 3]). */
export const isImage = (shape: number[]): boolean => shape.length === 3 && (shape[2] === 1 || shape[2] === 3);

const clamp255 = (v: number): number => Math.max(0, Math.min(255, Math.round(v * 255)));

/**
 * Draws `rows` (row-major, one example of `shape` each) into `canvas` as a grid of `columns`: images as pixels,
 * other rows as bars scaled to [lo, hi].
 */
export function drawExamples(canvas: HTMLCanvasElement, rows: ArrayLike<number>, shape: number[], columns = 1, range?: [number, number]): void {
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const d = shape.reduce((a, b) => a * b, 1);
  const n = Math.floor(rows.length / d);
  if (n === 0) return;
  const gridRows = Math.ceil(n / columns);
  const cellW = canvas.width / columns;
  const cellH = canvas.height / gridRows;
  for (let i = 0; i < n; i++) {
    const x0 = (i % columns) * cellW;
    const y0 = Math.floor(i / columns) * cellH;
    const row = Array.from({ length: d }, (_, j) => rows[i * d + j]);
    if (isImage(shape)) drawImage(ctx, row, shape, x0, y0, cellW, cellH);
    else drawBars(ctx, row, x0, y0, cellW, cellH, range);
  }
}

function drawImage(ctx: CanvasRenderingContext2D, row: number[], shape: number[], x0: number, y0: number, w: number, h: number): void {
  const [height, width, channels] = shape;
  const image = new ImageData(width, height);
  for (let p = 0; p < width * height; p++) {
    const rgb = channels === 3 ? [row[p * 3], row[p * 3 + 1], row[p * 3 + 2]] : [row[p], row[p], row[p]];
    image.data.set([...rgb.map(clamp255), 255], p * 4);
  }
  const tile = new OffscreenCanvas(width, height);
  tile.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, x0, y0, w, h);
}

function drawBars(ctx: CanvasRenderingContext2D, row: number[], x0: number, y0: number, w: number, h: number, range?: [number, number]): void {
  const lo = range?.[0] ?? Math.min(0, ...row);
  const hi = range?.[1] ?? Math.max(1e-9, ...row);
  const zero = y0 + h * (hi / (hi - lo || 1));
  const bw = w / row.length;
  ctx.fillStyle = '#4e79a7';
  row.forEach((v, j) => {
    const y = y0 + h * ((hi - v) / (hi - lo || 1));
    ctx.fillRect(x0 + j * bw + 1, Math.min(y, zero), Math.max(1, bw - 2), Math.abs(zero - y));
  });
}

/** Per-feature squared errors as a heat map (white → red), scaled to the largest. */
export function drawErrors(canvas: HTMLCanvasElement, errors: ArrayLike<number>, shape: number[]): void {
  const max = Math.max(1e-12, ...Array.from(errors));
  const d = errors.length;
  if (!isImage(shape)) return drawExamples(canvas, errors, [d], 1, [0, max]);
  const [h, w] = shape;
  const channels = shape[2];
  const ctx = canvas.getContext('2d')!;
  const image = new ImageData(w, h);
  for (let p = 0; p < w * h; p++) {
    let e = 0;
    for (let c = 0; c < channels; c++) e += errors[p * channels + c] / channels;
    const t = Math.sqrt(e / max);
    image.data.set([255, clamp255(1 - t), clamp255(1 - t), 255], p * 4);
  }
  const tile = new OffscreenCanvas(w, h);
  tile.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(tile, 0, 0, canvas.width, canvas.height);
}

/** A line chart of series (same length) into `canvas`, with a legend. */
export function drawCurves(canvas: HTMLCanvasElement, series: { name: string; values: number[]; colour: string }[]): void {
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  if (all.length === 0) return;
  const lo = Math.min(0, ...all);
  const hi = Math.max(...all) || 1;
  const n = Math.max(...series.map((s) => s.values.length));
  const pad = 30;
  ctx.strokeStyle = '#ccc';
  ctx.strokeRect(pad, 5, canvas.width - pad - 5, canvas.height - 25);
  ctx.fillStyle = '#555';
  ctx.font = '11px system-ui';
  ctx.fillText(hi.toPrecision(3), 0, 14);
  ctx.fillText(lo.toPrecision(2), 0, canvas.height - 22);
  ctx.fillText(`${n} batches`, canvas.width - 70, canvas.height - 5);
  series.forEach((s, k) => {
    ctx.strokeStyle = s.colour;
    ctx.beginPath();
    s.values.forEach((v, i) => {
      const x = pad + ((canvas.width - pad - 5) * i) / Math.max(1, n - 1);
      const y = 5 + (canvas.height - 25) * (1 - (v - lo) / (hi - lo));
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = s.colour;
    ctx.fillText(s.name, pad + 8 + k * 110, canvas.height - 5);
  });
}
