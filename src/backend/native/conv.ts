// Conv2D, FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter as im2col + one GEMM (NHWC, any stride,
// padding and dilation); transposed convolutions run on Conv2DBackpropInput.
import * as tf from '../tfjs.js';
import { FUSED } from '../fused.js';
import type { NativeAddon } from './addon.js';
import { alloc, allFloat, output, release, sizeOf, values, type KernelArgs } from './tensors.js';

const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, sigmoid: 2, elu: 3, relu6: 4, leakyrelu: 5 };

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function convInfo(xShape: number[], filterShape: number[], a: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape as [number, number, number, number],
    a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
}

/** Rows of the patch matrix (output pixels over the batch) and the length of one patch. */
function patchSizes(i: tf.backend_util.Conv2DInfo): { rows: number; patch: number } {
  return { rows: i.batchSize * i.outHeight * i.outWidth, patch: i.filterHeight * i.filterWidth * i.inChannels };
}

function shapeOf(i: tf.backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([i.batchSize, i.inHeight, i.inWidth, i.inChannels, i.filterHeight, i.filterWidth, i.strideHeight,
    i.strideWidth, i.dilationHeight, i.dilationWidth, i.padInfo.top, i.padInfo.left, i.outHeight, i.outWidth]);
}

/**
 * The patch matrix of the last forward convolution of each input, kept for its filter gradient: in training, the
 * backward pass needs the same im2col(x) again. Keyed by the input's data (immutable while alive) and the geometry;
 * the filter gradient gives the array back to the pool.
 */
const patchCache = new WeakMap<object, { key: string; cols: Float32Array }>();
const geometry = (i: tf.backend_util.Conv2DInfo) => shapeOf(i).join(',');

