// ONNX export of a run's encoder and decoder (onnx-proto's protobuf messages), for ONNX Runtime in any language.
// Inputs and outputs are in the data's own units, as LatentModel's: the run's scaling is folded into the graphs, a
// Bernoulli decoder ends in its sigmoid, a VAE encoder gives μ and the clamped log-variance. Dense layers export as
// MatMul + Add + the activation, convolutions as Conv / ConvTranspose in channels-first order between transposes (so
// values flatten in tfjs's channels-last order), LSTM and GRU layers as ONNX's LSTM and GRU (the sequence autoencoder);
// a layer with no ONNX form here is an error that names it.
import onnxProto from 'onnx-proto';
import type * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../errors.js';
import { LOGVAR_RANGE } from '../objectives/gaussian.js';
import { featureCount } from '../data/dataset.js';
import { isLatentVariable, type AutoencoderModel } from '../models/types.js';
import type { RunManifest } from './run-manifest.js';

const { onnx } = onnxProto;
const FLOAT = 1;
const OPSET = 17;

type Node = { opType: string; input: string[]; output: string[]; attribute?: object[] };

/** A graph under construction: nodes, initializers (weights), and fresh tensor names. */
class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: object[] = [];
  private count = 0;

  name(prefix: string): string {
    return `${prefix}_${this.count++}`;
  }

  constant(prefix: string, values: Float32Array, dims: number[]): string {
    const name = this.name(prefix);
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)) });
    return name;
  }

  /** An int64 initializer (shapes for Reshape). */
  int64(prefix: string, values: number[]): string {
    const name = this.name(prefix);
    const bytes = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: 7, rawData: new Uint8Array(bytes.buffer) });
    return name;
  }

  op(opType: string, input: string[], attribute?: object[]): string {
    return this.ops(opType, input, 1, attribute)[0];
  }

  /** A node with `outputs` outputs (LSTM's Y, Y_h, Y_c). */
  ops(opType: string, input: string[], outputs: number, attribute?: object[]): string[] {
    const output = Array.from({ length: outputs }, () => this.name(opType.toLowerCase()));
    this.nodes.push({ opType, input, output, ...(attribute && { attribute }) });
    return output;
  }
}

const floatAttr = (name: string, f: number) => ({ name, type: 1, f });

/** The activation `name` applied to `x`. */
function activation(g: GraphBuilder, x: string, name: string, layer: string): string {
  switch (name) {
    case 'linear': return x;
    case 'relu': return g.op('Relu', [x]);
    case 'sigmoid': return g.op('Sigmoid', [x]);
    case 'tanh': return g.op('Tanh', [x]);
    case 'elu': return g.op('Elu', [x], [floatAttr('alpha', 1)]);
    // tfjs's selu and ONNX's use the same constants (Klambauer et al. 2017).
    case 'selu': return g.op('Selu', [x], [floatAttr('alpha', 1.6732632423543772), floatAttr('gamma', 1.0507009873554805)]);
    case 'softplus': return g.op('Softplus', [x]);
    case 'swish': return g.op('Mul', [x, g.op('Sigmoid', [x])]);
    case 'gelu': {
      // 0.5·x·(1 + erf(x/√2)), tfjs-layers' exact gelu.
      const erf = g.op('Erf', [g.op('Mul', [x, g.constant('inv_sqrt2', Float32Array.of(Math.SQRT1_2), [])])]);
      const half = g.op('Mul', [x, g.constant('half', Float32Array.of(0.5), [])]);
      return g.op('Mul', [half, g.op('Add', [erf, g.constant('one', Float32Array.of(1), [])])]);
    }
    default: throw new UserError(`layer '${layer}': activation '${name}' has no ONNX export here`);
  }
}

/** The layer classes this exporter writes, and models it reads through (a Sequential used as a layer). */
const EXPORTABLE = new Set(['InputLayer', 'Dense', 'Flatten', 'Reshape', 'Conv2D', 'Conv2DTranspose', 'LSTM', 'GRU', 'RepeatVector', 'TimeDistributed']);
const NESTED = new Set(['Sequential', 'Model', 'Functional']);

type GraphLayer = tfl.layers.Layer & { inboundNodes: { inboundLayers: tfl.layers.Layer[]; inputShapes: unknown }[] };

/**
 * How a tensor's values are laid out: flat rows, images channels-last (tfjs) or channels-first (ONNX's Conv), or
 * sequences [batch, steps, features].
 */
type Layout = 'flat' | 'nhwc' | 'nchw' | 'seq';

