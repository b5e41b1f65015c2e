// `latentkit detect`: score every example, fit or load a threshold, write index,score,flag as CSV, report metrics.
import { Option } from 'commander';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { readDetectorFile } from '../io/detector-file.js';
import { loadRun, type RunManifest } from '../io/run-dir.js';
import { check } from '../errors.js';
import { UserError } from '../errors.js';
import { AnomalyDetector, featureErrors, parseThreshold, SCORE_KINDS, type ScoreKind } from '../tasks/anomaly.js';
import { DetectorEnsemble } from '../tasks/ensemble.js';
import { batchTensor, featureCount, imageDims, subset, type Dataset } from '../data/dataset.js';
import { isLatentVariable, type AutoencoderModel } from '../models/types.js';
import { isDrawable } from '../viz/grid.js';
import { ssimDissimilarity } from '../tasks/ssim.js';
import { reconstructDataset } from '../tasks/latent.js';
import { figurePng, heat } from '../viz/labelled.js';
import { averagePrecision, metricsAt, prCurve, rocAuc, rocCurve } from '../tasks/metrics.js';
import { curvePng } from '../viz/plots.js';
import { action, loadFlaggedData, positiveInt, printResult } from './common.js';
import { formatOption, open, openData, runCommand, streamSource, withShardFlag, type UseFlags } from './use.js';
import { labelField, modelChunks, streamToFile } from './batch-stream.js';
import { sinkFormat, withRowSink, type FieldValues, type OutField, type SinkFormat } from '../io/row-sink.js';

interface DetectFlags extends UseFlags {
  score?: ScoreKind;
  threshold: string;
  iwSamples: number;
  calibration?: string;
  detector?: string;
  saveDetector?: string;
  plots?: string;
  errorMap?: string;
  mapCount: number;
  ensemble?: string[];
  background?: string;
  format?: SinkFormat;
}

/** The arrays joined in order, as one. */
function concat<T extends Float64Array | Int32Array>(parts: T[], Kind: { new(n: number): T }): T {
  const out = new Kind(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p as never, at);
    at += p.length;
  }
  return out;
}

/** What detect scores with: one run's detector, or an ensemble over several runs. */
type Scorer = AnomalyDetector | DetectorEnsemble;
const describeScorer = (d: Scorer): string => d instanceof AnomalyDetector
  ? d.options.score
  : `an ensemble of ${d.members.length} (${[...new Set(d.members.map((m) => m.options.score))].join(', ')}, standardised and averaged)`;

/** Other runs scored with the first (an ensemble's, a background model), checked to take the same examples scaled the same way. */
async function sameDataModels(run: string, manifest: RunManifest, runs: string[]): Promise<AutoencoderModel[]> {
  const models: AutoencoderModel[] = [];
  for (const other of runs) {
    const loaded = await loadRun(other);
    check(featureCount(loaded.model.inputShape) === featureCount(manifest.config.inputShape),
      `${other}: takes examples of [${loaded.model.inputShape}] but ${run} takes [${manifest.config.inputShape}]`);
    check(JSON.stringify(loaded.manifest.scaling ?? null) === JSON.stringify(manifest.scaling ?? null),
      `${other}: scales its data differently from ${run}; runs scored together must be trained on the same data`);
    models.push(loaded.model);
  }
  return models;
}

/**
 * The top-scoring examples, one row each — the input, then its squared errors in heat colours (black → red → yellow →
 * white, scaled to the largest error shown) — labelled with rank, index and score, with the colour scale beside.
 */
function errorMapPng(model: AutoencoderModel, part: Dataset, errors: Float32Array, scores: number[], indices: number[], what: string): Buffer {
  const inputs = batchTensor(part, 0, part.size);
  const values = inputs.dataSync() as Float32Array;
  inputs.dispose();
  const d = featureCount(model.inputShape);
  const rgb = model.inputShape.length === 3 && model.inputShape[2] === 3;
  const [h, w] = imageDims(model.inputShape)!;
  const pixels = h * w;
  const channels = rgb ? 3 : 1;
  const max = errors.reduce((m, v) => Math.max(m, v), 1e-12);
  const rows = scores.map((score, k) => {
    const images = new Float32Array(2 * pixels * 3);
    for (let p = 0; p < pixels; p++) {
      // The input in colour (gray repeated), and the error of the pixel (summed over its channels) as heat.
      let err = 0;
      for (let c = 0; c < 3; c++) images[p * 3 + c] = values[k * d + p * channels + (rgb ? c : 0)];
      for (let c = 0; c < channels; c++) err += errors[k * d + p * channels + c];
      images.set(heat(err / channels / max), (pixels + p) * 3);
    }
    return { label: `rank ${k + 1} · #${indices[k]} · score ${score.toPrecision(4)}`, images };
  });
  return figurePng({
    title: `The ${scores.length} highest-scoring examples: input, ${what} per pixel`, shape: [h, w, 3], rows, columnLabels: ['input', what],
    colourScale: { low: '0', high: max.toPrecision(3), title: what },
  });
}

