// Sliding windows over a multivariate time series (rows = time steps, columns = features), for sequence models.
import { check } from '../errors.js';
import { featureCount, makeDataset, type Dataset } from './dataset.js';

/** Windows of `length` consecutive rows every `stride` rows: a Dataset of examples shaped [length, features]. */
export function slidingWindows(series: Dataset, length: number, stride = 1): Dataset {
  const features = featureCount(series.shape);
  check(series.shape.length === 1, `${series.source}: windows need a time series of rows of features, found examples of shape [${series.shape}]`);
  check(Number.isInteger(length) && length >= 2, `window length must be an integer of at least 2, got ${length}`);
  check(Number.isInteger(stride) && stride >= 1, `window stride must be a positive integer, got ${stride}`);
  check(series.size >= length, `${series.source}: ${series.size} rows are fewer than one window of ${length}`);
  const count = Math.floor((series.size - length) / stride) + 1;
  const values = new Float32Array(count * length * features);
  for (let w = 0; w < count; w++) {
    values.set(series.values.subarray(w * stride * features, (w * stride + length) * features) as ArrayLike<number>, w * length * features);
  }
  return makeDataset({ source: `${series.source} (windows of ${length}, stride ${stride})`, values, shape: [length, features], size: count, scaling: series.scaling });
}
