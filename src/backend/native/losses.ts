// Fused reconstruction losses: the Bernoulli NLL on logits and the squared error, each with its gradient, one pass each.
import type { NativeBackend } from './native-backend.js';
import * as tf from '../tfjs.js';
import { FUSED } from '../fused.js';
import type { NativeAddon } from './addon.js';
import { alloc, output, values, type KernelArgs } from './tensors.js';

let gradientRegistered = false;

export function lossKernels(addon: NativeAddon): tf.KernelConfig[] {
  if (!gradientRegistered) {
    tf.registerGradient({
      kernelName: FUSED.bernoulliNll,
      inputsToSave: ['logits', 'x'],
      gradFunc: (dy, saved) => {
        const [logits, x] = saved;
        return {
          logits: () => tf.engine().runKernel(FUSED.bernoulliNllGrad, { logits, x, dy: dy as tf.Tensor }) as tf.Tensor,
          // ∂/∂x of max(l, 0) − l·x + log(1 + e^−|l|) is −l.
          x: () => tf.mul(tf.neg(logits), tf.expandDims(dy as tf.Tensor, 1)),
        };
      },
    });
    tf.registerGradient({
      kernelName: FUSED.squaredError,
      inputsToSave: ['prediction', 'x'],
      gradFunc: (dy, saved) => {
        const [prediction, x] = saved;
        const dPrediction = () => tf.engine().runKernel(FUSED.squaredErrorGrad, { prediction, x, dy: dy as tf.Tensor }) as tf.Tensor;
        return { prediction: dPrediction, x: () => tf.neg(dPrediction()) };
      },
    });
    gradientRegistered = true;
  }
  type RowsFn = (a: Float32Array, b: Float32Array, out: Float32Array, rows: number, d: number) => void;
  type GradFn = (a: Float32Array, b: Float32Array, dy: Float32Array, out: Float32Array, rows: number, d: number) => void;
  /** A per-row loss of two [rows, d] inputs → [rows], and its gradient kernel (same inputs and dy [rows] → [rows, d]). */
  const rowLoss = (first: string, lossName: string, gradName: string, rowsFn: RowsFn, gradFn: GradFn): tf.KernelConfig[] => [
    {
      kernelName: lossName, backendName: 'native',
      kernelFunc: (({ inputs, backend }: KernelArgs) => {
        const [rows, d] = inputs[first].shape;
        const out = alloc(backend, rows);
        rowsFn(values(backend as NativeBackend, inputs[first]), values(backend as NativeBackend, inputs.x), out, rows, d);
        return output(backend as NativeBackend, [rows], out);
      }) as tf.KernelFunc,
    },
    {
      kernelName: gradName, backendName: 'native',
      kernelFunc: (({ inputs, backend }: KernelArgs) => {
        const [rows, d] = inputs[first].shape;
        const out = alloc(backend, rows * d);
        const v = (t: tf.TensorInfo) => values(backend as NativeBackend, t);
        gradFn(v(inputs[first]), v(inputs.x), v(inputs.dy), out, rows, d);
        return output(backend as NativeBackend, [rows, d], out);
      }) as tf.KernelFunc,
    },
  ];
  return [
    ...rowLoss('logits', FUSED.bernoulliNll, FUSED.bernoulliNllGrad, addon.bceLogitsRows, addon.bceLogitsGrad),
    ...rowLoss('prediction', FUSED.squaredError, FUSED.squaredErrorGrad, addon.squaredErrorRows, addon.squaredErrorGrad),
  ];
}