/** 1 − SSIM at every pixel of each example [size, D] (images scored by SSIM): where the structure fails. */
function structuralErrors(model: AutoencoderModel, part: Dataset): Float32Array {
  const x = batchTensor(part, 0, part.size);
  const values = x.dataSync() as Float32Array;
  x.dispose();
  const recon = reconstructDataset(model, part);
  const d = featureCount(model.inputShape);
  const [h, w, c] = imageDims(model.inputShape)!;
  const out = new Float32Array(part.size * d);
  for (let i = 0; i < part.size; i++) out.set(ssimDissimilarity(values.subarray(i * d, (i + 1) * d), recon.subarray(i * d, (i + 1) * d), h, w, c), i * d);
  return out;
}

/**
 * The per-feature errors of the highest-scoring examples — squared errors, or 1 − SSIM per pixel when the examples
 * are scored by SSIM: a PNG (each example's input beside its error map, scaled so the largest is white) for images,
 * else a CSV with one column per feature.
 */
async function writeErrorMap(path: string, model: AutoencoderModel, data: Dataset, scores: Float64Array, count: number, columnNames: string[], structural: boolean): Promise<string> {
  const top = Array.from(scores, (s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]).slice(0, count).map(([, i]) => i);
  const part = subset(data, top);
  const errors = structural && imageDims(model.inputShape) ? structuralErrors(model, part) : featureErrors(model, part);
  if (path.toLowerCase().endsWith('.png')) {
    if (!isDrawable(model.inputShape)) throw new UserError(`examples of shape [${model.inputShape}] are not images; give --error-map a .csv`);
    await writeFileAtomic(path, errorMapPng(model, part, errors, top.map((row) => scores[row]), top, structural ? '1 − SSIM' : 'squared error'));
  } else {
    const header = ['index', 'score', ...columnNames].join(',');
    const d = errors.length / part.size;
    const lines = top.map((row, k) => [row, scores[row], ...errors.subarray(k * d, (k + 1) * d)].join(','));
    await writeFileAtomic(path, [header, ...lines].join('\n') + '\n');
  }
  return path;
}

