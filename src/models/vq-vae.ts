// VQ-VAE (van den Oord, Vinyals & Kavukcuoglu 2017, "Neural Discrete Representation Learning"): the encoder's output
// is cut into `positions` vectors, each snapped to its nearest entry of a learned codebook; the decoder reads the
// codebook entries. Training passes the decoder's gradient straight through the snapping to the encoder and adds the
// commitment loss β‖z_e − sg[e]‖² (keeps the encodings near their entries). The entries move to the encodings they
// win either by exponential moving averages of those encodings (`codebookUpdate: 'ema'`, the paper's appendix and
// Razavi et al. 2019: the default, as Adam moves the entries too slowly to follow the encoder) or by the codebook loss
// ‖sg[z_e] − e‖² under the optimizer (`'loss'`). The codebook starts as encodings of the first batch, and an entry no
// encoding has won for a while restarts at a random encoding. The code of an example is its `positions` codebook
// indices; new examples come from a per-position categorical prior over the indices, fitted on the training codes.
//
// The decoder is a plain tfjs model that takes the indices: Embedding (the codebook) → Flatten → the dense body, so
// tfjs alone loads and runs it; the body alone decodes the straight-through vectors in training.
import * as tf from '../backend/tfjs.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { featureCount } from '../data/dataset.js';
import { SEED_OFFSET } from '../layers/seeds.js';
import { denseStack } from '../layers/dense-stack.js';
import { applyNetwork } from '../layers/network.js';
import { flatRows, toModelInput } from '../layers/shapes.js';
import { binaryCrossEntropy, meanSquaredError } from '../objectives/likelihoods.js';
import { UserError } from '../errors.js';
import type { Rng } from '../train/rng.js';
import type { AeLoss, Activation, CodebookUpdate, OutputActivation } from './choices.js';
import type { DiscreteCodeModel, EpochDiagnostics, ExtraParams, LossTensors, ModelParts } from './types.js';

export interface VqVaeConfig {
  kind: 'vq-vae';
  inputShape: number[];
  /** Size of the whole code: positions × the codebook entries' size. */
  latentDim: number;
  /** Code vectors per example, each snapped to one codebook entry (latentDim / positions values each). */
  positions: number;
  /** Entries in the codebook (K). */
  codebookSize: number;
  /** Weight β of the commitment loss (0.25 in van den Oord et al.). */
  commitment: number;
  /** How the entries learn: moving averages of the encodings they win, or the codebook loss under the optimizer. */
  codebookUpdate: CodebookUpdate;
  /** ema: the decay γ of the moving averages. */
  emaDecay: number;
  hiddenUnits: number[];
  decoderHiddenUnits?: number[];
  activation: Activation;
  outputActivation: OutputActivation;
  loss: AeLoss;
  seed: number;
}

export const VQ_VAE: Omit<VqVaeConfig, 'inputShape'> = {
  kind: 'vq-vae', latentDim: 32, positions: 8, codebookSize: 64, commitment: 0.25, codebookUpdate: 'ema', emaDecay: 0.99, hiddenUnits: [400], activation: 'relu',
  outputActivation: 'sigmoid', loss: 'mse', seed: 1,
};

/** Warn when at least this fraction of the codebook is unused by a sample's codes. */
const DEAD_WARNING = 0.25;
/** ema: an entry whose moving count of won encodings falls below this restarts at a random encoding of the batch. */
const RESTART_COUNT = 0.03;
/** ema: the additive (Laplace) smoothing of the counts, so an entry's mean never divides by zero. */
const EMA_EPSILON = 1e-5;

/** The identity forward, zero gradient backward: sg[·] of the paper. */
const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: x.clone(), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as (x: tf.Tensor) => tf.Tensor;

/** Builds the encoder (to latentDim values) and the index decoder (Embedding → Flatten → dense body). */
export function createVqVae(config: VqVaeConfig, parts: ModelParts = {}): VqVae {
  if (parts.encoder || parts.decoder) throw new UserError('vq-vae builds its own encoder and decoder (its decoder reads codebook indices)');
  checkVqConfig(config);
  const d = featureCount(config.inputShape);
  const width = config.latentDim / config.positions;
  const encoder = denseStack({
    inputDim: d, hiddenUnits: config.hiddenUnits, activation: config.activation, output: { units: config.latentDim, activation: 'linear' },
    name: 'encoder', seed: config.seed,
  });
  const body = denseStack({
    inputDim: config.latentDim, hiddenUnits: config.decoderHiddenUnits ?? [...config.hiddenUnits].reverse(), activation: config.activation,
    output: { units: d, activation: config.outputActivation }, name: 'decoder_body', seed: config.seed + SEED_OFFSET.decoder,
  });
  const decoder = tfl.sequential({
    name: 'decoder',
    layers: [
      tfl.layers.embedding({
        inputDim: config.codebookSize, outputDim: width, inputLength: config.positions, name: 'codebook', trainable: config.codebookUpdate === 'loss',
        embeddingsInitializer: tfl.initializers.randomUniform({ minval: -1 / config.codebookSize, maxval: 1 / config.codebookSize, seed: config.seed + SEED_OFFSET.codebook }),
      }),
      tfl.layers.flatten({ name: 'codebook_flat' }),
      body,
    ],
  });
  return new VqVae(config, encoder, decoder);
}