export function convKernels(addon: NativeAddon): tf.KernelConfig[] {
  const cpu = (name: string) => tf.getKernel(name, 'cpu')!.kernelFunc;

  const patches = (backend: tf.KernelBackend, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): Float32Array => {
    const { rows, patch } = patchSizes(info);
    const cols = alloc(backend, rows * patch);
    addon.im2col(values(backend as never, x), cols, shapeOf(info));
    return cols;
  };

  /** Output [n, oh, ow, outC] = im2col(x) · filter[fh·fw·c, outC]. */
  const forward = (args: KernelArgs, x: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): Float32Array => {
    const backend = args.backend;
    const { rows, patch } = patchSizes(info);
    const cols = patches(backend, x, info);
    const out = alloc(backend, rows * info.outChannels);
    addon.gemm(cols, values(backend as never, filter), out, 1, rows, info.outChannels, patch, false, false, 0, 0, 0);
    const previous = patchCache.get(x.dataId);
    if (previous) release(backend, previous.cols);
    patchCache.set(x.dataId, { key: geometry(info), cols });
    return out;
  };

  const conv2d = (args: KernelArgs) => {
    const { x, filter } = args.inputs;
    const attrs = args.attrs as unknown as ConvAttrs;
    if (!allFloat(x, filter) || attrs.dataFormat !== 'NHWC') return cpu('Conv2D')(args as never) as tf.TensorInfo;
    const info = convInfo(x.shape, filter.shape, attrs);
    return output(args.backend as never, info.outShape, forward(args, x, filter, info));
  };

  const fusedConv2d = (args: KernelArgs) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const attrs = args.attrs as unknown as ConvAttrs & { activation: string; leakyreluAlpha?: number };
    const act = ACTIVATIONS[attrs.activation];
    const plain = allFloat(x, filter, bias) && attrs.dataFormat === 'NHWC' && act !== undefined && !preluActivationWeights;
    const info = plain ? convInfo(x!.shape, filter!.shape, attrs) : undefined;
    if (!info || (bias && sizeOf(bias.shape) !== info.outChannels)) return cpu('FusedConv2D')(args as never) as tf.TensorInfo;
    const out = forward(args, x!, filter!, info);
    addon.biasActivation(out, bias ? values(args.backend as never, bias) : null, patchSizes(info).rows,
      info.outChannels, act, attrs.leakyreluAlpha ?? 0.2);
    return output(args.backend as never, info.outShape, out);
  };

  /** dx = col2im(dy · filterᵀ): the gradient of a convolution for its input, and a transposed convolution. */
  const backpropInput = (args: KernelArgs) => {
    const { dy, filter } = args.inputs;
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    if (!allFloat(dy, filter) || attrs.dataFormat !== 'NHWC') return cpu('Conv2DBackpropInput')(args as never) as tf.TensorInfo;
    const info = convInfo(attrs.inputShape, filter.shape, { ...attrs, dilations: 1 });
    const backend = args.backend;
    const { rows, patch } = patchSizes(info);
    const cols = alloc(backend, rows * patch);
    addon.gemm(values(backend as never, dy), values(backend as never, filter), cols, 1, rows, patch, info.outChannels, false, true, 0, 0, 0);
    const dx = alloc(backend, sizeOf(info.inShape));
    addon.col2im(cols, dx, shapeOf(info));
    release(backend, cols);
    return output(backend as never, info.inShape, dx);
  };

  /** dFilter = im2col(x)ᵀ · dy. */
  const backpropFilter = (args: KernelArgs) => {
    const { x, dy } = args.inputs;
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
    if (!allFloat(x, dy) || attrs.dataFormat !== 'NHWC') return cpu('Conv2DBackpropFilter')(args as never) as tf.TensorInfo;
    const info = convInfo(x.shape, attrs.filterShape, { ...attrs, dilations: 1 });
    const backend = args.backend;
    const { rows, patch } = patchSizes(info);
    const cached = patchCache.get(x.dataId);
    const cols = cached?.key === geometry(info) ? cached.cols : patches(backend, x, info);
    patchCache.delete(x.dataId);
    const dw = alloc(backend, patch * info.outChannels);
    addon.gemm(cols, values(backend as never, dy), dw, 1, patch, info.outChannels, rows, true, false, 0, 0, 0);
    release(backend, cols);
    return output(backend as never, attrs.filterShape, dw);
  };

  /** The layer kernels: one call for convolution, bias and activation (their gradients are in layers.ts). */
  const layerConv = (args: KernelArgs) => {
    const { x, filter, bias } = args.inputs;
    const { strides, pad, activation } = args.attrs as unknown as { strides: [number, number]; pad: 'same' | 'valid'; activation: string };
    const info = convInfo(x.shape, filter.shape, { strides, pad, dataFormat: 'NHWC' });
    const out = forward(args, x, filter, info);
    addon.biasActivation(out, values(args.backend as never, bias), patchSizes(info).rows, info.outChannels,
      ACTIVATIONS[activation], 0.2);
    return output(args.backend as never, info.outShape, out);
  };
  const layerConvTranspose = (args: KernelArgs) => {
    const { x, filter, bias } = args.inputs;
    const { outputShape, strides, pad, activation } = args.attrs as unknown as { outputShape: number[]; strides: [number, number]; pad: 'same' | 'valid'; activation: string };
    const y = backpropInput({ ...args, inputs: { dy: x, filter }, attrs: { inputShape: outputShape, strides, pad, dataFormat: 'NHWC' } });
    const out = (args.backend as unknown as { data: { get(id: object): { values: Float32Array } } }).data.get(y.dataId).values;
    addon.biasActivation(out, values(args.backend as never, bias), sizeOf(outputShape) / outputShape[3], outputShape[3], ACTIVATIONS[activation], 0.2);
    return y;
  };

  return [
    { kernelName: FUSED.conv2d, backendName: 'native', kernelFunc: layerConv as tf.KernelFunc },
    { kernelName: FUSED.conv2dTranspose, backendName: 'native', kernelFunc: layerConvTranspose as tf.KernelFunc },
    { kernelName: 'Conv2D', backendName: 'native', kernelFunc: conv2d as tf.KernelFunc },
    { kernelName: 'FusedConv2D', backendName: 'native', kernelFunc: fusedConv2d as tf.KernelFunc },
    { kernelName: 'Conv2DBackpropInput', backendName: 'native', kernelFunc: backpropInput as tf.KernelFunc },
    { kernelName: 'Conv2DBackpropFilter', backendName: 'native', kernelFunc: backpropFilter as tf.KernelFunc },
  ];
}
