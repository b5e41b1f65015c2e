// `latentkit scatter` and `latentkit manifold`: pictures of the latent space.
import { UserError, check } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { head } from '../data/dataset.js';
import { encodeDataset } from '../tasks/latent.js';
import { manifoldPng } from '../viz/pictures.js';
import { fitPca, pcaTransform } from '../tasks/probe.js';
import { isDrawable } from '../viz/grid.js';
import { scatterPng } from '../viz/plots.js';
import { action, nonNegativeInt, nonNegativeNumber, positiveInt, printResult, withDataFlags } from './common.js';
import { open, runCommand, type UseFlags } from './use.js';

async function scatter(run: string, flags: UseFlags & { count: number }): Promise<void> {
  const { model, data } = await open(run, flags, true);
  check(data!.labels, `${data!.source}: a scatter coloured by label needs labels`);
  const part = head(data!, flags.count);
  let codes = encodeDataset(model, part);
  let axes = ['z0', 'z1'];
  if (model.latentDim > 2) {
    const features = { values: codes, dim: model.latentDim, labels: part.labels! };
    codes = pcaTransform(fitPca(features, 2), features).values;
    axes = ['principal component 1', 'principal component 2'];
  } else if (model.latentDim < 2) {
    throw new UserError('a scatter needs a latent space of at least 2 dimensions');
  }
  const points = Array.from({ length: part.size }, (_, i) => ({ x: codes[i * 2], y: codes[i * 2 + 1], label: part.labels![i] }));
  await writeFileAtomic(flags.out!, await scatterPng(`${part.size} codes of ${part.source}${model.latentDim > 2 ? ' (PCA)' : ''}`, points, axes[0], axes[1]));
  printResult(flags, { out: flags.out, points: part.size }, `wrote a scatter of ${part.size} codes to ${flags.out}`);
}

async function manifold(run: string, flags: UseFlags & { range: number; steps: number; label?: number }): Promise<void> {
  const { model } = await open(run, flags, false);
  if (model.latentDim !== 2) throw new UserError(`a manifold grid needs a 2-D latent space; this model has ${model.latentDim} (train with --latent 2)`);
  if (!isDrawable(model.inputShape)) throw new UserError(`examples of shape [${model.inputShape}] are not images`);
  await writeFileAtomic(flags.out!, manifoldPng(model, flags.steps, flags.range, flags.label));
  printResult(flags, { out: flags.out }, `wrote a ${flags.steps}×${flags.steps} manifold over [−${flags.range}, ${flags.range}]² to ${flags.out}`);
}

export function latentPlotCommands() {
  const s = runCommand('scatter', 'PNG scatter of the codes coloured by label (the first two principal components above 2-D)', true)
    .option('--out <file>', 'PNG file to write', 'scatter.png')
    .option('--count <n>', 'examples to plot', positiveInt('--count'), 2000)
    .action(action(scatter));
  const m = withDataFlags(runCommand('manifold', 'PNG grid decoded over a square of a 2-D latent space', false), false)
    .option('--out <file>', 'PNG file to write', 'manifold.png')
    .option('--range <r>', 'the grid spans [−r, r]²', nonNegativeNumber('--range'), 3)
    .option('--steps <n>', 'images per side', positiveInt('--steps'), 15)
    .option('--label <c>', 'cvae: the class to decode', nonNegativeInt('--label'))
    .action(action(manifold));
  return [s, m];
}
