// Fused model-level kernels with their own gradients: dense and convolution layers, and the VAE's Gaussian head.
import * as tf from '../tfjs.js';
import { FUSED, FUSED_DENSE_ACTIVATIONS } from '../fused.js';
import type { NativeAddon } from './addon.js';
import { alloc, output, release, values, type KernelArgs } from './tensors.js';

let gradientsRegistered = false;

/** Whether a fused layer's activation is the identity (its activation gradient is then dy itself). */
const isLinear = (attrs: unknown) => ((attrs as { activation?: string }).activation ?? 'linear') === 'linear';

/** y = act(x·W + b): dz = dy ⊙ act'(y), then dx = dz·Wᵀ, dW = xᵀ·dz, db = Σ_rows dz, each computed only when needed. */
function registerGradients(): void {
  tf.registerGradient({
    kernelName: FUSED.dense,
    inputsToSave: ['x', 'kernel'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, kernel, y] = saved;
      const linear = isLinear(attrs);
      const dz = linear ? dy as tf.Tensor : tf.engine().runKernel(FUSED.activationGrad, { y, dy: dy as tf.Tensor }, attrs as tf.NamedAttrMap) as tf.Tensor;
      return {
        x: () => tf.engine().runKernel('BatchMatMul', { a: dz, b: kernel }, { transposeA: false, transposeB: true }) as tf.Tensor,
        kernel: () => tf.engine().runKernel('BatchMatMul', { a: x, b: dz }, { transposeA: true, transposeB: false }) as tf.Tensor,
        bias: () => tf.sum(dz, 0),
      };
    },
  });
  // Two dense layers on one input: their pre-activation gradients side by side make one product for dx and one for
  // both kernels (split afterwards), instead of two each and a sum.
  tf.registerGradient({
    kernelName: FUSED.densePair,
    inputsToSave: ['x', 'kernelA', 'kernelB'],
    outputsToSave: [true, true],
    gradFunc: (dys, saved, attrs) => {
      const [x, kernelA, kernelB, yA, yB] = saved;
      const linear = isLinear(attrs);
      const dz = [yA, yB].map((y, i) => {
        const dy = (dys as (tf.Tensor | null)[])[i] ?? tf.zerosLike(y);
        return linear ? dy : tf.engine().runKernel(FUSED.activationGrad, { y, dy }, attrs as tf.NamedAttrMap) as tf.Tensor;
      });
      const dzBoth = tf.concat(dz, 1);
      const dKernels = tf.engine().runKernel('BatchMatMul', { a: x, b: dzBoth }, { transposeA: true, transposeB: false }) as tf.Tensor;
      const a = kernelA.shape[1] as number;
      return {
        x: () => tf.engine().runKernel('BatchMatMul', { a: dzBoth, b: tf.concat([kernelA, kernelB], 1) }, { transposeA: false, transposeB: true }) as tf.Tensor,
        kernelA: () => tf.slice(dKernels, [0, 0], [-1, a]),
        biasA: () => tf.sum(dz[0], 0),
        kernelB: () => tf.slice(dKernels, [0, a], [-1, -1]),
        biasB: () => tf.sum(dz[1], 0),
      };
    },
  });
  // Convolution layers: dz = dy ⊙ act'(y); the input and filter gradients are the transposed products.
  const convGradient = (kernelName: string, dx: (dz: tf.Tensor, x: tf.Tensor, filter: tf.Tensor, conv: tf.NamedAttrMap) => tf.Tensor,
    dFilter: (dz: tf.Tensor, x: tf.Tensor, filter: tf.Tensor, conv: tf.NamedAttrMap) => tf.Tensor) => tf.registerGradient({
    kernelName,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved;
      const { strides, pad } = attrs as { strides: [number, number]; pad: string };
      const dz = tf.engine().runKernel(FUSED.activationGrad, { y, dy: dy as tf.Tensor }, attrs as tf.NamedAttrMap) as tf.Tensor;
      const conv = { strides, pad, dataFormat: 'NHWC' };
      return { x: () => dx(dz, x, filter, conv), filter: () => dFilter(dz, x, filter, conv), bias: () => tf.sum(dz, [0, 1, 2]) };
    },
  });
  const run = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap) => tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
  convGradient(FUSED.conv2d,
    (dz, x, filter, conv) => run('Conv2DBackpropInput', { dy: dz, filter }, { ...conv, inputShape: x.shape }),
    (dz, x, filter, conv) => run('Conv2DBackpropFilter', { x, dy: dz }, { ...conv, filterShape: filter.shape }));
  convGradient(FUSED.conv2dTranspose,
    (dz, _x, filter, conv) => run('Conv2D', { x: dz, filter }, { ...conv, dilations: 1 }),
    (dz, x, filter, conv) => run('Conv2DBackpropFilter', { x: dz, dy: x }, { ...conv, filterShape: filter.shape }));
  tf.registerGradient({
    kernelName: FUSED.gaussianHead,
    inputsToSave: ['mu', 'logvar', 'eps'],
    gradFunc: (dys, saved, attrs) => {
      const [mu, logvar, eps] = saved;
      const [dz, dkl] = dys as tf.Tensor[];
      const [dmu, dlogvar] = tf.engine().runKernel(FUSED.gaussianHeadGrad, { mu, logvar, eps, dz, dkl }, attrs as tf.NamedAttrMap) as tf.Tensor[];
      return { mu: () => dmu, logvar: () => dlogvar, eps: () => tf.zerosLike(eps) };
    },
  });
  gradientsRegistered = true;
}

