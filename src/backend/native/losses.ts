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
  const nll = (args: KernelArgs) => {
    const { logits, x } = args.inputs;
    const backend = args.backend as NativeBackend;
    const [rows, d] = logits.shape;
    const out = alloc(backend, rows);
    addon.bceLogitsRows(values(backend, logits), values(backend, x), out, rows, d);
    return output(backend, [rows], out);
  };
  const grad = (args: KernelArgs) => {
    const { logits, x, dy } = args.inputs;
    const backend = args.backend as NativeBackend;
    const [rows, d] = logits.shape;
    const out = alloc(backend, rows * d);
    addon.bceLogitsGrad(values(backend, logits), values(backend, x), values(backend, dy), out, rows, d);
    return output(backend, [rows, d], out);
  };
  const squaredError = (args: KernelArgs) => {
    const { prediction, x } = args.inputs;
    const backend = args.backend as NativeBackend;
    const [rows, d] = prediction.shape;
    const out = alloc(backend, rows);
    addon.squaredErrorRows(values(backend, prediction), values(backend, x), out, rows, d);
    return output(backend, [rows], out);
  };
  const squaredErrorGrad = (args: KernelArgs) => {
    const { prediction, x, dy } = args.inputs;
    const backend = args.backend as NativeBackend;
    const [rows, d] = prediction.shape;
    const out = alloc(backend, rows * d);
    addon.squaredErrorGrad(values(backend, prediction), values(backend, x), values(backend, dy), out, rows, d);
    return output(backend, [rows, d], out);
  };
  return [
    { kernelName: FUSED.squaredError, backendName: 'native', kernelFunc: squaredError as tf.KernelFunc },
    { kernelName: FUSED.squaredErrorGrad, backendName: 'native', kernelFunc: squaredErrorGrad as tf.KernelFunc },
    { kernelName: FUSED.bernoulliNll, backendName: 'native', kernelFunc: nll as tf.KernelFunc },
    { kernelName: FUSED.bernoulliNllGrad, backendName: 'native', kernelFunc: grad as tf.KernelFunc },
  ];
}
