// β-VAE with KL schedules and free bits: the ELBO's KL term weighted by β(t), with a per-dimension floor.
import * as tf from '../backend/tfjs.js';
import { reparameterize } from '../layers/reparameterize.js';
import type { Rng } from '../train/rng.js';
import { denseVaeNetworks, REFERENCE_VAE, VariationalAutoencoder, type VaeConfig } from './vae.js';
import type { ExtraParams, LossTensors, ModelParts } from './types.js';

export type KlSchedule = 'constant' | 'linear' | 'cyclical';
export const KL_SCHEDULES: readonly KlSchedule[] = ['constant', 'linear', 'cyclical'];

export type BetaVaeConfig = Omit<VaeConfig, 'kind'> & {
  kind: 'beta-vae';
  /** Weight of the KL term (Higgins et al. 2017); 1 is the plain ELBO. */
  beta: number;
  /** constant β; linear warm-up from 0 to β over warmupEpochs (Bowman et al. 2016); cyclical annealing (Fu et al. 2019). */
  klSchedule: KlSchedule;
  /** linear: epochs to reach β. */
  warmupEpochs: number;
  /** cyclical: number of cycles over the run; each rises from 0 to β in its first half and holds β in its second. */
  cycles: number;
  /** Free bits (Kingma et al. 2016): each dimension's batch-mean KL counts as at least this many nats; 0 turns it off. */
  freeBits: number;
};

export const BETA_VAE: Omit<BetaVaeConfig, 'inputShape'> = {
  ...REFERENCE_VAE, kind: 'beta-vae', beta: 4, klSchedule: 'constant', warmupEpochs: 10, cycles: 4, freeBits: 0,
};

/** The KL weight in epoch `epoch` (1-based) of `epochs`. */
export function klWeight(config: Pick<BetaVaeConfig, 'beta' | 'klSchedule' | 'warmupEpochs' | 'cycles'>, epoch: number, epochs: number): number {
  if (config.klSchedule === 'linear') return config.beta * Math.min(1, epoch / config.warmupEpochs);
  if (config.klSchedule === 'cyclical') {
    const period = epochs / config.cycles;
    const position = ((epoch - 1) % period) / period; // 0 at the start of each cycle
    return config.beta * Math.min(1, position / 0.5);
  }
  return config.beta;
}

export class BetaVae extends VariationalAutoencoder {
  private weight: number;

  constructor(override readonly config: BetaVaeConfig, encoder: VariationalAutoencoder['encoder'], decoder: VariationalAutoencoder['decoder'], params: ExtraParams = {}) {
    super(config, encoder, decoder, params);
    this.weight = config.beta;
  }

  /** The KL weight now in force (set by the schedule at each epoch). */
  get klWeight(): number {
    return this.weight;
  }

  beginEpoch(epoch: number, epochs: number): void {
    this.weight = klWeight(this.config, epoch, epochs);
  }

  /** Training: reconstruction + β(t)·KL, the KL floored per dimension by free bits. Evaluation: the plain −ELBO. */
  override lossTerms(x: tf.Tensor2D, rng: Rng, training: boolean): LossTensors {
    if (!training) return super.lossTerms(x, rng, training);
    return tf.tidy(() => {
      const { mu, logvar } = this.posterior(x, training);
      const z = reparameterize(mu, logvar, tf.tensor2d(rng.normals(mu.size), mu.shape));
      const reconstruction = this.reconstructionNll(x, z, training);
      const klPerDim = tf.exp(logvar).add(mu.square()).sub(1).sub(logvar).mul(0.5); // [batch, latentDim]
      const kl = klPerDim.sum(1) as tf.Tensor1D;
      const penalised = this.config.freeBits > 0
        ? tf.maximum(klPerDim.mean(0), this.config.freeBits).sum().broadcastTo([x.shape[0]]) // Σ_d max(E_batch KL_d, λ)
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
