// The likelihood ratio of Ren et al. (NeurIPS 2019, "Likelihood ratios for out-of-distribution detection"): a
// background model, trained on inputs whose features are randomly replaced, learns the population-level statistics
// (how smooth, how bright) that dominate a likelihood; the ratio log p(x) − log p_background(x) keeps what is
// specific to the normal data. The score is its negative: −log p(x) + log p_background(x), each log-likelihood the
// importance-sampled bound of a VAE.
import { featureCount, type Dataset } from '../data/dataset.js';
import { check, UserError } from '../errors.js';
import { isLatentVariable, type AutoencoderModel } from '../models/types.js';
import type { RowNoise } from '../train/rng.js';
import { importanceSampledNll } from './likelihood.js';

/**
 * −log p(x) + log p_background(x) per example: the negative log-likelihood ratio, each term importance-sampled with
 * `samples` draws per example (1 is the ELBO), drawn from the rows' own generators.
 */
export function likelihoodRatioScores(model: AutoencoderModel, background: AutoencoderModel, data: Dataset,
  options: { samples: number; noise?: RowNoise }): Float64Array {
  for (const [role, m] of [['model', model], ['background model', background]] as const) {
    if (!isLatentVariable(m)) throw new UserError(`score 'ratio' compares two log-likelihoods: the ${role} must be a VAE kind; this is a '${m.kind}' model`);
  }
  check(featureCount(background.inputShape) === featureCount(model.inputShape),
    `score 'ratio': the background model takes [${background.inputShape}], the model [${model.inputShape}]`);
  const nll = importanceSampledNll(model, data, options);
  const backgroundNll = importanceSampledNll(background, data, options);
  return nll.map((v, i) => v - backgroundNll[i]);
}