async function detect(run: string, flags: DetectFlags): Promise<void> {
  const { model, manifest } = await open(run, flags, false);
  // A recipe's run scores with its members and the recipe's score unless the command line says otherwise.
  const recipe = manifest.detection && !flags.score && !flags.ensemble ? manifest.detection : undefined;
  check(!recipe || !run.toLowerCase().endsWith('.zip'), `${run}: a run of recipe ${recipe?.recipe} reads its members from a run folder; unzip it first`);
  const others = await sameDataModels(run, manifest, flags.ensemble ?? recipe?.ensemble.map((member) => join(run, member)) ?? []);
  const background = flags.background ? (await sameDataModels(run, manifest, [flags.background]))[0] : undefined;
  const models = [model, ...others];
  // A file streams when the threshold comes from elsewhere (a saved detector, calibration data) and no error map needs
  // the rows again; otherwise the data is loaded whole (and the threshold may be fitted on it).
  const source = streamSource(run, manifest, flags);
  const streamed = source && (flags.detector || flags.calibration) && !flags.errorMap ? source : undefined;
  check(!flags.shard || streamed, '--shard needs one threshold for every shard: give --detector FILE or --calibration DATA (and no --error-map)');
  const data = streamed ? undefined : await openData(run, model, manifest, flags);
  let detector: Scorer;
  if (flags.detector) {
    const file = await readDetectorFile(flags.detector);
    if (file.ensemble) detector = DetectorEnsemble.fromJSON(models, file.state, background);
    else {
      check(!flags.ensemble, `${flags.detector}: one run's detector; drop --ensemble, or fit an ensemble detector with it`);
      detector = AnomalyDetector.fromJSON(model, file.state, background);
    }
  } else {
    const threshold = parseThreshold(flags.threshold);
    const scores = flags.score ? [flags.score] : recipe?.scores ?? [isLatentVariable(model) ? 'elbo' : 'mse'];
    check(scores.includes('ratio') || !background, `--background is the likelihood ratio's background model; it goes with --score ratio, not ${scores.join(', ')}`);
    const members = models.flatMap((m) => scores.map((score) => new AnomalyDetector(m, { score, threshold, samples: flags.iwSamples, background })));
    detector = members.length > 1 ? new DetectorEnsemble(members, threshold) : members[0];
    const calibration = flags.calibration
      ? (await loadFlaggedData({ ...flags, data: flags.calibration }, manifest.scaling, true, true)).train
      : data!;
    detector.fit(calibration);
    if (flags.saveDetector) await writeFileAtomic(flags.saveDetector, JSON.stringify(detector.toJSON(), null, 2));
  }
  const format = flags.format ?? sinkFormat(flags.out!);
  check(format !== 'npy', 'detect writes csv, jsonl or parquet (index, score, flag[, label]), not .npy');
  const fields = (labelled: boolean): OutField[] => [
    { name: 'index', type: 'float64' }, { name: 'score', type: 'float64' }, { name: 'flag', type: 'int32' }, ...labelField(labelled),
  ];
  // Scores and labels are kept only for the metrics, when the rows have labels (12 bytes a row).
  const kept: { scores: Float64Array[]; labels: Int32Array[] } = { scores: [], labels: [] };
  let flagged = 0;
  let wholeScores: Float64Array = new Float64Array(0);
  const compute = (part: Dataset, firstRow: number): FieldValues[] => {
    const scores = detector.score(part, firstRow);
    const flagsOut = Int32Array.from(detector.predict(part, scores));
    flagged += flagsOut.reduce((a, b) => a + b, 0);
    if (!streamed) wholeScores = scores;
    if (part.labels) {
      kept.scores.push(scores);
      kept.labels.push(part.labels);
    }
    return [Float64Array.from({ length: part.size }, (_, i) => firstRow + i), scores, flagsOut, ...(part.labels ? [part.labels] : [])];
  };
  let rows: number;
  if (streamed) {
    const chunks = modelChunks(model, streamed, 'scoring', Boolean(flags.json));
    rows = await streamToFile({ chunks, out: flags.out!, format, header: !flags.shard || flags.shard.index === 0, fields, compute: ({ data: part, firstRow }) => compute(part, firstRow) });
  } else {
    await withRowSink(flags.out!, format, fields(data!.labels !== undefined), true, (sink) => sink.write(compute(data!, 0), data!.size));
    rows = data!.size;
  }
  const scores = concat(kept.scores, Float64Array);
  const labels = kept.labels.length ? concat(kept.labels, Int32Array) : undefined;
  const where = streamed ? streamed.data : data!.source;
  const binary = labels && labels.every((l) => l === 0 || l === 1) && labels.some((l) => l === 1) && labels.some((l) => l === 0);
  const metrics = binary
    ? { rocAuc: rocAuc(scores, labels!), averagePrecision: averagePrecision(scores, labels!), ...metricsAt(scores, labels!, detector.threshold) }
    : undefined;
  const plots: string[] = [];
  if (metrics && flags.plots) {
    const roc = `${flags.plots}-roc.png`;
    const pr = `${flags.plots}-pr.png`;
    // The operating point of the threshold in force, and the precision of flagging everything (the share of positives).
    const fpr = metrics.falsePositives / Math.max(1, metrics.falsePositives + metrics.trueNegatives);
    const at = `threshold ${detector.threshold.toPrecision(4)}`;
    const positives = (metrics.truePositives + metrics.falseNegatives) / rows;
    await writeFileAtomic(roc, await curvePng({
      title: `ROC (AUC ${metrics.rocAuc.toFixed(3)})`, xTitle: 'false-positive rate', yTitle: 'true-positive rate', points: rocCurve(scores, labels!), diagonal: true,
      marker: { x: fpr, y: metrics.recall, label: at },
    }));
    await writeFileAtomic(pr, await curvePng({
      title: `Precision–recall (AP ${metrics.averagePrecision.toFixed(3)})`, xTitle: 'recall', yTitle: 'precision', points: prCurve(scores, labels!),
      marker: { x: metrics.recall, y: metrics.precision, label: at }, baseline: { y: positives, label: `baseline ${positives.toFixed(3)} (share of anomalies)` },
    }));
    plots.push(roc, pr);
  }
  if (flags.errorMap) {
    const columns = Array.from({ length: featureCount(model.inputShape) }, (_, j) => `error${j}`);
    const structural = detector instanceof AnomalyDetector && detector.options.score === 'ssim';
    plots.push(await writeErrorMap(flags.errorMap, model, data!, wholeScores, flags.mapCount, columns, structural));
  }
  const text = [
    `scored ${rows} examples of ${where}${flags.shard ? ` (shard ${flags.shard.index}/${flags.shard.count})` : ''} by ${recipe ? `recipe ${recipe.recipe}, ` : ''}${describeScorer(detector)}; ` +
      `threshold ${detector.threshold.toPrecision(6)} flags ${flagged} (${((100 * flagged) / Math.max(1, rows)).toFixed(1)} %); wrote ${flags.out}`,
    ...(metrics
      ? [`ROC-AUC ${metrics.rocAuc.toFixed(4)}  PR-AUC (average precision) ${metrics.averagePrecision.toFixed(4)}  ` +
        `precision ${metrics.precision.toFixed(3)}  recall ${metrics.recall.toFixed(3)}  F1 ${metrics.f1.toFixed(3)}`,
        `confusion: TP ${metrics.truePositives}  FP ${metrics.falsePositives}  TN ${metrics.trueNegatives}  FN ${metrics.falseNegatives}`]
      : labels ? ['(labels are not 0/1 with both classes present: no detection metrics)'] : []),
    ...(plots.length ? [`pictures: ${plots.join(', ')}`] : []),
  ];
  printResult(flags, { out: flags.out, threshold: detector.threshold, score: describeScorer(detector), flagged, metrics, plots }, text.join('\n'));
}

