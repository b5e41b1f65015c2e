// latentkit's platform-neutral API (browsers, workers, Node): models, training, in-memory data and runs, tasks.
// Nothing here imports a Node module: the Node entry (index.ts) adds files, native speed and pictures; the browser
// entry (browser.ts) adds WebGPU and WebGL.

export { selectBackend, createAdam, activeBackend, type BackendName, type BackendPreference, type BackendInfo } from './backend/select.js';
export { UserError } from './errors.js';

export { createModel, restoreModel, defaultConfig, FAMILIES, type ModelConfig } from './models/registry.js';
export { Autoencoder, CLASSIC_AUTOENCODER, type AutoencoderConfig } from './models/autoencoder.js';
export { VariationalAutoencoder, REFERENCE_VAE, type VaeConfig } from './models/vae.js';
export {
  MODEL_KINDS, ACTIVATIONS, type ModelKind, type Activation, type AutoencoderModel, type ModelParts, type LossTerms,
  isLatentVariable, isConditional, hasPrior, hasDiscreteCode, type LatentVariableModel, type ConditionalModel, type PriorModel,
  type DiscreteCodeModel, type EpochDiagnostics,
} from './models/types.js';
export { VqVae, createVqVae, VQ_VAE, type VqVaeConfig } from './models/vq-vae.js';

export { gaussianKl, gaussianKlPerDim, sampleGaussian, reparameterize, clampLogvar, LOGVAR_RANGE } from './objectives/gaussian.js';
export { bernoulliNll, gaussianNll, meanSquaredError, binaryCrossEntropy } from './objectives/likelihoods.js';

export { fit, evaluate, DEFAULT_ADAM, type FitOptions, type FitResult, type EpochMetrics, type TrainCallbacks, type BatchInfo, type AdamArgs } from './train/trainer.js';
export { Rng } from './train/rng.js';

export { makeDataset, subset, head, batchTensor, featureCount, classCount, imageDims, type Dataset } from './data/dataset.js';
export { fitScaling, applyScaling, invertScaling, type Scaling, type ScalingKind } from './data/scaling.js';


export { encodeDataset, reconstructDataset, decodeCodes, samplePrior, interpolate, lerpCodes } from './tasks/latent.js';
export { slidingWindows } from './data/windows.js';
export { sequenceErrors, countActiveUnits, denoiseDataset, slerpCodes, traverseCodes, manifoldCodes } from './tasks/latent.js';
export { npyBytes } from './io/npy.js';
export { importanceSampledNll, type ImportanceSamplingOptions } from './tasks/likelihood.js';
export { importanceWeights, logMeanExp } from './objectives/iwae.js';
export {
  AnomalyDetector, anomalyScores, fitThreshold, parseThreshold, percentile, SCORE_KINDS, type ScoreKind, type Threshold, type DetectorState,
  type DetectorOptions,
} from './tasks/anomaly.js';
export { DetectorEnsemble, type EnsembleMemberState } from './tasks/ensemble.js';
export { likelihoodRatioScores } from './tasks/likelihood-ratio.js';
export { perturb, perturbRangeOf, type PerturbRange } from './train/perturb.js';
export { ONE_CLASS, RECIPES, RECIPE_NAMES, recipeConfigs, recipeDetector, trainRecipe, type DetectionRecipe, type RecipeName } from './tasks/recipes.js';
export { ssim, ssimMap, type SsimOptions } from './tasks/ssim.js';
export { pngBits } from './tasks/complexity.js';
export { fitNap, napScores, pathwayDifferences, type NapState } from './tasks/rapp.js';
export { rocAuc, averagePrecision, metricsAt, rocCurve, prCurve, type ThresholdMetrics, type CurvePoint } from './tasks/metrics.js';
export { BetaVae, klWeight, BETA_VAE, type BetaVaeConfig, type KlSchedule } from './models/beta-vae.js';
export { Iwae, IWAE, type IwaeConfig } from './models/iwae.js';
export { Cvae, CVAE, type CvaeConfig } from './models/cvae.js';
export { CONV_AUTOENCODER, CONV_VAE, type ConvAutoencoderConfig, type ConvVaeConfig } from './models/conv.js';
export { SEQUENCE_AUTOENCODER, type SequenceAutoencoderConfig } from './models/sequence.js';
export {
  DenoisingAutoencoder, SparseAutoencoder, DENOISING_AUTOENCODER, SPARSE_AUTOENCODER, corrupt, sparsityPenalty,
  type DenoisingAutoencoderConfig, type SparseAutoencoderConfig,
} from './models/denoising.js';
export { logisticProbe, knnProbe, fitPca, pcaTransform, type Features, type Pca } from './tasks/probe.js';
export { fitGmm, sampleGmm, type GaussianMixture } from './tasks/gmm.js';

export { RUN_FORMAT_VERSION, type RunManifest, type RunInfo, type TrainingSettings } from './io/run-manifest.js';
export { runToFiles, runFromFiles, readRun, fetchRun, zipRun, unzipRun, type RunFiles, type RunFileReader, type LoadedRun } from './io/run-files.js';
export { parseCsv } from './data/csv-scan.js';
export type { CsvOptions } from './data/csv-table.js';
export { LatentModel, type LatentModelInfo, type ScoreResult } from './tasks/latent-model.js';
export { priorCodes } from './tasks/latent.js';
