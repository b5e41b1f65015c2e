// Defaults for tables of real-valued features (CSV rows), where the image defaults do poorly: a linear output and a
// Gaussian likelihood (z-scored values are negative half the time; a sigmoid cannot reproduce them), a code narrower
// than the input (a code as wide as the input can learn the identity and reconstruct anomalies too), and one hidden
// layer sized from the feature count.
import type { ModelKind } from './types.js';

/** What the data is, for the defaults: images ([0, 1] intensities) or a table of real values. */
export type DataKind = 'image' | 'table';

/** The code size for `features` inputs: about a third of them, at least 1, always fewer than the inputs when d > 1. */
export function tableLatentDim(features: number): number {
  return features <= 2 ? 1 : Math.max(1, Math.min(features - 1, Math.round(features / 3)));
}

/** The hidden layer width for `features` inputs: twice the features, within 8..256. */
export function tableHiddenUnits(features: number): number {
  return Math.max(8, Math.min(256, 2 * features));
}

const AE_KINDS: ReadonlySet<ModelKind> = new Set(['ae', 'denoising-ae']);
const VAE_KINDS: ReadonlySet<ModelKind> = new Set(['vae', 'beta-vae', 'iwae', 'cvae']);

/** The table defaults of `kind` for `features` inputs (fields the kind has); the image defaults stand for the rest. */
export function tableDefaults(kind: ModelKind, features: number): Record<string, unknown> {
  if (kind === 'sparse-ae') return { latentDim: tableLatentDim(features), hiddenUnits: [tableHiddenUnits(features)], outputActivation: 'linear', loss: 'mse' };
  if (AE_KINDS.has(kind)) {
    return { latentDim: tableLatentDim(features), hiddenUnits: [tableHiddenUnits(features)], latentActivation: 'linear', outputActivation: 'linear', loss: 'mse' };
  }
  if (VAE_KINDS.has(kind)) {
    return { latentDim: tableLatentDim(features), hiddenUnits: [tableHiddenUnits(features)], likelihood: 'gaussian', learnSigma: true, sigma: 1 };
  }
  return {};
}

/** One line naming the choices a config made, for the start of training. */
export function describeChoices(config: Record<string, unknown>): string {
  const parts = [config.positions ? `code ${config.positions} × ${Number(config.latentDim) / Number(config.positions)} snapped to ${config.codebookSize} entries (${config.codebookUpdate})` : `code ${config.latentDim}`];
  if (Array.isArray(config.hiddenUnits)) parts.push(`hidden [${config.hiddenUnits.join(', ')}]`);
  if (config.likelihood) parts.push(config.likelihood === 'gaussian' ? `Gaussian likelihood (σ ${config.learnSigma ? 'learned' : `fixed at ${config.sigma}`})` : 'Bernoulli likelihood (sigmoid outputs)');
  if (config.outputActivation) parts.push(`${config.outputActivation} output, ${String(config.loss).toUpperCase()} loss`);
  if (config.latentActivation) parts.push(`${config.latentActivation} code`);
  return parts.join(', ');
}