export function detectCommand() {
  const cmd = runCommand('detect', 'anomaly scores and flags per example (CSV), with ROC-AUC, PR-AUC and F1 when labels are 0/1', true)
    .option('--out <file>', 'table to write (index, score, flag[, label]): .csv, .jsonl or .parquet', 'scores.csv')
    .addOption(formatOption('csv, jsonl or parquet (default from --out)'))
    .addOption(new Option('--score <kind>', 'mse, mae, bce (reconstruction error), zmse (per-feature error over its mean on the calibration data), nap (Mahalanobis distance of hidden-layer reconstruction differences, RaPP), latent (Mahalanobis distance of the code with relative error and cosine, DAGMM features), knn (mean distance of the code to its 5 nearest normal codes), ssim (1 − structural similarity, images), elbo (−ELBO), iw (importance-sampled −log p(x)), complexity (−ELBO in bits less the PNG length, images), ratio (−log p(x) + log p(x) under --background, Ren et al.); default elbo for VAE kinds, else mse').choices(SCORE_KINDS))
    .option('--threshold <spec>', 'percentile:Q, contamination:R, sigma:K (mean + K·std) or fixed:V, fitted on the calibration data', 'percentile:99')
    .option('--calibration <spec>', 'normal data to fit the threshold on (default: the scored data)')
    .option('--iw-samples <K>', 'importance samples for --score iw and ratio', positiveInt('--iw-samples'), 1000)
    .option('--detector <file>', 'use a detector saved earlier (its score and threshold) instead of fitting one')
    .option('--save-detector <file>', 'save the fitted detector (score kind and threshold) as JSON')
    .option('--ensemble <runs>', 'more runs trained on the same data (e.g. other seeds): each scores, scores are standardised on the calibration data and averaged', (v) => v.split(',').map((r) => r.trim()).filter(Boolean))
    .option('--background <run>', "--score ratio: a VAE trained on the same data with inputs perturbed (latentkit train --perturb 0.2)")
    .option('--error-map <file>', 'per-feature squared errors of the top-scoring examples: a .png (input beside its error map) or a .csv (one column per feature)')
    .option('--map-count <n>', 'examples in the error map', positiveInt('--map-count'), 16)
    .option('--plots <prefix>', 'with 0/1 labels: write the ROC and precision–recall curves to <prefix>-roc.png and <prefix>-pr.png')
    .action(action(detect));
  return withShardFlag(cmd);
}
