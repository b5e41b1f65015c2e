// Registers the `native` backend: a MathBackendCPU with every cpu kernel, whose hot kernels are replaced by native ones.
import * as tf from '../tfjs.js';
import { loadAddon, type NativeAddon } from './addon.js';
import { NativeBackend } from './native-backend.js';
import { matMulKernels } from './matmul.js';
import { elementwiseKernels } from './elementwise.js';
import { copyKernels } from './copies.js';
import { lossKernels } from './losses.js';
import { convKernels } from './conv.js';
import { layerKernels } from './layers.js';
import { useBatchRows } from '../../data/batch-rows.js';
import { useNormalFiller } from '../../train/rng.js';

export const NATIVE = 'native';

let registered: NativeAddon | undefined;

/** Registers the backend once; returns why it cannot when the addon is missing. */
export function registerNative(): { addon: NativeAddon } | { reason: string } {
  if (registered) return { addon: registered };
  const { addon, reason } = loadAddon();
  if (!addon) return { reason: reason! };
  tf.registerBackend(NATIVE, () => new NativeBackend(), 0);
  for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: NATIVE });
  for (const kernel of [...matMulKernels(addon), ...elementwiseKernels(addon), ...copyKernels(addon), ...lossKernels(addon), ...convKernels(addon), ...layerKernels(addon)]) {
    if (tf.getKernel(kernel.kernelName, NATIVE)) tf.unregisterKernel(kernel.kernelName, NATIVE);
    tf.registerKernel(kernel);
  }
  // Batches come from the pool when native is the active backend, and are converted natively on any backend.
  useBatchRows({
    alloc: (length) => {
      const backend = tf.backend();
      return backend instanceof NativeBackend ? backend.alloc(length) : new Float32Array(length);
    },
    unitRows: (src, d, order, start, n, out, width) => addon.unitRows(src, d, order ?? null, start, n, out, width),
  });
  useNormalFiller((state, out) => addon.normalPairs(state, out), (states, out, width) => addon.rowNormalPairs(states, out, width));
  registered = addon;
  return { addon };
}
