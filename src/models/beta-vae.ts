// β-VAE with KL schedules and free bits: the ELBO's KL term weighted by β(t), with a per-dimension floor.
import * as tf from '../backend/tfjs.js';
import { sampleGaussian } from '../objectives/gaussian.js';
import { applyNetwork } from '../layers/network.js';
import { flatRows, toModelInput } from '../layers/shapes.js';
import type { Rng } from '../train/rng.js';
import { denseVaeNetworks, REFERENCE_VAE, VariationalAutoencoder, type VaeConfig } from './vae.js';
import type { ExtraParams, LossTensors, ModelParts } from './types.js';

import type { KlSchedule } from './choices.js';

export { KL_SCHEDULES, type KlSchedule } from './choices.js';

export type BetaVaeConfig = Omit<VaeConfig, 'kind'> & {
  kind: 'beta-vae';
  /** Weight of the KL term (Higgins et al. 2017); 1 is the plain ELBO. */
  beta: number;
  /** constant β; linear warm-up from 0 to β over warmupEpochs (Bowman et al. 2016); cyclical annealing (Fu et al. 2019). */
  klSchedule: KlSchedule;
  /** linear: epochs to reach β (annealed per step). */
  warmupEpochs: number;
  /** cyclical: number of cycles over the run; each rises from 0 to β over its first half of steps and holds β in its second. */
  cycles: number;
  /** Free bits (Kingma et al. 2016): each dimension's batch-mean KL counts as at least this many nats; 0 turns it off. */
  freeBits: number;
};

export const BETA_VAE: Omit<BetaVaeConfig, 'inputShape'> = {
  ...REFERENCE_VAE, kind: 'beta-vae', beta: 4, klSchedule: 'constant', warmupEpochs: 10, cycles: 4, freeBits: 0,
};

/**
 * The KL weight at training step `step` (0-based, counted over the whole run) of `totalSteps`, with `stepsPerEpoch`
 * steps in an epoch, annealed per step as Fu et al. (2019) do:
 * - linear: β·min(1, step / (warmupEpochs·stepsPerEpoch)) — 0 at the first step, β from the end of the warm-up;
 * - cyclical: the run splits into `cycles` periods of totalSteps/cycles steps; in each, β·min(1, τ/R) with τ the
 *   position in the period (0 at its first step) and R = ½ — a ramp from 0 over the first half, then β;
 * - constant: β.
 */
export function klWeight(config: Pick<BetaVaeConfig, 'beta' | 'klSchedule' | 'warmupEpochs' | 'cycles'>, step: number, totalSteps: number, stepsPerEpoch: number): number {
  if (config.klSchedule === 'linear') return config.beta * Math.min(1, step / (config.warmupEpochs * stepsPerEpoch));
  if (config.klSchedule === 'cyclical') {
    // Cycle c starts at step ⌊c·period⌋, as in Fu et al.'s schedule code, so every cycle starts at 0 and only rises.
    const period = totalSteps / config.cycles;
    let cycle = Math.floor(step / period);
    if (Math.floor((cycle + 1) * period) <= step) cycle++;
    const tau = (step - Math.floor(cycle * period)) / period;
    return config.beta * Math.min(1, tau / CYCLE_RAMP);
  }
  return config.beta;
}

/** The fraction of each cycle spent rising from 0 to β (R in Fu et al. 2019). */
const CYCLE_RAMP = 0.5;

export class BetaVae extends VariationalAutoencoder {
  private weight: number;

  constructor(override readonly config: BetaVaeConfig, encoder: VariationalAutoencoder['encoder'], decoder: VariationalAutoencoder['decoder'], params: ExtraParams = {}) {
    super(config, encoder, decoder, params);
    this.weight = config.beta;
  }

  /** The KL weight now in force (set by the schedule before each training step). */
  get klWeight(): number {
    return this.weight;
  }

  beginStep(step: number, totalSteps: number, stepsPerEpoch: number): void {
    this.weight = klWeight(this.config, step, totalSteps, stepsPerEpoch);
  }

  /** Training: reconstruction + β(t)·KL, the KL floored per dimension by free bits. Evaluation: the plain −ELBO. */
  override lossTerms(x: tf.Tensor2D, rng: Rng, training: boolean): LossTensors {
    if (!training) return super.lossTerms(x, rng, training);
    return tf.tidy(() => {
      const [mu, rawLogvar] = (applyNetwork(this.encoder, toModelInput(x, this.encoder), training) as tf.Tensor[]).map(flatRows);
      const freeBits = this.config.freeBits > 0;
      const { z, kl, klPerDim } = sampleGaussian(mu, rawLogvar, tf.tensor2d(rng.normals(mu.size), mu.shape), freeBits);
      const reconstruction = this.reconstructionNll(x, z, training);
      const penalised = freeBits
        ? tf.maximum(klPerDim!.mean(0), this.config.freeBits).sum().broadcastTo([x.shape[0]]) // Σ_d max(E_batch KL_d, λ)
        : kl;
      return { total: reconstruction.add(penalised.mul(this.weight)) as tf.Tensor1D, reconstruction, kl };
    });
  }
}

/** Builds a β-VAE with the dense defaults or the user's encoder body and decoder. */
export function createBetaVae(config: BetaVaeConfig, parts: ModelParts = {}): BetaVae {
  const { encoder, decoder } = denseVaeNetworks(config, parts);
  return new BetaVae(config, encoder, decoder);
}