export function layerKernels(addon: NativeAddon): tf.KernelConfig[] {
  if (!gradientsRegistered) registerGradients();
  const activationCode = (attrs: tf.NamedAttrMap | undefined) => FUSED_DENSE_ACTIVATIONS[(attrs?.activation as string) ?? 'linear'];

  const dense = ({ inputs, backend, attrs }: KernelArgs) => {
    const { x, kernel, bias } = inputs;
    const [rows, k] = x.shape;
    const n = kernel.shape[1];
    const out = alloc(backend, rows * n);
    addon.gemm(values(backend as never, x), values(backend as never, kernel), out, 1, rows, n, k, false, false, 0, 0, 0,
      values(backend as never, bias), activationCode(attrs), 0);
    return output(backend as never, [rows, n], out);
  };
  const densePair = ({ inputs, backend, attrs }: KernelArgs) => {
    const { x, kernelA, biasA, kernelB, biasB } = inputs;
    const [rows, k] = x.shape;
    const [a, b] = [kernelA.shape[1], kernelB.shape[1]];
    const v = (t: tf.TensorInfo) => values(backend as never, t);
    const kernel = alloc(backend, k * (a + b));
    addon.concatColumns(v(kernelA), a, v(kernelB), b, k, kernel);
    const bias = alloc(backend, a + b);
    addon.concatColumns(v(biasA), a, v(biasB), b, 1, bias);
    const both = alloc(backend, rows * (a + b));
    addon.gemm(v(x), kernel, both, 1, rows, a + b, k, false, false, 0, 0, 0, bias, activationCode(attrs), 0);
    const [yA, yB] = [alloc(backend, rows * a), alloc(backend, rows * b)];
    addon.splitColumns(both, rows, a, b, yA, yB);
    [kernel, bias, both].forEach((scratch) => release(backend, scratch));
    return [output(backend as never, [rows, a], yA), output(backend as never, [rows, b], yB)];
  };
  const activationGrad = ({ inputs, backend, attrs }: KernelArgs) => {
    const { y, dy } = inputs;
    const out = alloc(backend, y.shape.reduce((a, b) => a * b, 1));
    addon.activationGrad(values(backend as never, y), values(backend as never, dy), out, out.length, activationCode(attrs));
    return output(backend as never, y.shape, out);
  };
  const gaussianHead = ({ inputs, backend, attrs }: KernelArgs) => {
    const { mu, logvar, eps } = inputs;
    const [rows, k] = mu.shape;
    const z = alloc(backend, rows * k);
    const kl = alloc(backend, rows);
    addon.gaussianHead(values(backend as never, mu), values(backend as never, logvar), values(backend as never, eps), z, kl, rows, k,
      attrs!.min as number, attrs!.max as number);
    return [output(backend as never, [rows, k], z), output(backend as never, [rows], kl)];
  };
  const gaussianHeadGrad = ({ inputs, backend, attrs }: KernelArgs) => {
    const { mu, logvar, eps, dz, dkl } = inputs;
    const [rows, k] = mu.shape;
    const dmu = alloc(backend, rows * k);
    const dlogvar = alloc(backend, rows * k);
    const v = (t: tf.TensorInfo) => values(backend as never, t);
    addon.gaussianHeadGrad(v(mu), v(logvar), v(eps), v(dz), v(dkl), dmu, dlogvar, rows, k, attrs!.min as number, attrs!.max as number);
    return [output(backend as never, [rows, k], dmu), output(backend as never, [rows, k], dlogvar)];
  };
  return [
    { kernelName: FUSED.dense, backendName: 'native', kernelFunc: dense as tf.KernelFunc },
    { kernelName: FUSED.densePair, backendName: 'native', kernelFunc: densePair as unknown as tf.KernelFunc },
    { kernelName: FUSED.activationGrad, backendName: 'native', kernelFunc: activationGrad as tf.KernelFunc },
    { kernelName: FUSED.gaussianHead, backendName: 'native', kernelFunc: gaussianHead as unknown as tf.KernelFunc },
    { kernelName: FUSED.gaussianHeadGrad, backendName: 'native', kernelFunc: gaussianHeadGrad as unknown as tf.KernelFunc },
  ];
}
