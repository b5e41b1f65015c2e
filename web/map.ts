// The latent map: codes of a data sample projected to 2-D (as they are, by PCA or by UMAP), coloured by label, with
// the way back from a point on the map to a code to decode.
import { UMAP } from 'umap-js';
import { fitPca, pcaTransform, Rng, type Pca } from '../src/browser.js';
import { labelColour } from './view.js';

export type Projection = 'identity' | 'pca' | 'umap';

export interface MapMarker {
  /** The code of the marked point, and its posterior σ when known. */
  z: Float32Array;
  sigma?: Float32Array;
  colour: string;
  label: string;
}

export class LatentMap {
  projection: Projection = 'identity';
  private points: Float32Array = new Float32Array(0);
  private codes: Float32Array = new Float32Array(0);
  private labels?: Int32Array;
  private k = 2;
  private pca?: Pca;
  private umap?: UMAP;
  private bounds = { x0: -3, x1: 3, y0: -3, y1: 3 };
  markers: MapMarker[] = [];

  constructor(private readonly canvas: HTMLCanvasElement) {}

  /** How many points the map shows. */
  get count(): number {
    return this.points.length / 2;
  }

  /** Projects `codes` [n, k] (k = latentDim) with `wanted` (codes of 2 dimensions are shown as they are). */
  async show(codes: Float32Array, k: number, labels: Int32Array | undefined, wanted: 'pca' | 'umap'): Promise<Projection> {
    this.codes = codes;
    this.k = k;
    this.labels = labels;
    this.projection = k === 2 ? 'identity' : k === 1 ? 'identity' : wanted;
    const n = codes.length / k;
    if (this.projection === 'identity') {
      this.points = k === 2 ? Float32Array.from(codes) : Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? codes[i / 2] : 0));
    } else if (this.projection === 'pca') {
      this.pca = fitPca({ values: codes, dim: k, labels: labels ?? new Int32Array(n) }, 2);
      this.points = pcaTransform(this.pca, { values: codes, dim: k, labels: new Int32Array(n) }).values;
    } else {
      const rng = new Rng(7);
      this.umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, n - 1), minDist: 0.1, random: () => rng.next() });
      const rows = Array.from({ length: n }, (_, i) => Array.from(codes.subarray(i * k, (i + 1) * k)));
      this.points = Float32Array.from((await this.umap.fitAsync(rows)).flat());
    }
    this.fitBounds();
    this.draw();
    return this.projection;
  }

  private fitBounds(): void {
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < this.points.length; i += 2) {
      x0 = Math.min(x0, this.points[i]);
      x1 = Math.max(x1, this.points[i]);
      y0 = Math.min(y0, this.points[i + 1]);
      y1 = Math.max(y1, this.points[i + 1]);
    }
    if (!Number.isFinite(x0)) [x0, x1, y0, y1] = [-3, 3, -3, 3];
    const mx = (x1 - x0 || 1) * 0.06;
    const my = (y1 - y0 || 1) * 0.06;
    this.bounds = { x0: x0 - mx, x1: x1 + mx, y0: y0 - my, y1: y1 + my };
  }

  /** Map coordinates of a code. */
  project(z: Float32Array): [number, number] {
    if (this.projection === 'pca' && this.pca) {
      const p = pcaTransform(this.pca, { values: z, dim: this.k, labels: new Int32Array(1) }).values;
      return [p[0], p[1]];
    }
    if (this.projection === 'umap' && this.umap) {
      const [p] = this.umap.transform([Array.from(z)]);
      return [p[0], p[1]];
    }
    return [z[0], this.k > 1 ? z[1] : 0];
  }

  /**
   * The code at map coordinates (x, y): the coordinates themselves for 2-D codes; the PCA mean plus x, y along the
   * two components; UMAP has no inverse, so the code of the nearest sample point.
   */
  codeAt(x: number, y: number): Float32Array {
    const k = this.k;
    if (this.projection === 'pca' && this.pca) {
      const { mean, components } = this.pca;
      return Float32Array.from({ length: k }, (_, j) => mean[j] + x * components[j] + y * components[k + j]);
    }
    if (this.projection === 'umap') {
      let best = 0;
      let bestD = Infinity;
      for (let i = 0; i < this.count; i++) {
        const d = (this.points[2 * i] - x) ** 2 + (this.points[2 * i + 1] - y) ** 2;
        if (d < bestD) [best, bestD] = [i, d];
      }
      return this.codes.slice(best * k, (best + 1) * k);
    }
    return k === 2 ? Float32Array.of(x, y) : Float32Array.of(x);
  }

  /** Map coordinates under a mouse event. */
  at(event: MouseEvent): [number, number] {
    const rect = this.canvas.getBoundingClientRect();
    const px = ((event.clientX - rect.left) / rect.width) * this.canvas.width;
    const py = ((event.clientY - rect.top) / rect.height) * this.canvas.height;
    const { x0, x1, y0, y1 } = this.bounds;
    return [x0 + (px / this.canvas.width) * (x1 - x0), y1 - (py / this.canvas.height) * (y1 - y0)];
  }

  /** Canvas pixel of map coordinates (for tests and markers). */
  pixel(x: number, y: number): [number, number] {
    const { x0, x1, y0, y1 } = this.bounds;
    return [((x - x0) / (x1 - x0)) * this.canvas.width, ((y1 - y) / (y1 - y0)) * this.canvas.height];
  }

  draw(): void {
    const ctx = this.canvas.getContext('2d')!;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.globalAlpha = 0.7;
    for (let i = 0; i < this.count; i++) {
      const [px, py] = this.pixel(this.points[2 * i], this.points[2 * i + 1]);
      ctx.fillStyle = labelColour(this.labels?.[i]);
      ctx.fillRect(px - 2, py - 2, 4, 4);
    }
    ctx.globalAlpha = 1;
    for (const m of this.markers) this.drawMarker(ctx, m);
  }

  private drawMarker(ctx: CanvasRenderingContext2D, m: MapMarker): void {
    const [x, y] = this.project(m.z);
    const [px, py] = this.pixel(x, y);
    ctx.strokeStyle = m.colour;
    ctx.fillStyle = m.colour;
    ctx.lineWidth = 2;
    if (m.sigma) {
      // ±σ along the map's axes: σ itself for codes shown as they are, σ carried through the projection for PCA.
      const [sx, sy] = this.spread(m.sigma);
      const [rx, ry] = [(sx / (this.bounds.x1 - this.bounds.x0)) * this.canvas.width, (sy / (this.bounds.y1 - this.bounds.y0)) * this.canvas.height];
      ctx.beginPath();
      ctx.ellipse(px, py, Math.max(2, rx), Math.max(2, ry), 0, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.beginPath();
    ctx.arc(px, py, 5, 0, 2 * Math.PI);
    ctx.fill();
    ctx.font = 'bold 12px system-ui';
    ctx.fillText(m.label, px + 7, py - 7);
    ctx.lineWidth = 1;
  }

  /** The posterior's σ along the map's two axes. */
  private spread(sigma: Float32Array): [number, number] {
    if (this.projection === 'pca' && this.pca) {
      const k = this.k;
      const c = this.pca.components;
      let [sx, sy] = [0, 0];
      for (let j = 0; j < k; j++) {
        sx += (sigma[j] * c[j]) ** 2;
        sy += (sigma[j] * c[k + j]) ** 2;
      }
      return [Math.sqrt(sx), Math.sqrt(sy)];
    }
    if (this.projection === 'umap') return [0, 0];
    return [sigma[0], sigma[1] ?? 0];
  }
}
