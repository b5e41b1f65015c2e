// Pictures that explain themselves: rows of images with a label before each row, labels above the columns, a title,
// optional side images and a colour scale, composed as SVG and rasterised by resvg. Each row of images is one PNG
// strip (grid.ts) embedded in the SVG; text is DejaVu Sans (or the system's sans-serif).
import { Resvg } from '@resvg/resvg-js';
import { gridPng } from './grid.js';

export interface FigureRow {
  /** Text before the row (e.g. "input", "z3", "rank 1 · score 0.82"). */
  label?: string;
  /** The row's images, row-major, values in [0, 1]. */
  images: Float32Array;
  /** Per-image text under each image of this row (e.g. scores). */
  captions?: string[];
}

export interface Figure {
  title?: string;
  /** [height, width, channels] of one image. */
  shape: number[];
  rows: FigureRow[];
  /** Text above each column. */
  columnLabels?: string[];
  /** Text under the grid (an axis name, a note). */
  footer?: string;
  /** A colour bar beside the grid: the colours of `colours(t)` for t from 0 (bottom) to 1 (top), with end labels. */
  colourScale?: { low: string; high: string; title: string };
  /** Pixels per image pixel (default 2). */
  scale?: number;
}

const FONT = 'DejaVu Sans, sans-serif';
const TEXT = 12;
const GAP = 1;

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const text = (x: number, y: number, s: string, anchor = 'start', size = TEXT, weight = 'normal'): string =>
  `<text x="${x}" y="${y}" font-family="${FONT}" font-size="${size}" font-weight="${weight}" text-anchor="${anchor}" fill="#222">${escape(s)}</text>`;

/** Width of `s` in pixels at the font size, for laying out labels (DejaVu Sans averages ~0.6 em a character). */
const textWidth = (s: string, size = TEXT): number => Math.ceil(s.length * size * 0.62);

/** The heat colours of the error maps: black → red → yellow → white over t in [0, 1]. */
export function heat(t: number): [number, number, number] {
  const v = Math.min(1, Math.max(0, t));
  return [Math.min(1, 3 * v), Math.min(1, Math.max(0, 3 * v - 1)), Math.min(1, Math.max(0, 3 * v - 2))];
}

/** Grayscale values [n, h, w, 1] as RGB [n, h, w, 3] through `heat`. */
export function heatImages(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length * 3);
  values.forEach((v, i) => out.set(heat(v), i * 3));
  return out;
}

/** The figure as PNG bytes. */
export function figurePng(figure: Figure): Buffer {
  const [h, w] = figure.shape;
  const scale = figure.scale ?? 2;
  const tileW = w * scale + GAP;
  const tileH = h * scale + GAP;
  const columns = Math.max(...figure.rows.map((r) => r.images.length / (h * w * (figure.shape[2] ?? 1))));
  const captioned = figure.rows.some((r) => r.captions);
  const rowH = tileH + (captioned ? TEXT + 4 : 0);
  const labelW = Math.max(0, ...figure.rows.map((r) => (r.label ? textWidth(r.label) + 10 : 0)));
  const top = (figure.title ? TEXT + 14 : 4) + (figure.columnLabels ? TEXT + 6 : 0);
  const gridW = columns * tileW + GAP;
  const barW = figure.colourScale ? 70 : 0;
  const width = Math.max(labelW + gridW + barW + 8, figure.title ? textWidth(figure.title, TEXT + 1) + 16 : 0);
  const height = top + figure.rows.length * rowH + (figure.footer ? TEXT + 12 : 6);
  const parts: string[] = [`<rect width="${width}" height="${height}" fill="white"/>`];
  if (figure.title) parts.push(text(8, TEXT + 6, figure.title, 'start', TEXT + 1, 'bold'));
  figure.columnLabels?.forEach((label, c) => parts.push(text(labelW + GAP + c * tileW + tileW / 2, top - 6, label, 'middle')));
  figure.rows.forEach((row, r) => {
    const y = top + r * rowH;
    if (row.label) parts.push(text(labelW - 8, y + tileH / 2 + TEXT / 3, row.label, 'end'));
    const count = row.images.length / (h * w * (figure.shape[2] ?? 1));
    if (count > 0) {
      const strip = gridPng({ images: row.images, shape: figure.shape, columns: count, scale }).toString('base64');
      parts.push(`<image x="${labelW}" y="${y}" width="${count * tileW + GAP}" height="${tileH + GAP}" href="data:image/png;base64,${strip}"/>`);
    }
    row.captions?.forEach((caption, c) => parts.push(text(labelW + GAP + c * tileW + tileW / 2, y + tileH + TEXT + 1, caption, 'middle', TEXT - 2)));
  });
  if (figure.footer) parts.push(text(labelW + gridW / 2, height - 6, figure.footer, 'middle'));
  if (figure.colourScale) {
    const x = labelW + gridW + 14;
    const barH = Math.min(160, figure.rows.length * rowH - 20);
    const stops = Array.from({ length: 11 }, (_, i) => {
      const [cr, cg, cb] = heat(i / 10).map((v) => Math.round(255 * v));
      return `<stop offset="${i / 10}" stop-color="rgb(${cr},${cg},${cb})"/>`;
    });
    parts.push(`<defs><linearGradient id="scale" x1="0" y1="1" x2="0" y2="0">${stops.join('')}</linearGradient></defs>`);
    parts.push(`<rect x="${x}" y="${top + 12}" width="14" height="${barH}" fill="url(#scale)" stroke="#555"/>`);
    parts.push(text(x + 18, top + 12 + TEXT, figure.colourScale.high, 'start', TEXT - 2));
    parts.push(text(x + 18, top + 12 + barH, figure.colourScale.low, 'start', TEXT - 2));
    parts.push(text(x, top + 6, figure.colourScale.title, 'start', TEXT - 2));
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
  return new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}

/** Splits `count` items into pages of at most `perPage` (one page when they fit). */
export function pages(count: number, perPage: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let start = 0; start < count; start += perPage) out.push({ start, end: Math.min(count, start + perPage) });
  return out.length ? out : [{ start: 0, end: 0 }];
}
