// ONNX export of a run's encoder and decoder (onnx-proto's protobuf messages), for ONNX Runtime in any language.
// Inputs and outputs are in the data's own units, as LatentModel's: the run's scaling is folded into the graphs, a
// Bernoulli decoder ends in its sigmoid, a VAE encoder gives μ and the clamped log-variance. Dense layers export as
// MatMul + Add + the activation; a layer with no ONNX form here is an error that names it.
import onnxProto from 'onnx-proto';
import type * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../errors.js';
import { LOGVAR_RANGE } from '../layers/reparameterize.js';
import { featureCount } from '../data/dataset.js';
import type { AutoencoderModel } from '../models/types.js';
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

  op(opType: string, input: string[], attribute?: object[]): string {
    const output = this.name(opType.toLowerCase());
    this.nodes.push({ opType, input, output: [output], ...(attribute && { attribute }) });
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

/** The layer classes this exporter writes. */
const EXPORTABLE = new Set(['InputLayer', 'Dense', 'Flatten']);

type GraphLayer = tfl.layers.Layer & { inboundNodes: { inboundLayers: tfl.layers.Layer[] }[] };

/** The layers model's graph from tensor `input`; returns the ONNX names of the model's outputs, in order. */
function layersGraph(g: GraphBuilder, model: tfl.LayersModel, input: string): string[] {
  const names = new Map<string, string>();
  for (const layer of model.layers as GraphLayer[]) {
    const className = layer.getClassName();
    if (className === 'InputLayer') {
      names.set(layer.name, input);
      continue;
    }
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (inbound.length !== 1) throw new UserError(`layer '${layer.name}' (${className}): layers with ${inbound.length} inputs have no ONNX export here`);
    const x = names.get(inbound[0].name)!;
    if (className === 'Dense') {
      const config = layer.getConfig();
      const [kernel, bias] = layer.getWeights();
      let y = g.op('MatMul', [x, g.constant(`${layer.name}_kernel`, kernel.dataSync() as Float32Array, kernel.shape)]);
      if (bias) y = g.op('Add', [y, g.constant(`${layer.name}_bias`, bias.dataSync() as Float32Array, bias.shape)]);
      names.set(layer.name, activation(g, y, config.activation as string, layer.name));
    } else if (className === 'Flatten') {
      names.set(layer.name, g.op('Flatten', [x]));
    } else {
      throw new UserError(`layer '${layer.name}' (${className}) has no ONNX export here (dense kinds export; convolutional and recurrent layers do not yet)`);
    }
  }
  return model.outputs.map((o) => names.get(o.sourceLayer.name)!);
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
    const unsupported = network.layers.find((l) => !EXPORTABLE.has(l.getClassName()));
    if (unsupported) {
      throw new UserError(`${part} layer '${unsupported.name}' (${unsupported.getClassName()}) has no ONNX export here ` +
        `(dense kinds export: ${[...EXPORTABLE].join(', ')} layers; convolutional and recurrent ones do not yet)`);
    }
  }
  const d = featureCount(model.inputShape);
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
  if (model.encoder.inputs[0].shape.length !== 2) throw new UserError(`the encoder takes examples of [${model.encoder.inputs[0].shape.slice(1)}]; only encoders of flat rows export here`);
  const encOut = layersGraph(enc, model.encoder, x);
  const inputs: [string, number][] = [['input', d], ...(classes ? [['label_one_hot', classes] as [string, number]] : [])];
  const encoderOutputs: [string, string, number][] = model.variational
    ? [['mu', encOut[0], k], ['logvar', enc.op('Clip', [encOut[1], enc.constant('min', Float32Array.of(LOGVAR_RANGE.min), []), enc.constant('max', Float32Array.of(LOGVAR_RANGE.max), [])]), k]]
    : [['code', encOut[0], k]];
  const encoder = modelBytes(enc, 'encoder', inputs, encoderOutputs);

  const dec = new GraphBuilder();
  const z = classes ? dec.op('Concat', ['code', 'label_one_hot'], [{ name: 'axis', type: 2, i: 1 }]) : 'code';
  let y = layersGraph(dec, model.decoder, z)[0];
  const bernoulli = (manifest.config as { likelihood?: string }).likelihood === 'bernoulli';
  if (model.variational && bernoulli) y = dec.op('Sigmoid', [y]);
  if (scaled) y = dec.op('Add', [dec.op('Mul', [y, dec.constant('scale', Float32Array.from(scaling.scale), [d])]), dec.constant('offset', Float32Array.from(scaling.offset), [d])]);
  const outName = model.variational ? (bernoulli ? 'probabilities' : 'mean') : 'reconstruction';
  const decoder = modelBytes(dec, 'decoder', [['code', k], ...(classes ? [['label_one_hot', classes] as [string, number]] : [])], [[outName, y, d]]);

  const units = scaled ? `the data's own units (the run's ${scaling.kind} scaling is applied inside)` : 'the values latentkit reads (images: intensities in [0, 1])';
  return {
    encoder, decoder,
    description: {
      kind: model.kind,
      encoder: {
        inputs: { input: `[batch, ${d}] flat rows in ${units}`, ...(classes && { label_one_hot: `[batch, ${classes}] one-hot class labels` }) },
        outputs: model.variational
          ? { mu: `[batch, ${k}] posterior mean`, logvar: `[batch, ${k}] posterior log-variance, clamped to [${LOGVAR_RANGE.min}, ${LOGVAR_RANGE.max}]` }
          : { code: `[batch, ${k}]` },
      },
      decoder: {
        inputs: { code: `[batch, ${k}] latent code`, ...(classes && { label_one_hot: `[batch, ${classes}] one-hot class labels` }) },
        outputs: { [outName]: `[batch, ${d}] in ${units}${bernoulli && model.variational ? ' (Bernoulli probabilities)' : ''}` },
      },
    },
  };
}
