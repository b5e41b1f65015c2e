// Detection recipes: fixed sets of models and scores, chosen once for a kind of data (never per class or per test
// set), that a user gets by name — `latentkit train --recipe one-class`, or `trainRecipe` in the library.
import { featureCount, type Dataset } from '../data/dataset.js';
import { check } from '../errors.js';
import { createModel, defaultConfig, type ModelConfig } from '../models/registry.js';
import type { AutoencoderModel } from '../models/types.js';
import { fit, type FitOptions } from '../train/trainer.js';
import { AnomalyDetector, type ScoreKind, type Threshold } from './anomaly.js';
import { DetectorEnsemble } from './ensemble.js';

export interface DetectionRecipe {
  /** What it is for, and where it was measured. */
  description: string;
  /** Every member's model: its hidden layers and code size, and its seed as an offset from the run's seed. */
  members: { hiddenUnits: number[]; latentDim: number; seedOffset: number }[];
  /** The scores every member model gives; all of them are standardised on the normal data and averaged. */
  scores: ScoreKind[];
  epochs: number;
  batchSize: number;
}

/**
 * One-class detection on images: three dense autoencoders (784-256-32 with two seeds, 784-512-256-32), each scored
 * by NAP (RaPP) and by the kNN distance of its code, the six scores standardised and averaged. Chosen on held-out
 * training images (bench:one-class SPLIT=validation), measured on the test split in the README (Fashion-MNIST, MNIST).
 */
export const ONE_CLASS: DetectionRecipe = {
  description: 'three dense autoencoders (256 and 512-256 hidden units, a code of 32), each scored by NAP and by the kNN distance of its code, standardised and averaged',
  members: [{ hiddenUnits: [256], latentDim: 32, seedOffset: 0 }, { hiddenUnits: [512, 256], latentDim: 32, seedOffset: 0 }, { hiddenUnits: [256], latentDim: 32, seedOffset: 1 }],
  scores: ['nap', 'knn'],
  epochs: 10,
  batchSize: 128,
};

export const RECIPES = { 'one-class': ONE_CLASS } as const;
export type RecipeName = keyof typeof RECIPES;
export const RECIPE_NAMES = Object.keys(RECIPES) as RecipeName[];

/** The members' model configs for examples of `inputShape`, seeded from `seed`. */
export function recipeConfigs(recipe: DetectionRecipe, inputShape: number[], seed = 1): ModelConfig[] {
  check(featureCount(inputShape) > 0, 'a recipe needs examples with at least one feature');
  return recipe.members.map((m) => defaultConfig('ae', inputShape, {
    hiddenUnits: m.hiddenUnits, latentDim: m.latentDim, latentActivation: 'linear', seed: seed + m.seedOffset,
  }));
}

/** The recipe's detector on trained members: an ensemble of every member's every score, to be fitted on normal data. */
export function recipeDetector(recipe: DetectionRecipe, models: AutoencoderModel[], threshold: Threshold): DetectorEnsemble {
  check(models.length === recipe.members.length, `the recipe has ${recipe.members.length} members; ${models.length} models given`);
  return new DetectorEnsemble(models.flatMap((model) => recipe.scores.map((score) => new AnomalyDetector(model, { score, threshold }))), threshold);
}

/**
 * Trains the recipe's members on normal data and fits its detector there. `options` change the training (epochs,
 * callbacks; the recipe's own epochs and batch size by default); `onMember` is told before each member trains.
 */
export async function trainRecipe(recipe: DetectionRecipe, normal: Dataset, options: {
  seed?: number; threshold?: Threshold; fit?: Partial<FitOptions>; onMember?: (index: number, config: ModelConfig) => void;
} = {}): Promise<{ models: AutoencoderModel[]; detector: DetectorEnsemble }> {
  const seed = options.seed ?? 1;
  const models: AutoencoderModel[] = [];
  for (const [k, config] of recipeConfigs(recipe, normal.shape, seed).entries()) {
    options.onMember?.(k, config);
    const model = createModel(config);
    models.push(model);
    await fit(model, normal, { epochs: recipe.epochs, batchSize: recipe.batchSize, ...options.fit, seed: config.seed });
  }
  const detector = recipeDetector(recipe, models, options.threshold ?? { kind: 'percentile', q: 99 }).fit(normal);
  return { models, detector };
}