/** A saved array of `length` numbers, or undefined when not saved. */
function savedArray(saved: number | number[] | undefined, length: number, name: string): Float64Array | undefined {
  if (saved === undefined) return undefined;
  if (!Array.isArray(saved) || saved.length !== length) throw new UserError(`vq-vae ${name} holds ${Array.isArray(saved) ? saved.length : 1} values; expected ${length}`);
  return Float64Array.from(saved);
}

function checkVqConfig(config: VqVaeConfig): void {
  if (config.latentDim % config.positions !== 0) {
    throw new UserError(`vq-vae: --latent ${config.latentDim} must be a multiple of --positions ${config.positions} (each position holds latent / positions values)`);
  }
}

export class VqVae implements DiscreteCodeModel {
  /** The categorical prior over each position's index, [positions, K] probabilities (uniform until fitted). */
  private prior: Float64Array;
  /** Whether the codebook has been set from encodings (at the first training step). */
  private seeded: boolean;
  /** ema: the moving count of encodings each entry wins [K], and the moving sum of those encodings [K, width]. */
  private emaCount: Float64Array;
  private emaSum: Float64Array;

  constructor(readonly config: VqVaeConfig, readonly encoder: tfl.LayersModel, readonly decoder: tfl.LayersModel, params: ExtraParams = {}) {
    checkVqConfig(config);
    const [embedding, , body] = decoder.layers;
    if (decoder.layers.length !== 3 || embedding.getClassName() !== 'Embedding' || !(body instanceof tfl.LayersModel)) {
      throw new UserError('vq-vae decoder must be Embedding → Flatten → a dense body');
    }
    const k = config.positions * config.codebookSize;
    const saved = params.prior;
    if (saved !== undefined && (!Array.isArray(saved) || saved.length !== k)) throw new UserError(`vq-vae prior holds ${Array.isArray(saved) ? saved.length : 1} values; expected ${k}`);
    this.prior = Array.isArray(saved) ? Float64Array.from(saved) : new Float64Array(k).fill(1 / config.codebookSize);
    this.seeded = params.codebookSeeded === 1;
    const width = config.latentDim / config.positions;
    this.emaCount = savedArray(params.emaCount, config.codebookSize, 'emaCount') ?? new Float64Array(config.codebookSize);
    this.emaSum = savedArray(params.emaSum, config.codebookSize * width, 'emaSum') ?? new Float64Array(config.codebookSize * width);
  }

  /**
   * Sets the codebook to encodings of the first training batch (K of its code vectors drawn at random, with
   * replacement when it has fewer): entries start where the encodings are, so every entry is someone's nearest.
   * Without it, the tiny initial entries all lie nearest to one corner of the encodings: one entry takes every
   * vector, the encoder's straight-through gradient has nothing to move, and the encodings drift away.
   */
  private seedCodebook(ze: tf.Tensor2D, rng: Rng): void {
    const vectors = ze.reshape([-1, this.width]);
    const values = vectors.dataSync() as Float32Array;
    const n = vectors.shape[0];
    const w = this.width;
    const chosen = new Float32Array(this.codebookSize * w);
    for (let j = 0; j < this.codebookSize; j++) {
      const row = Math.floor(rng.next() * n);
      chosen.set(values.subarray(row * w, (row + 1) * w), j * w);
    }
    this.codebook.assign(tf.tensor2d(chosen, [this.codebookSize, w]));
    vectors.dispose();
    this.emaCount.fill(1);
    this.emaSum = Float64Array.from(chosen);
    this.seeded = true;
  }

