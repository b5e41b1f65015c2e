// Shape checks between data, encoder and decoder, and reshaping flat batches to a model's input.
import * as tf from '../backend/tfjs.js';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { UserError } from '../errors.js';
import { featureCount } from '../data/dataset.js';

const describe = (shape: readonly (number | null)[]) => `[${shape.map((s) => s ?? '?').join(', ')}]`;

/** The shape of one example a model takes (its first input without the batch axis); every dimension must be known. */
export function exampleShape(model: LayersModel, role: string): number[] {
  check1(model.inputs.length === 1, `${role}: expected one input, found ${model.inputs.length}`);
  const shape = model.inputs[0].shape.slice(1);
  check1(shape.every((s) => s !== null), `${role}: input shape ${describe(model.inputs[0].shape)} has unknown dimensions`);
  return shape as number[];
}

/** The shape of one example a model returns (its only output). */
export function outputShape(model: LayersModel, role: string): number[] {
  check1(model.outputs.length === 1, `${role}: expected one output, found ${model.outputs.length}`);
  const shape = model.outputs[0].shape.slice(1);
  check1(shape.every((s) => s !== null), `${role}: output shape ${describe(model.outputs[0].shape)} has unknown dimensions`);
  return shape as number[];
}

function check1(condition: boolean, message: string): asserts condition {
  if (!condition) throw new UserError(message);
}

/**
 * Checks that a user's encoder takes the data's examples and a decoder maps [latentDim] back to as many features.
 * Conditional models feed `conditions` one-hot columns to both, after the example and after the code.
 */
export function checkParts(inputShape: number[], latentDim: number, encoder: LayersModel, decoder: LayersModel, codeDim?: number, conditions = 0): void {
  const d = featureCount(inputShape);
  const encIn = exampleShape(encoder, 'encoder');
  check1(featureCount(encIn) === d + conditions, conditions
    ? `encoder takes ${describe(encIn)} but examples with their one-hot labels have ${d + conditions} values`
    : `encoder takes ${describe(encIn)} but the data's examples are ${describe(inputShape)}`);
  if (codeDim !== undefined) {
    const encOut = outputShape(encoder, 'encoder');
    check1(featureCount(encOut) === codeDim, `encoder returns ${describe(encOut)} but latentDim is ${codeDim}`);
  }
  const decIn = exampleShape(decoder, 'decoder');
  check1(decIn.length === 1 && decIn[0] === latentDim + conditions, `decoder takes ${describe(decIn)} but codes are [${latentDim + conditions}]`);
  const decOut = outputShape(decoder, 'decoder');
  check1(featureCount(decOut) === d, `decoder returns ${describe(decOut)} but the data's examples are ${describe(inputShape)} (${d} values)`);
}

/** Reshapes flat rows [batch, D] to the model's input shape [batch, ...shape] when that is not flat. */
export function toModelInput(x: tf.Tensor2D, model: LayersModel): tf.Tensor {
  const shape = model.inputs[0].shape.slice(1) as number[];
  return shape.length === 1 ? x : x.reshape([x.shape[0], ...shape]);
}

/** Flattens a model output to [batch, D]. */
export function flatRows(y: tf.Tensor): tf.Tensor2D {
  return y.rank === 2 ? (y as tf.Tensor2D) : y.reshape([y.shape[0], -1]);
}
