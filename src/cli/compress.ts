// `latentkit compress` / `decompress`: codes quantized to 8 or 16 bits in a file tied to the run's model.
import { Command } from 'commander';
import { batchTensor, featureCount } from '../data/dataset.js';
import { invertScaling } from '../data/scaling.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { MAX_WEIGHT_BYTES } from '../io/layers-artifacts.js';
import { readRegularFile } from '../io/read-file.js';
import { check } from '../errors.js';
import { loadRun } from '../io/run-dir.js';
import { decodeCodes, encodeDataset } from '../tasks/latent.js';
import { codeIndicesOf } from '../train/diagnostics.js';
import { hasDiscreteCode, type AutoencoderModel } from '../models/types.js';
import * as tf from '../backend/tfjs.js';
import { modelFingerprint, packCodes, psnr, unpackCodes } from '../tasks/compression.js';
import { gridPng, isDrawable } from '../viz/grid.js';
import { action, positiveInt, printResult, useBackend, withCommon, type CommonFlags } from './common.js';
import { csvRows, open, runCommand, type UseFlags } from './use.js';

/** Examples from stored codes: codebook indices for a discrete-code model, else codes. */
function decodeStored(model: AutoencoderModel, codes: Float32Array): Float32Array {
  if (!hasDiscreteCode(model)) return decodeCodes(model, codes);
  const indices = tf.tensor2d(Int32Array.from(codes, Math.round), [codes.length / model.positions, model.positions], 'int32');
  const decoded = model.decodeIndices(indices);
  const out = decoded.dataSync() as Float32Array;
  tf.dispose([indices, decoded]);
  return out;
}

async function compress(run: string, flags: UseFlags & { bits: number }): Promise<void> {
  if (flags.bits !== 8 && flags.bits !== 16) throw new UserError(`--bits must be 8 or 16, got ${flags.bits}`);
  const { model, data } = await open(run, flags, true);
  if (model.classes) throw new UserError(`compress does not support conditional models ('${model.kind}')`);
  // A discrete code is stored as its codebook indices, exactly (8 bits up to 256 entries, else 16).
  const discrete = hasDiscreteCode(model);
  const bits = discrete ? (model.codebookSize <= 256 ? 8 : 16) : flags.bits as 8 | 16;
  const width = discrete ? model.positions : model.latentDim;
  const codes = discrete ? Float32Array.from(codeIndicesOf(model, data!)) : encodeDataset(model, data!);
  const file = packCodes(codes, width, model.inputShape, bits, modelFingerprint(model));
  await writeFileAtomic(flags.out!, file);
  const original = data!.size * featureCount(data!.shape) * (data!.values instanceof Uint8Array ? 1 : 4);
  const decoded = decodeStored(model, unpackCodes(file, modelFingerprint(model)).codes);
  const inputs = batchTensor(data!, 0, data!.size);
  const quality = psnr(inputs.dataSync(), decoded);
  inputs.dispose();
  printResult(flags, { out: flags.out, examples: data!.size, bytes: file.length, originalBytes: original, ratio: original / file.length, psnr: quality },
    `wrote ${data!.size} codes (${bits} bits × ${width}${discrete ? ' codebook indices' : ''}) to ${flags.out}: ${file.length} bytes from ${original}, ` +
      `ratio ${(original / file.length).toFixed(1)}:1, reconstruction PSNR ${quality.toFixed(2)} dB`);
}

async function decompress(run: string, file: string, flags: CommonFlags & { out: string; columns: number }): Promise<void> {
  await useBackend(flags);
  const { model, manifest } = await loadRun(run);
  const bytes = await readRegularFile(file, { maxBytes: MAX_WEIGHT_BYTES });
  const { codes, count, latentDim, shape } = unpackCodes(bytes, modelFingerprint(model), file);
  const width = hasDiscreteCode(model) ? model.positions : model.latentDim;
  check(latentDim === width && shape.join() === model.inputShape.join(),
    `${file}: codes of ${latentDim} dimensions for examples [${shape}], but ${run} has ${width} for [${model.inputShape}]`);
  const decoded = decodeStored(model, codes);
  if (flags.out.toLowerCase().endsWith('.png')) {
    if (!isDrawable(model.inputShape)) throw new UserError(`examples of shape [${model.inputShape}] are not images; write a .csv instead`);
    await writeFileAtomic(flags.out, gridPng({ images: decoded, shape: model.inputShape, columns: flags.columns }));
  } else {
    const values = manifest.scaling ? invertScaling(manifest.scaling, decoded) : decoded;
    await writeFileAtomic(flags.out, csvRows(values, featureCount(model.inputShape)));
  }
  printResult(flags, { out: flags.out, examples: count }, `decoded ${count} examples to ${flags.out}`);
}

export function compressionCommands(): Command[] {
  const c = runCommand('compress', 'encode examples and store their codes quantized to 8 or 16 bits (a .lkz file)', true)
    .option('--out <file>', 'compressed file to write', 'codes.lkz')
    .option('--bits <n>', 'bits per code dimension: 8 or 16', positiveInt('--bits'), 8)
    .action(action(compress));
  const d = withCommon(new Command('decompress').description('decode a .lkz file written with the same run')
    .argument('<run>', 'the run that compressed the file').argument('<file>', 'the .lkz file')
    .option('--out <file>', 'a .png grid (images) or a .csv of rows in the data\'s own units', 'decompressed.png')
    .option('--columns <n>', 'images per row of the PNG', positiveInt('--columns'), 16))
    .action(action(decompress));
  return [c, d];
}