  /**
   * ema: N_k ← γN_k + (1 − γ)n_k and m_k ← γm_k + (1 − γ)Σ z_e over the n_k encodings entry k won, then e_k = m_k / Ñ_k
   * with Ñ the Laplace-smoothed counts; an entry whose N_k fell below RESTART_COUNT restarts at a random encoding.
   */
  private updateEma(vectors: Float32Array, indices: Int32Array, rng: Rng): void {
    const { codebookSize: k, width: w } = this;
    const gamma = this.config.emaDecay;
    const counts = new Float64Array(k);
    const sums = new Float64Array(k * w);
    indices.forEach((j, i) => {
      counts[j]++;
      for (let c = 0; c < w; c++) sums[j * w + c] += vectors[i * w + c];
    });
    let total = 0;
    for (let j = 0; j < k; j++) {
      this.emaCount[j] = gamma * this.emaCount[j] + (1 - gamma) * counts[j];
      for (let c = 0; c < w; c++) this.emaSum[j * w + c] = gamma * this.emaSum[j * w + c] + (1 - gamma) * sums[j * w + c];
      total += this.emaCount[j];
    }
    const n = indices.length;
    const entries = new Float32Array(k * w);
    for (let j = 0; j < k; j++) {
      if (this.emaCount[j] < RESTART_COUNT) {
        const row = Math.floor(rng.next() * n);
        this.emaCount[j] = 1;
        for (let c = 0; c < w; c++) this.emaSum[j * w + c] = vectors[row * w + c];
      }
      const smoothed = ((this.emaCount[j] + EMA_EPSILON) / (total + k * EMA_EPSILON)) * total;
      for (let c = 0; c < w; c++) entries[j * w + c] = this.emaSum[j * w + c] / Math.max(smoothed, EMA_EPSILON);
    }
    this.codebook.assign(tf.tensor2d(entries, [k, w]));
  }

  get kind(): 'vq-vae' {
    return 'vq-vae';
  }

  get latentDim(): number {
    return this.config.latentDim;
  }

  get inputShape(): number[] {
    return this.config.inputShape;
  }

  get positions(): number {
    return this.config.positions;
  }

  get codebookSize(): number {
    return this.config.codebookSize;
  }

  /** The values of one codebook entry. */
  private get width(): number {
    return this.config.latentDim / this.config.positions;
  }

  /** The codebook variable [K, width] (the Embedding layer's weights). */
  private get codebook(): tf.Variable {
    return this.decoder.layers[0].weights[0].read() as tf.Variable;
  }

  private get body(): tfl.LayersModel {
    return this.decoder.layers[2] as tfl.LayersModel;
  }

  trainableVariables(): tf.Variable[] {
    return [...this.encoder.trainableWeights, ...this.decoder.trainableWeights].map((w) => w.read() as tf.Variable);
  }

  /** The encoder's output z_e, [batch, latentDim]. */
  private encodeContinuous(x: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return flatRows(applyNetwork(this.encoder, toModelInput(x, this.encoder), training) as tf.Tensor);
  }

