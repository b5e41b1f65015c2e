// Sequence autoencoder for multivariate time series: an LSTM or GRU reads a window into a code, another unrolls
// the code back into the window (Srivastava, Mansimov & Salakhutdinov 2015).
import * as tfl from '@tensorflow/tfjs-layers';
import { SEED_OFFSET } from '../layers/seeds.js';
import { UserError } from '../errors.js';
import { Autoencoder } from './autoencoder.js';
import type { ModelParts } from './types.js';

import type { RecurrentCell } from './choices.js';

export { RECURRENT_CELLS, type RecurrentCell } from './choices.js';

export interface SequenceAutoencoderConfig {
  kind: 'seq-ae';
  /** [time steps, features] of one window. */
  inputShape: number[];
  latentDim: number;
  /** Units of the recurrent layers. */
  units: number;
  cell: RecurrentCell;
  /** Per-window loss: mean squared error over steps and features. */
  loss: 'mse';
  seed: number;
}

export const SEQUENCE_AUTOENCODER: Omit<SequenceAutoencoderConfig, 'inputShape'> = { kind: 'seq-ae', latentDim: 8, units: 32, cell: 'lstm', loss: 'mse', seed: 1 };

function recurrent(cell: RecurrentCell, args: { units: number; returnSequences: boolean; seed: number; name: string; inputShape?: number[] }) {
  const init = { kernelInitializer: tfl.initializers.glorotUniform({ seed: args.seed }), recurrentInitializer: tfl.initializers.orthogonal({ seed: args.seed + SEED_OFFSET.recurrent }) };
  const common = { units: args.units, returnSequences: args.returnSequences, name: args.name, ...(args.inputShape && { inputShape: args.inputShape }), ...init };
  return cell === 'lstm' ? tfl.layers.lstm(common) : tfl.layers.gru(common);
}

export function createSequenceAutoencoder(config: SequenceAutoencoderConfig, parts: ModelParts = {}): Autoencoder {
  if (config.inputShape.length !== 2) {
    throw new UserError(`seq-ae needs windows [time steps, features]; give --window for a CSV time series (examples are [${config.inputShape}])`);
  }
  const [steps, features] = config.inputShape;
  const encoder = parts.encoder ?? tfl.sequential({
    name: 'encoder',
    layers: [
      recurrent(config.cell, { units: config.units, returnSequences: false, seed: config.seed, name: 'encoder_rnn', inputShape: [steps, features] }),
      tfl.layers.dense({ units: config.latentDim, kernelInitializer: tfl.initializers.glorotUniform({ seed: config.seed + SEED_OFFSET.sequenceCode }), name: 'code' }),
    ],
  });
  const decoder = parts.decoder ?? tfl.sequential({
    name: 'decoder',
    layers: [
      tfl.layers.repeatVector({ n: steps, inputShape: [config.latentDim], name: 'decoder_repeat' }),
      recurrent(config.cell, { units: config.units, returnSequences: true, seed: config.seed + SEED_OFFSET.decoder, name: 'decoder_rnn' }),
      tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: features, kernelInitializer: tfl.initializers.glorotUniform({ seed: config.seed + SEED_OFFSET.sequenceOutput }) }), name: 'decoder_output' }),
    ],
  });
  return new Autoencoder(config, encoder, decoder);
}
