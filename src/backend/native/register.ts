// Registers the `native` backend: a MathBackendCPU with every cpu kernel, whose hot kernels are replaced by native ones.
import * as tf from '../tfjs.js';
import { loadAddon, type NativeAddon } from './addon.js';
import { NativeBackend } from './native-backend.js';
import { matMulKernels } from './matmul.js';
import { elementwiseKernels } from './elementwise.js';
import { lossKernels } from './losses.js';
import { convKernels } from './conv.js';
import { layerKernels } from './layers.js';

export const NATIVE = 'native';

let registered: NativeAddon | undefined;

/** Registers the backend once; returns why it cannot when the addon is missing. */
export function registerNative(): { addon: NativeAddon } | { reason: string } {
  if (registered) return { addon: registered };
  const { addon, reason } = loadAddon();
  if (!addon) return { reason: reason! };
  tf.registerBackend(NATIVE, () => new NativeBackend(), 0);
  for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: NATIVE });
  for (const kernel of [...matMulKernels(addon), ...elementwiseKernels(addon), ...lossKernels(addon), ...convKernels(addon), ...layerKernels(addon)]) {
    if (tf.getKernel(kernel.kernelName, NATIVE)) tf.unregisterKernel(kernel.kernelName, NATIVE);
    tf.registerKernel(kernel);
  }
  registered = addon;
  return { addon };
}
