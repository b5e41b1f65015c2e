// The structural similarity index (Wang, Bovik, Sheikh & Simoncelli 2004) between images, as an anomaly score's
// reconstruction error (Bergmann et al. 2019, "Improving unsupervised defect segmentation by applying structural
// similarity to autoencoders"): local means, variances and covariance under an 11×11 Gaussian window (σ = 1.5), with
// C1 = (0.01·L)² and C2 = (0.03·L)² for data range L = 1, as scikit-image's `structural_similarity(…,
// gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1)` computes it.

export interface SsimOptions {
  /** Side of the window (odd; default 11, or the image's smaller side when less, made odd). */
  window?: number;
  /** σ of the Gaussian window (default 1.5); 0 gives a uniform window. */
  sigma?: number;
}

const K1 = 0.01;
const K2 = 0.03;

/** The normalised window weights, side × side. */
function weights(side: number, sigma: number): Float64Array {
  const w = new Float64Array(side * side);
  const r = (side - 1) / 2;
  let total = 0;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const v = sigma > 0 ? Math.exp(-((x - r) ** 2 + (y - r) ** 2) / (2 * sigma * sigma)) : 1;
      w[y * side + x] = v;
      total += v;
    }
  }
  return w.map((v) => v / total);
}

/**
 * The SSIM map of two images (row-major h × w × c, values in [0, 1]) over the positions where the window fits
 * ((h − s + 1) × (w − s + 1) × c, channel-last), one value per window position and channel.
 */
export function ssimMap(a: ArrayLike<number>, b: ArrayLike<number>, h: number, w: number, c: number, options: SsimOptions = {}): { map: Float64Array; height: number; width: number } {
  let side = options.window ?? 11;
  side = Math.min(side, h, w);
  if (side % 2 === 0) side -= 1;
  const k = weights(side, options.sigma ?? 1.5);
  const c1 = K1 * K1;
  const c2 = K2 * K2;
  const height = h - side + 1;
  const width = w - side + 1;
  const map = new Float64Array(height * width * c);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < c; ch++) {
        let ma = 0;
        let mb = 0;
        let aa = 0;
        let bb = 0;
        let ab = 0;
        for (let dy = 0; dy < side; dy++) {
          for (let dx = 0; dx < side; dx++) {
            const wt = k[dy * side + dx];
            const i = ((y + dy) * w + x + dx) * c + ch;
            const va = a[i];
            const vb = b[i];
            ma += wt * va;
            mb += wt * vb;
            aa += wt * va * va;
            bb += wt * vb * vb;
            ab += wt * va * vb;
          }
        }
        const va = aa - ma * ma;
        const vb = bb - mb * mb;
        const cov = ab - ma * mb;
        map[(y * width + x) * c + ch] = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      }
    }
  }
  return { map, height, width };
}

/** Mean SSIM of two images. */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, h: number, w: number, c: number, options: SsimOptions = {}): number {
  const { map } = ssimMap(a, b, h, w, c, options);
  let sum = 0;
  for (const v of map) sum += v;
  return sum / map.length;
}

/**
 * 1 − SSIM at every pixel (h × w × c): the dissimilarity of the window centred there, where the window fits; pixels
 * nearer the border than half a window take the value of the nearest position where it fits. The per-pixel defect
 * map of Bergmann et al. (2019).
 */
export function ssimDissimilarity(a: ArrayLike<number>, b: ArrayLike<number>, h: number, w: number, c: number, options: SsimOptions = {}): Float32Array {
  const { map, height, width } = ssimMap(a, b, h, w, c, options);
  const r = (h - height) / 2;
  const out = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) {
    const my = Math.min(Math.max(y - r, 0), height - 1);
    for (let x = 0; x < w; x++) {
      const mx = Math.min(Math.max(x - (w - width) / 2, 0), width - 1);
      for (let ch = 0; ch < c; ch++) out[(y * w + x) * c + ch] = 1 - map[(my * width + mx) * c + ch];
    }
  }
  return out;
}
