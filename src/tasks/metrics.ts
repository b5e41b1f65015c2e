// Detection metrics from scores (higher = more anomalous) and 0/1 labels: ROC-AUC, average precision, and the
// confusion counts, precision, recall and F1 at a threshold.
import { check } from '../errors.js';

/**
 * Area under the ROC curve by the rank-sum (Mann–Whitney U) identity: the probability that a random positive
 * scores above a random negative, ties counting one half.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { positives, negatives } = counts(labels);
  check(positives > 0 && negatives > 0, 'ROC-AUC needs both anomalies (label 1) and normal examples (label 0)');
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSum = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    const midRank = (i + j) / 2 + 1; // tied scores share the mean of their ranks
    for (let k = i; k <= j; k++) if (labels[order[k]] === 1) rankSum += midRank;
    i = j + 1;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Average precision: Σ over distinct thresholds of (recall step) × precision, as scikit-learn computes it. */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { positives } = counts(labels);
  check(positives > 0, 'average precision needs at least one anomaly (label 1)');
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let tp = 0;
  let fp = 0;
  let previousRecall = 0;
  let ap = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && scores[order[j]] === scores[order[i]]) {
      if (labels[order[j]] === 1) tp++;
      else fp++;
      j++;
    }
    const recall = tp / positives;
    ap += (recall - previousRecall) * (tp / (tp + fp));
    previousRecall = recall;
    i = j;
  }
  return ap;
}

export interface ThresholdMetrics {
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
}

/** The confusion counts and precision / recall / F1 of flagging every score above `threshold`. */
export function metricsAt(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): ThresholdMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const flagged = scores[i] > threshold;
    if (labels[i] === 1) flagged ? tp++ : fn++;
    else flagged ? fp++ : tn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn, precision, recall, f1 };
}

function counts(labels: ArrayLike<number>): { positives: number; negatives: number } {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    check(labels[i] === 0 || labels[i] === 1, `labels must be 0 (normal) or 1 (anomaly), found ${labels[i]} at ${i}`);
    positives += labels[i];
  }
  return { positives, negatives: labels.length - positives };
}

export interface CurvePoint {
  x: number;
  y: number;
}

/** The ROC curve: (false-positive rate, true-positive rate) at every distinct threshold, from (0, 0) to (1, 1). */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): CurvePoint[] {
  const { positives, negatives } = counts(labels);
  check(positives > 0 && negatives > 0, 'a ROC curve needs both anomalies (label 1) and normal examples (label 0)');
  const points: CurvePoint[] = [{ x: 0, y: 0 }];
  sweep(scores, labels, (tp, fp) => points.push({ x: fp / negatives, y: tp / positives }));
  return points;
}

/** The precision–recall curve: (recall, precision) at every distinct threshold, highest threshold first. */
export function prCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): CurvePoint[] {
  const { positives } = counts(labels);
  check(positives > 0, 'a precision–recall curve needs at least one anomaly (label 1)');
  const points: CurvePoint[] = [];
  sweep(scores, labels, (tp, fp) => points.push({ x: tp / positives, y: tp / (tp + fp) }));
  return points;
}

/** Calls `visit(tp, fp)` after each group of equal scores, from the highest score down. */
function sweep(scores: ArrayLike<number>, labels: ArrayLike<number>, visit: (tp: number, fp: number) => void): void {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && scores[order[j]] === scores[order[i]]) labels[order[j++]] === 1 ? tp++ : fp++;
    visit(tp, fp);
    i = j;
  }
}
