// Line plots as PNG (Node): a Vega-Lite spec rendered to SVG by Vega, rasterised by resvg.
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import type { CurvePoint } from '../tasks/metrics.js';

export interface CurvePlot {
  title: string;
  xTitle: string;
  yTitle: string;
  points: CurvePoint[];
  /** Draw the chance diagonal (ROC plots). */
  diagonal?: boolean;
  /** A point to mark on the curve (the operating point of the chosen threshold), with its label. */
  marker?: { x: number; y: number; label: string };
  /** A dashed horizontal line with its label (a PR curve's baseline: the share of positives). */
  baseline?: { y: number; label: string };
}

/** A square plot of one curve on [0, 1] × [0, 1], as PNG bytes. */
export async function curvePng(plot: CurvePlot): Promise<Buffer> {
  const scale = { domain: [0, 1] };
  const line = {
    data: { values: plot.points.map((p, order) => ({ ...p, order })) },
    mark: { type: 'line', interpolate: 'linear', strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: plot.xTitle, scale },
      y: { field: 'y', type: 'quantitative', title: plot.yTitle, scale },
      order: { field: 'order', type: 'quantitative' },
    },
  };
  const diagonal = {
    data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
    mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
    encoding: { x: { field: 'x', type: 'quantitative', scale }, y: { field: 'y', type: 'quantitative', scale } },
  };
  const xy = { x: { field: 'x', type: 'quantitative', scale }, y: { field: 'y', type: 'quantitative', scale } };
  const layers: object[] = [...(plot.diagonal ? [diagonal] : []), line];
  if (plot.baseline) {
    const values = [{ x: 0, y: plot.baseline.y, label: plot.baseline.label }, { x: 1, y: plot.baseline.y, label: plot.baseline.label }];
    layers.push({ data: { values }, mark: { type: 'line', strokeDash: [4, 4], color: '#999' }, encoding: xy });
    layers.push({ data: { values: [values[1]] }, mark: { type: 'text', align: 'right', dy: -7, color: '#555' }, encoding: { ...xy, text: { field: 'label' } } });
  }
  if (plot.marker) {
    const values = [plot.marker];
    layers.push({ data: { values }, mark: { type: 'point', filled: true, size: 90, color: '#d62728' }, encoding: xy });
    layers.push({ data: { values }, mark: { type: 'text', align: 'left', dx: 8, dy: 12, color: '#d62728' }, encoding: { ...xy, text: { field: 'label' } } });
  }
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: plot.title, width: 360, height: 360, background: 'white', layer: layers,
  } as unknown as vl.TopLevelSpec;
  return render(spec);
}

/** A scatter of 2-D points coloured by label, as PNG bytes. */
export async function scatterPng(title: string, points: { x: number; y: number; label: number }[], xTitle = 'z0', yTitle = 'z1'): Promise<Buffer> {
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title, width: 420, height: 420, background: 'white',
    data: { values: points },
    mark: { type: 'circle', size: 12, opacity: 0.7 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle },
      y: { field: 'y', type: 'quantitative', title: yTitle },
      color: { field: 'label', type: 'nominal', title: 'label', scale: { scheme: 'category10' } },
    },
  } as unknown as vl.TopLevelSpec;
  return render(spec);
}

async function render(spec: vl.TopLevelSpec): Promise<Buffer> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 } }).render().asPng();
}