const intsAttr = (name: string, ints: number[]) => ({ name, type: 7, ints });
const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

/** `values` of shape `dims` with its axes permuted by `perm` (a 4-D kernel from tfjs's layout to ONNX's). */
function permute4(values: Float32Array, dims: number[], perm: number[]): { values: Float32Array; dims: number[] } {
  const out = new Float32Array(values.length);
  const outDims = perm.map((p) => dims[p]);
  const stride = [dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1];
  let o = 0;
  const idx = [0, 0, 0, 0];
  for (idx[0] = 0; idx[0] < outDims[0]; idx[0]++) {
    for (idx[1] = 0; idx[1] < outDims[1]; idx[1]++) {
      for (idx[2] = 0; idx[2] < outDims[2]; idx[2]++) {
        for (idx[3] = 0; idx[3] < outDims[3]; idx[3]++) {
          let src = 0;
          for (let a = 0; a < 4; a++) src += idx[a] * stride[perm[a]];
          out[o++] = values[src];
        }
      }
    }
  }
  return { values: out, dims: outDims };
}

/**
 * The padding tfjs's 'same' gives a stride-s convolution over `size` inputs with a k-wide kernel, as ONNX's
 * [begin, end] (TensorFlow puts the odd pixel at the end).
 */
function samePadding(size: number, k: number, s: number): [number, number] {
  const total = Math.max((Math.ceil(size / s) - 1) * s + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** ONNX's names of the recurrent activations tfjs uses (HardSigmoid's defaults, α 0.2 and β 0.5, are tfjs's). */
const RNN_ACTIVATIONS: Record<string, string> = { tanh: 'Tanh', sigmoid: 'Sigmoid', hardSigmoid: 'HardSigmoid', relu: 'Relu' };

/**
 * A tfjs [rows, gates·u] matrix (columns per gate) as ONNX's [gates·u, rows] with the gates in the order `order`
 * (indices into tfjs's gates).
 */
function gateMatrix(values: Float32Array, rows: number, units: number, order: number[]): Float32Array {
  const gates = order.length;
  const out = new Float32Array(gates * units * rows);
  order.forEach((gate, g) => {
    for (let u = 0; u < units; u++) {
      for (let r = 0; r < rows; r++) out[(g * units + u) * rows + r] = values[r * gates * units + gate * units + u];
    }
  });
  return out;
}

/**
 * An LSTM or GRU layer over [batch, steps, features]: ONNX's LSTM (gates i, o, f, c from tfjs's i, f, c, o) or GRU (z, r,
 * h as tfjs, reset before the recurrent product as tfjs computes it), run time-major between transposes. Returns the
 * whole sequence [batch, steps, units] or the last state [batch, units].
 */
function recurrentLayer(g: GraphBuilder, layer: tfl.layers.Layer, x: string, className: 'LSTM' | 'GRU'): { name: string; layout: Layout } {
  const config = layer.getConfig();
  if (config.goBackwards || config.stateful || config.returnState || config.resetAfter) {
    throw new UserError(`layer '${layer.name}' (${className}): backwards, stateful, state-returning or reset-after layers have no ONNX export here`);
  }
  const units = config.units as number;
  const [kernel, recurrentKernel, bias] = layer.getWeights();
  const inputDim = kernel.shape[0];
  const order = className === 'LSTM' ? [0, 3, 1, 2] : [0, 1, 2];
  const gates = order.length;
  const w = g.constant(`${layer.name}_W`, gateMatrix(kernel.dataSync() as Float32Array, inputDim, units, order), [1, gates * units, inputDim]);
  const r = g.constant(`${layer.name}_R`, gateMatrix(recurrentKernel.dataSync() as Float32Array, units, units, order), [1, gates * units, units]);
  // B is [Wb, Rb]: tfjs has one bias, added with the input product; the recurrent half is zero.
  const b = new Float32Array(2 * gates * units);
  if (bias) b.set(gateMatrix(bias.dataSync() as Float32Array, 1, units, order));
  const activations = [config.recurrentActivation, config.activation, ...(className === 'LSTM' ? [config.activation] : [])].map((a) => {
    const onnxName = RNN_ACTIVATIONS[a as string];
    if (!onnxName) throw new UserError(`layer '${layer.name}' (${className}): activation '${String(a)}' has no ONNX export here`);
    return new TextEncoder().encode(onnxName);
  });
  const timeMajor = g.op('Transpose', [x], [intsAttr('perm', [1, 0, 2])]);
  const [y, lastH] = g.ops(className, [timeMajor, w, r, g.constant(`${layer.name}_B`, b, [1, 2 * gates * units])], className === 'LSTM' ? 3 : 2, [
    { name: 'hidden_size', type: 2, i: units }, { name: 'activations', type: 8, strings: activations },
  ]);
  if (!config.returnSequences) return { name: g.op('Squeeze', [lastH, g.int64('axis0', [0])]), layout: 'flat' };
  // Y is [steps, directions, batch, units].
  return { name: g.op('Transpose', [g.op('Squeeze', [y, g.int64('axis1', [1])])], [intsAttr('perm', [1, 0, 2])]), layout: 'seq' };
}

/** The layers model's graph from tensor `input`; returns the ONNX names of the model's outputs, in order. */
function layersGraph(g: GraphBuilder, model: tfl.LayersModel, input: string, inputLayout: Layout): string[] {
  const names = new Map<string, { name: string; layout: Layout }>();
  const as = (t: { name: string; layout: Layout }, layout: 'nhwc' | 'nchw'): string => {
    if (t.layout === layout) return t.name;
    if (t.layout === 'seq') throw new UserError('a sequence feeds an image layer; no ONNX export here');
    return g.op('Transpose', [t.name], [intsAttr('perm', layout === 'nchw' ? NHWC_TO_NCHW : NCHW_TO_NHWC)]);
  };
  // A Sequential model lists no InputLayer: its input is named by the model's own input.
  names.set(model.inputs[0].sourceLayer.name, { name: input, layout: inputLayout });
  for (const layer of model.layers as GraphLayer[]) {
    const className = layer.getClassName();
    if (className === 'InputLayer') continue;
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (inbound.length !== 1) throw new UserError(`layer '${layer.name}' (${className}): layers with ${inbound.length} inputs have no ONNX export here`);
    const x = names.get(inbound[0].name)!;
    if (NESTED.has(className)) {
      // A model used as a layer (a Sequential encoder body): its graph, from this layer's input.
      const inner = layer as unknown as tfl.LayersModel;
      const [out] = layersGraph(g, inner, x.name, x.layout);
      names.set(layer.name, { name: out, layout: 'flat' });
      continue;
    }
    const config = layer.getConfig();
    const [kernel, bias] = layer.getWeights();
    if (className === 'LSTM' || className === 'GRU') {
      if (x.layout !== 'seq') throw new UserError(`layer '${layer.name}' (${className}) reads ${x.layout} values; it exports on sequences only`);
      names.set(layer.name, recurrentLayer(g, layer, x.name, className));
    } else if (className === 'RepeatVector') {
      // [batch, k] → [batch, n, k]: a unit axis, broadcast n times.
      const unit = g.op('Unsqueeze', [x.name, g.int64('axis1', [1])]);
      names.set(layer.name, { name: g.op('Expand', [unit, g.int64(`${layer.name}_shape`, [1, config.n as number, 1])]), layout: 'seq' });
    } else if (className === 'TimeDistributed') {
      // A Dense layer applied at every step: MatMul broadcasts over [batch, steps, units].
      const inner = config.layer as { className: string; config: Record<string, unknown> };
      if (inner.className !== 'Dense' || x.layout !== 'seq') throw new UserError(`layer '${layer.name}' (TimeDistributed ${inner.className}) has no ONNX export here`);
      let y = g.op('MatMul', [x.name, g.constant(`${layer.name}_kernel`, kernel.dataSync() as Float32Array, kernel.shape)]);
      if (bias) y = g.op('Add', [y, g.constant(`${layer.name}_bias`, bias.dataSync() as Float32Array, bias.shape)]);
      names.set(layer.name, { name: activation(g, y, inner.config.activation as string, layer.name), layout: 'seq' });
    } else if (className === 'Dense') {
      if (x.layout !== 'flat') throw new UserError(`layer '${layer.name}' (Dense) reads images; only Dense layers on flat rows export here`);
      let y = g.op('MatMul', [x.name, g.constant(`${layer.name}_kernel`, kernel.dataSync() as Float32Array, kernel.shape)]);
      if (bias) y = g.op('Add', [y, g.constant(`${layer.name}_bias`, bias.dataSync() as Float32Array, bias.shape)]);
      names.set(layer.name, { name: activation(g, y, config.activation as string, layer.name), layout: 'flat' });
    } else if (className === 'Flatten') {
      // tfjs flattens channels-last: back to NHWC first, so the values come out in the same order.
      names.set(layer.name, { name: g.op('Flatten', [x.layout === 'flat' ? x.name : as(x, 'nhwc')]), layout: 'flat' });
    } else if (className === 'Reshape') {
      const target = config.targetShape as number[];
      const dims = g.int64(`${layer.name}_shape`, [-1, ...target]);
      const source = x.layout === 'flat' ? x.name : g.op('Flatten', [as(x, 'nhwc')]);
      names.set(layer.name, { name: g.op('Reshape', [source, dims]), layout: target.length === 3 ? 'nhwc' : 'flat' });
    } else if (className === 'Conv2D' || className === 'Conv2DTranspose') {
      const transpose = className === 'Conv2DTranspose';
      const strides = config.strides as number[];
      const [kh, kw] = config.kernelSize as number[];
      const dilation = (config.dilationRate as number[] | number | undefined) ?? 1;
      if (config.dataFormat !== 'channelsLast' || [dilation].flat().some((v) => v !== 1)) {
        throw new UserError(`layer '${layer.name}' (${className}): only channels-last, undilated convolutions export here`);
      }
      // tfjs kernels: Conv2D [kh, kw, in, out], Conv2DTranspose [kh, kw, out, in]; ONNX: Conv [out, in, kh, kw],
      // ConvTranspose [in, out, kh, kw] — the same permutation for both.
      const w = permute4(kernel.dataSync() as Float32Array, kernel.shape, [3, 2, 0, 1]);
      const shapes = layer.inboundNodes[0].inputShapes as number[] | number[][];
      const [, h, wd] = (Array.isArray(shapes[0]) ? shapes[0] : shapes) as number[];
      let pads = [0, 0, 0, 0];
      if (config.padding === 'same') {
        if (transpose) {
          // tfjs's 'same' transposed convolution gives s·size: the full output cropped by max(k − s, 0), more at the end.
          const crop = (k: number, s: number): [number, number] => [Math.floor(Math.max(k - s, 0) / 2), Math.max(k - s, 0) - Math.floor(Math.max(k - s, 0) / 2)];
          const [hb, he] = crop(kh, strides[0]);
          const [wb, we] = crop(kw, strides[1]);
          pads = [hb, wb, he, we];
        } else {
          const [hb, he] = samePadding(h, kh, strides[0]);
          const [wb, we] = samePadding(wd, kw, strides[1]);
          pads = [hb, wb, he, we];
        }
      }
      const inputs = [as(x, 'nchw'), g.constant(`${layer.name}_kernel`, w.values, w.dims)];
      if (bias) inputs.push(g.constant(`${layer.name}_bias`, bias.dataSync() as Float32Array, bias.shape));
      const y = g.op(transpose ? 'ConvTranspose' : 'Conv', inputs, [intsAttr('strides', strides), intsAttr('pads', pads), intsAttr('kernel_shape', [kh, kw])]);
      names.set(layer.name, { name: activation(g, y, config.activation as string, layer.name), layout: 'nchw' });
    } else {
      throw new UserError(`layer '${layer.name}' (${className}) has no ONNX export here`);
    }
  }
  return model.outputs.map((o) => {
    const t = names.get(o.sourceLayer.name)!;
    return t.layout === 'flat' ? t.name : g.op('Flatten', [t.layout === 'seq' ? t.name : as(t, 'nhwc')]);
  });
}

function modelBytes(g: GraphBuilder, name: string, inputs: [string, number][], outputs: [string, string, number][]): Uint8Array {
  const valueInfo = (tensor: string, width: number) => ({
    name: tensor, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: width }] } } },
  });
  // Named outputs: an Identity from each computed tensor.
  for (const [outName, tensor] of outputs) g.nodes.push({ opType: 'Identity', input: [tensor], output: [outName] });
  const model = onnx.ModelProto.create({
    irVersion: 8, opsetImport: [{ domain: '', version: OPSET }], producerName: 'latentkit',
    graph: {
      name, node: g.nodes, initializer: g.initializers,
      input: inputs.map(([n, w]) => valueInfo(n, w)),
      output: outputs.map(([n, , w]) => valueInfo(n, w)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** What an export holds, written beside the .onnx files as latentkit-onnx.json. */
export interface OnnxExport {
  encoder: Uint8Array;
  decoder: Uint8Array;
  description: {
    kind: string;
    encoder: { inputs: Record<string, string>; outputs: Record<string, string> };
    decoder: { inputs: Record<string, string>; outputs: Record<string, string> };
  };
}

/** The run's encoder and decoder as ONNX models (opset 17), in the data's own units. */
export function exportOnnx(model: AutoencoderModel, manifest: RunManifest): OnnxExport {
  for (const [part, network] of [['encoder', model.encoder], ['decoder', model.decoder]] as const) {
    const all = (m: tfl.LayersModel): tfl.layers.Layer[] => m.layers.flatMap((l) => (NESTED.has(l.getClassName()) ? all(l as unknown as tfl.LayersModel) : [l]));
    const unsupported = all(network).find((l) => !EXPORTABLE.has(l.getClassName()));
    if (unsupported) {
      throw new UserError(`${part} layer '${unsupported.name}' (${unsupported.getClassName()}) has no ONNX export here ` +
        `(${[...EXPORTABLE].join(', ')} layers export)`);
    }
  }
  const d = featureCount(model.inputShape);
  const latent = isLatentVariable(model);
  const classes = model.classes ?? 0;
  const k = model.latentDim;
  const scaling = manifest.scaling;
  const scaled = scaling && scaling.kind !== 'none';

  const enc = new GraphBuilder();
  let x = 'input';
  if (scaled) {
    x = enc.op('Div', [enc.op('Sub', [x, enc.constant('offset', Float32Array.from(scaling.offset), [d])]), enc.constant('scale', Float32Array.from(scaling.scale), [d])]);
  }
  if (classes) x = enc.op('Concat', [x, 'label_one_hot'], [{ name: 'axis', type: 2, i: 1 }]);
  // Inputs are flat rows; an image encoder gets them back as [batch, h, w, c], a sequence encoder as [batch, steps, f].
  const rank = model.encoder.inputs[0].shape.length;
  if (rank > 2) x = enc.op('Reshape', [x, enc.int64('example_shape', [-1, ...(model.encoder.inputs[0].shape.slice(1) as number[])])]);
  const encOut = layersGraph(enc, model.encoder, x, rank === 4 ? 'nhwc' : rank === 3 ? 'seq' : 'flat');
  const inputs: [string, number][] = [['input', d], ...(classes ? [['label_one_hot', classes] as [string, number]] : [])];
  const encoderOutputs: [string, string, number][] = latent
    ? [['mu', encOut[0], k], ['logvar', enc.op('Clip', [encOut[1], enc.constant('min', Float32Array.of(LOGVAR_RANGE.min), []), enc.constant('max', Float32Array.of(LOGVAR_RANGE.max), [])]), k]]
    : [['code', encOut[0], k]];
  const encoder = modelBytes(enc, 'encoder', inputs, encoderOutputs);

  const dec = new GraphBuilder();
  const z = classes ? dec.op('Concat', ['code', 'label_one_hot'], [{ name: 'axis', type: 2, i: 1 }]) : 'code';
  let y = layersGraph(dec, model.decoder, z, 'flat')[0];
  const bernoulli = (manifest.config as { likelihood?: string }).likelihood === 'bernoulli';
  if (latent && bernoulli) y = dec.op('Sigmoid', [y]);
  if (scaled) y = dec.op('Add', [dec.op('Mul', [y, dec.constant('scale', Float32Array.from(scaling.scale), [d])]), dec.constant('offset', Float32Array.from(scaling.offset), [d])]);
  const outName = latent ? (bernoulli ? 'probabilities' : 'mean') : 'reconstruction';
  const decoder = modelBytes(dec, 'decoder', [['code', k], ...(classes ? [['label_one_hot', classes] as [string, number]] : [])], [[outName, y, d]]);

  const units = scaled ? `the data's own units (the run's ${scaling.kind} scaling is applied inside)` : 'the values latentkit reads (images: intensities in [0, 1])';
  return {
    encoder, decoder,
    description: {
      kind: model.kind,
      encoder: {
        inputs: { input: `[batch, ${d}] flat rows in ${units}`, ...(classes && { label_one_hot: `[batch, ${classes}] one-hot class labels` }) },
        outputs: latent
          ? { mu: `[batch, ${k}] posterior mean`, logvar: `[batch, ${k}] posterior log-variance, clamped to [${LOGVAR_RANGE.min}, ${LOGVAR_RANGE.max}]` }
          : { code: `[batch, ${k}]` },
      },
      decoder: {
        inputs: { code: `[batch, ${k}] latent code`, ...(classes && { label_one_hot: `[batch, ${classes}] one-hot class labels` }) },
        outputs: { [outName]: `[batch, ${d}] in ${units}${bernoulli && latent ? ' (Bernoulli probabilities)' : ''}` },
      },
    },
  };
}
