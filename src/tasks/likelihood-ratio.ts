// The likelihood ratio of Ren et al. (NeurIPS 2019, "Likelihood ratios for out-of-distribution detection"): a
// background model, trained on inputs whose features are randomly replaced, learns the population-level statistics
// (how smooth, how bright) that dominate a likelihood; the ratio log p(x) − log p_background(x) keeps what is
// specific to the normal data. The score is its negative: −log p(x) + log p_background(x), each log-likelihood the
// importance-sampled bound of a VAE.
import { featureCount, type Dataset } from '../data/dataset.js';
import { check, UserError } from '../errors.js';
import { isLatentVariable, type AutoencoderModel } from '../models/types.js';
import { EVAL_SEED, RowNoise } from '../train/rng.js';
import { importanceSampledNll } from './likelihood.js';

/**
 * −log p(x) + log p_background(x) per example: the negative log-likelihood ratio, each term importance-sampled with
 * `samples` draws per example (1 is the ELBO). Both terms draw the same noise (each row's own generator, seeded from
 * `seed` and the row's place `firstRow + i` in the whole being scored), so that the noise cancels in the difference.
 */
export function likelihoodRatioScores(model: AutoencoderModel, background: AutoencoderModel, data: Dataset,
  options: { samples: number; seed?: number; firstRow?: number }): Float64Array {
  for (const [role, m] of [['model', model], ['background model', background]] as const) {
    if (!isLatentVariable(m)) throw new UserError(`score 'ratio' compares two log-likelihoods: the ${role} must be a VAE kind; this is a '${m.kind}' model`);
  }
  check(featureCount(background.inputShape) === featureCount(model.inputShape),
    `score 'ratio': the background model takes [${background.inputShape}], the model [${model.inputShape}]`);
  const noise = () => RowNoise.of(options.seed ?? EVAL_SEED, options.firstRow ?? 0, data.size);
  const nll = importanceSampledNll(model, data, { samples: options.samples, noise: noise() });
  const backgroundNll = importanceSampledNll(background, data, { samples: options.samples, noise: noise() });
  return nll.map((v, i) => v - backgroundNll[i]);
}
