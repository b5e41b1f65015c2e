// Dense stacks: the default encoder and decoder bodies, seeded so the same seed gives the same weights.
import * as tfl from '@tensorflow/tfjs-layers';
import type { Activation } from '../models/choices.js';

export interface DenseStackArgs {
  /** Width of the input vector. */
  inputDim: number;
  /** Units of each hidden layer, in order. */
  hiddenUnits: number[];
  activation: Activation;
  /** A last layer with its own activation (the code, or the reconstruction); omitted for a body only. */
  output?: { units: number; activation: Activation };
  name: string;
  seed: number;
}

/** Dense(h₁, act) → … → Dense(hₙ, act) [→ Dense(out, outAct)], Glorot-uniform weights and zero biases. */
export function denseStack(args: DenseStackArgs): tfl.LayersModel {
  const input = tfl.input({ shape: [args.inputDim], name: `${args.name}_input` });
  let h: tfl.SymbolicTensor = input;
  const layers = [...args.hiddenUnits.map((units) => ({ units, activation: args.activation })), ...(args.output ? [args.output] : [])];
  layers.forEach((spec, i) => {
    const last = args.output && i === layers.length - 1;
    h = tfl.layers.dense({
      units: spec.units,
      activation: spec.activation,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: args.seed + i }),
      name: last ? `${args.name}_output` : `${args.name}_dense${i + 1}`,
    }).apply(h) as tfl.SymbolicTensor;
  });
  return tfl.model({ inputs: input, outputs: h, name: args.name });
}

/** A Dense head (e.g. μ or logvar of q(z|x)) on top of a symbolic tensor. */
export function denseHead(on: tfl.SymbolicTensor, units: number, name: string, seed: number): tfl.SymbolicTensor {
  return tfl.layers.dense({ units, kernelInitializer: tfl.initializers.glorotUniform({ seed }), name }).apply(on) as tfl.SymbolicTensor;
}
