// The features of DAGMM's density (Zong et al., ICLR 2018, "Deep autoencoding Gaussian mixture model for unsupervised
// anomaly detection", eq. 2–4): the code z_c beside two reconstruction features, the relative Euclidean distance
// ‖x − x′‖/‖x‖ and the cosine similarity x·x′/(‖x‖‖x′‖). The detector fits their density on normal data (one Gaussian:
// the Mahalanobis distance) and scores the energy of new examples.
import { featureCount, type Dataset } from '../data/dataset.js';
import type { AutoencoderModel } from '../models/types.js';
import { encodeDataset, reconstructDataset } from './latent.js';

/** Keeps the relative distance and the cosine finite for an all-zero input or reconstruction. */
const EPS = 1e-12;

/** [z_c, ‖x − x′‖/‖x‖, cos(x, x′)] per example: [size, latentDim + 2] row-major, and its width. */
export function latentFeatures(model: AutoencoderModel, data: Dataset): { values: Float32Array; width: number } {
  const k = model.latentDim;
  const width = k + 2;
  const d = featureCount(data.shape);
  const codes = encodeDataset(model, data);
  const recon = reconstructDataset(model, data);
  const scale = data.values instanceof Uint8Array ? 1 / 255 : 1;
  const values = new Float32Array(data.size * width);
  for (let i = 0; i < data.size; i++) {
    let xx = 0;
    let rr = 0;
    let xr = 0;
    let err = 0;
    for (let j = i * d; j < (i + 1) * d; j++) {
      const x = data.values[j] * scale;
      const r = recon[j];
      xx += x * x;
      rr += r * r;
      xr += x * r;
      err += (x - r) ** 2;
    }
    values.set(codes.subarray(i * k, (i + 1) * k), i * width);
    values[i * width + k] = Math.sqrt(err) / (Math.sqrt(xx) + EPS);
    values[i * width + k + 1] = xr / (Math.sqrt(xx * rr) + EPS);
  }
  return { values, width };
}
