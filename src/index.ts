// latentkit's public API: models, training, data, run directories and the tasks users do with a trained model.
import './node.js';

export { selectBackend, createAdam, type BackendName, type BackendPreference, type BackendInfo } from './backend/select.js';
export { UserError } from './errors.js';

export { createModel, restoreModel, defaultConfig, FAMILIES, type ModelConfig } from './models/registry.js';
export { Autoencoder, CLASSIC_AUTOENCODER, type AutoencoderConfig } from './models/autoencoder.js';
export { VariationalAutoencoder, REFERENCE_VAE, type VaeConfig } from './models/vae.js';
export {
  MODEL_KINDS, ACTIVATIONS, type ModelKind, type Activation, type AutoencoderModel, type ModelParts, type LossTerms,
} from './models/types.js';

export { gaussianKl } from './objectives/kl.js';
export { bernoulliNll, gaussianNll, meanSquaredError, binaryCrossEntropy } from './objectives/likelihoods.js';
export { reparameterize, LOGVAR_RANGE } from './layers/reparameterize.js';

export { fit, evaluate, DEFAULT_ADAM, type FitOptions, type FitResult, type EpochMetrics, type TrainCallbacks, type BatchInfo, type AdamArgs } from './train/trainer.js';
export { Rng } from './train/rng.js';

export { makeDataset, subset, head, batchTensor, featureCount, type Dataset } from './data/dataset.js';
export { loadData, type DataOptions, type LoadedData } from './data/load.js';
export { loadEmbedded, EMBEDDED_NAMES, type EmbeddedName } from './data/embedded.js';
export { loadIdx, readIdx } from './data/idx.js';
export { loadCsv, type CsvOptions } from './data/csv.js';
export { loadPngFolder } from './data/png-folder.js';
export { fitScaling, applyScaling, invertScaling, type Scaling, type ScalingKind } from './data/scaling.js';

export { saveRun, loadRun, readManifest, RUN_FORMAT_VERSION, type RunManifest, type RunInfo } from './io/run-dir.js';
export { folderSaveHandler, folderLoadHandler } from './io/layers-files.js';

export { encodeDataset, reconstructDataset, decodeCodes, samplePrior, interpolate, lerpCodes } from './tasks/latent.js';
export { gridPng } from './viz/grid.js';
export { slidingWindows } from './data/windows.js';
export { sequenceErrors, countActiveUnits, denoiseDataset, slerpCodes, traverseCodes, manifoldCodes } from './tasks/latent.js';
export { npyBytes } from './io/npy.js';
export { importanceSampledNll, type ImportanceSamplingOptions } from './tasks/likelihood.js';
export { importanceWeights, logMeanExp } from './objectives/iwae.js';
export {
  AnomalyDetector, anomalyScores, fitThreshold, parseThreshold, percentile, SCORE_KINDS, type ScoreKind, type Threshold, type DetectorState,
} from './tasks/anomaly.js';
export { rocAuc, averagePrecision, metricsAt, rocCurve, prCurve, type ThresholdMetrics, type CurvePoint } from './tasks/metrics.js';
export { curvePng, scatterPng, type CurvePlot } from './viz/plots.js';
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
export { packCodes, unpackCodes, modelFingerprint, psnr, type CompressedCodes } from './tasks/compression.js';
export { fitGmm, sampleGmm, type GaussianMixture } from './tasks/gmm.js';
