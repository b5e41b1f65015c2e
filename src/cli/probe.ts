// `latentkit probe`: how much class information a run's codes keep — logistic and k-NN probes on the codes, on the raw
// features and on PCA with as many dimensions.
import { batchTensor, type Dataset } from '../data/dataset.js';
import { check, UserError } from '../errors.js';
import { encodeDataset } from '../tasks/latent.js';
import { fitPca, knnProbe, logisticProbe, pcaTransform, type Features } from '../tasks/probe.js';
import { action, loadFlaggedData, positiveInt, printResult } from './common.js';
import { open, runCommand, withRecordedData, type UseFlags } from './use.js';

function rawFeatures(data: Dataset): Features {
  const x = batchTensor(data, 0, data.size);
  const values = x.dataSync() as Float32Array;
  x.dispose();
  return { values, dim: values.length / data.size, labels: data.labels! };
}

async function probe(run: string, flags: UseFlags & { k: number; epochs: number }): Promise<void> {
  const { model, manifest } = await open(run, flags, false);
  const { train, test } = await loadFlaggedData(withRecordedData(flags, manifest, run), manifest.scaling, flags.json);
  if (!train.labels || !test.labels) throw new UserError(`${train.source}: probing needs labels (--label-column for CSV, --labels for IDX)`);
  check(train.size > flags.k, `${train.source}: ${train.size} training examples; the ${flags.k}-NN probe needs more than ${flags.k} (raise --limit or lower --k)`);
  const codes = (data: Dataset): Features => ({ values: encodeDataset(model, data), dim: model.latentDim, labels: data.labels! });
  const rawTrain = rawFeatures(train);
  const rawTest = rawFeatures(test);
  const pca = fitPca(rawTrain, Math.min(model.latentDim, rawTrain.dim));
  const representations: [string, Features, Features][] = [
    [`codes (${model.latentDim}-d)`, codes(train), codes(test)],
    [`PCA (${model.latentDim}-d)`, pcaTransform(pca, rawTrain), pcaTransform(pca, rawTest)],
    [`raw (${rawTrain.dim}-d)`, rawTrain, rawTest],
  ];
  const rows = representations.map(([name, tr, te]) => ({ name, logistic: logisticProbe(tr, te, flags.epochs), knn: knnProbe(tr, te, flags.k) }));
  printResult(flags, { train: train.source, test: test.source, rows },
    [`test accuracy on ${test.source} (${test.size} examples), probes fitted on ${train.source} (${train.size})`,
      `  representation         logistic   ${flags.k}-NN`,
      ...rows.map((r) => `  ${r.name.padEnd(22)} ${r.logistic.toFixed(4).padStart(8)}  ${r.knn.toFixed(4).padStart(7)}`)].join('\n'));
}

export function probeCommand() {
  return runCommand('probe', 'logistic-regression and k-NN probe accuracy of the codes, against raw features and PCA', true)
    .option('--k <n>', 'neighbours for the k-NN probe', positiveInt('--k'), 5)
    .option('--epochs <n>', 'epochs of the logistic probe', positiveInt('--epochs'), 20)
    .action(action(probe));
}
