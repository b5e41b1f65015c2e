// Convolutional stacks for images: stride-2 Conv2D encoders and their mirrored Conv2DTranspose decoders (NHWC).
import * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../errors.js';
import type { Activation } from '../models/choices.js';
import { SEED_OFFSET } from './seeds.js';

export interface ConvStackArgs {
  /** [height, width, channels] of one image. */
  inputShape: number[];
  /** Filters of each stride-2 convolution; each halves height and width. */
  filters: number[];
  kernelSize: number;
  activation: Activation;
  seed: number;
}

const glorot = (seed: number) => tfl.initializers.glorotUniform({ seed });

/** The spatial size after the encoder's halvings; the input must divide evenly so the decoder can mirror it. */
export function bottleneckSize(args: ConvStackArgs, kind: string): [number, number] {
  if (args.inputShape.length !== 3) {
    throw new UserError(`${kind} needs images [height, width, channels], but examples have shape [${args.inputShape}]`);
  }
  if (args.filters.length === 0) throw new UserError(`${kind} needs at least one convolution (filters is empty)`);
  const [h, w] = args.inputShape;
  const factor = 2 ** args.filters.length;
  if (h % factor !== 0 || w % factor !== 0) {
    throw new UserError(`${kind}: ${h}×${w} images cannot be halved ${args.filters.length} times evenly ` +
      `(${h} → ${h / factor}); use fewer filters or images whose sides divide by ${factor}`);
  }
  return [h / factor, w / factor];
}

/** Conv2D(f, k, stride 2, same, act) for each f in filters, then Flatten: the features the code heads read. */
export function convEncoderBody(args: ConvStackArgs, kind: string): tfl.LayersModel {
  bottleneckSize(args, kind);
  const layers: tfl.layers.Layer[] = args.filters.map((filters, i) => tfl.layers.conv2d({
    ...(i === 0 && { inputShape: args.inputShape }), filters, kernelSize: args.kernelSize, strides: 2, padding: 'same',
    activation: args.activation, kernelInitializer: glorot(args.seed + i), name: `encoder_conv${i + 1}`,
  }));
  return tfl.sequential({ layers: [...layers, tfl.layers.flatten({ name: 'encoder_flatten' })], name: 'encoder_body' });
}

/**
 * The mirror: Dense to the bottleneck → Reshape → Conv2DTranspose(stride 2) back through the filters in reverse, the
 * last one to the image's channels with `outputActivation` → Flatten.
 */
export function convDecoder(args: ConvStackArgs & { latentDim: number; outputActivation: Activation }, kind: string): tfl.LayersModel {
  const [bh, bw] = bottleneckSize(args, kind);
  const reversed = [...args.filters].reverse();
  const channels = args.inputShape[2];
  const up = [...reversed.slice(1), channels].map((filters, i, all) => tfl.layers.conv2dTranspose({
    filters, kernelSize: args.kernelSize, strides: 2, padding: 'same',
    activation: i === all.length - 1 ? args.outputActivation : args.activation,
    kernelInitializer: glorot(args.seed + SEED_OFFSET.deconv + i), name: `decoder_deconv${i + 1}`,
  }));
  return tfl.sequential({
    name: 'decoder',
    layers: [
      tfl.layers.dense({ inputShape: [args.latentDim], units: bh * bw * reversed[0], activation: args.activation, kernelInitializer: glorot(args.seed + SEED_OFFSET.decoder), name: 'decoder_dense' }),
      tfl.layers.reshape({ targetShape: [bh, bw, reversed[0]], name: 'decoder_reshape' }),
      ...up,
      tfl.layers.flatten({ name: 'decoder_flatten' }),
    ],
  });
}