  /** The nearest codebook entry of each row of `vectors` [n, width] (squared Euclidean distance), [n] int32. */
  private nearest(vectors: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const c = this.codebook;
      const distances = vectors.square().sum(1, true).sub(vectors.matMul(c, false, true).mul(2)).add(c.square().sum(1).expandDims(0));
      return distances.argMin(1) as tf.Tensor1D;
    });
  }

  /** Codebook indices of codes [batch, latentDim] (continuous vectors snap to their nearest entries), [batch, positions]. */
  quantize(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.nearest(z.reshape([-1, this.width])).reshape([z.shape[0], this.positions]) as tf.Tensor2D);
  }

  codeIndices(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.quantize(this.encodeContinuous(x, false)));
  }

  /** The codebook entries of indices [batch, positions], as codes [batch, latentDim]. */
  entries(indices: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.gather(this.codebook, indices.reshape([-1]).toInt()).reshape([indices.shape[0], this.latentDim]) as tf.Tensor2D);
  }

  decodeIndices(indices: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => flatRows(this.decoder.apply(indices, { training: false }) as tf.Tensor));
  }

  /**
   * Loss per example, eq. 3 of the paper: the reconstruction error of the decoder reading z_q = z_e + sg[e − z_e]
   * (straight through), summed over features (squared error, or binary cross-entropy: −log p(x|z_q) of a Bernoulli
   * decoder), plus as penalty β‖z_e − sg[e]‖² and, with `codebookUpdate: 'loss'`, the codebook loss ‖sg[z_e] − e‖²
   * (squared norms over the code's values). Training steps with 'ema' move the entries first. Evaluation reports the
   * same terms (nothing is sampled).
   */
  lossTerms(x: tf.Tensor2D, rng: Rng, training: boolean): LossTensors {
    return tf.tidy(() => {
      const ze = this.encodeContinuous(x, training);
      if (training && !this.seeded) this.seedCodebook(ze, rng);
      // The indices leave the gradient tape (argmin has no gradient; tfjs would ask gather for one of its int indices).
      const nearest = this.quantize(ze);
      const indices = nearest.dataSync() as Int32Array;
      const ema = training && this.config.codebookUpdate === 'ema';
      if (ema) this.updateEma(ze.dataSync() as Float32Array, indices, rng);
      const e = this.entries(tf.tensor2d(indices, nearest.shape as [number, number], 'int32'));
      const commitmentLoss = ze.sub(stopGradient(e)).square().sum(1) as tf.Tensor1D;
      const codebookLoss = this.config.codebookUpdate === 'loss' ? stopGradient(ze).sub(e).square().sum(1) as tf.Tensor1D : tf.zerosLike(commitmentLoss);
      const zq = ze.add(stopGradient(e.sub(ze))) as tf.Tensor2D;
      const xHat = flatRows(applyNetwork(this.body, zq, training) as tf.Tensor);
      const d = xHat.shape[1];
      const reconstruction = (this.config.loss === 'mse' ? meanSquaredError(xHat, x) : binaryCrossEntropy(xHat, x)).mul(d) as tf.Tensor1D;
      const penalty = codebookLoss.add(commitmentLoss.mul(this.config.commitment)) as tf.Tensor1D;
      return { total: reconstruction.add(penalty) as tf.Tensor1D, reconstruction, kl: tf.zerosLike(reconstruction), penalty };
    });
  }

  /** The code of each row: its codebook entries (z_q), [batch, latentDim]. */
  encode(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.entries(this.codeIndices(x)));
  }

  /** Codes snap to their nearest entries, then decode. */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.decodeIndices(this.quantize(z)));
  }

  /** How often each codebook entry is used over `data`'s codes: counts [K], used entries, perplexity exp(H). */
  usage(indices: Int32Array): { counts: Float64Array; used: number; perplexity: number } {
    const counts = new Float64Array(this.codebookSize);
    for (const i of indices) counts[i]++;
    let entropy = 0;
    for (const c of counts) if (c > 0) entropy -= (c / indices.length) * Math.log(c / indices.length);
    return { counts, used: counts.filter((c) => c > 0).length, perplexity: Math.exp(entropy) };
  }

  epochDiagnostics(indices: Int32Array): EpochDiagnostics {
    const { used, perplexity } = this.usage(indices);
    const dead = this.codebookSize - used;
    const warnings = dead >= DEAD_WARNING * this.codebookSize
      ? [`${dead} of ${this.codebookSize} codebook entries are unused (dead): a smaller --codebook-size, or more epochs, may use the codebook better`]
      : [];
    return { metrics: { codebookUsed: used, codebookPerplexity: perplexity }, warnings };
  }

  /** Fits the per-position categorical prior on training codes [n, positions] (counts plus one, normalised). */
  fitPrior(indices: Int32Array): void {
    const { positions, codebookSize } = this;
    const counts = new Float64Array(positions * codebookSize).fill(1);
    for (let i = 0; i < indices.length; i++) counts[(i % positions) * codebookSize + indices[i]]++;
    for (let p = 0; p < positions; p++) {
      const row = counts.subarray(p * codebookSize, (p + 1) * codebookSize);
      const total = row.reduce((a, b) => a + b, 0);
      row.forEach((c, j) => (row[j] = c / total));
    }
    this.prior = counts;
  }

  /** `n` codes drawn from the prior: each position's index from its categorical (sharpened by 1/temperature). */
  samplePriorCodes(n: number, rng: Rng, temperature = 1): Float32Array {
    const { positions, codebookSize } = this;
    const indices = new Int32Array(n * positions);
    const weights = new Float64Array(codebookSize);
    for (let p = 0; p < positions; p++) {
      const probs = this.prior.subarray(p * codebookSize, (p + 1) * codebookSize);
      let total = 0;
      for (let j = 0; j < codebookSize; j++) total += weights[j] = temperature === 0 ? 0 : probs[j] ** (1 / temperature);
      if (temperature === 0) weights[probs.indexOf(Math.max(...probs))] = total = 1;
      for (let i = 0; i < n; i++) {
        let u = rng.next() * total;
        let j = 0;
        while (j < codebookSize - 1 && (u -= weights[j]) >= 0) j++;
        indices[i * positions + p] = j;
      }
    }
    const t = tf.tensor2d(indices, [n, positions], 'int32');
    const codes = this.entries(t);
    const out = codes.dataSync() as Float32Array;
    tf.dispose([t, codes]);
    return out;
  }

  extraParams(): ExtraParams {
    return {
      prior: Array.from(this.prior), codebookSeeded: this.seeded ? 1 : 0,
      ...(this.config.codebookUpdate === 'ema' && { emaCount: Array.from(this.emaCount), emaSum: Array.from(this.emaSum) }),
    };
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }
}
