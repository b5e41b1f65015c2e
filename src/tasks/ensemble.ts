// Detector ensembles: several detectors (models of other seeds or kinds, scores of other kinds) as one, their scores
// standardised on the normal data and averaged.
import type { AutoencoderModel } from '../models/types.js';
import { check } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { AnomalyDetector, fitThreshold, type DetectorState, type Threshold } from './anomaly.js';

/**
 * A member of an ensemble: its detector, the mean and standard deviation of its scores on the normal data, and which
 * of the ensemble's models it scores with (by order of first use; absent: the member's own place).
 */
export interface EnsembleMemberState extends DetectorState {
  mean: number;
  std: number;
  model?: number;
}

/**
 * Several detectors (models of other seeds or kinds, scores of other kinds) as one: each member's score is
 * standardised by its mean and standard deviation on the normal data, and the standardised scores are averaged;
 * the threshold is fitted on the averages of the normal data.
 */
export class DetectorEnsemble {
  decisionScores: Float64Array = new Float64Array(0);
  threshold = NaN;
  private stats: { mean: number; std: number }[] = [];

  constructor(readonly members: AnomalyDetector[], readonly thresholdRule: Threshold = { kind: 'percentile', q: 99 }) {
    check(members.length > 0, 'an ensemble needs at least one detector');
  }

  fit(normal: Dataset): this {
    this.stats = this.members.map((m) => {
      const s = m.fit(normal).decisionScores;
      const mean = s.reduce((a, b) => a + b, 0) / s.length;
      const std = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / s.length) || 1;
      return { mean, std };
    });
    this.decisionScores = this.combine(this.members.map((m) => m.decisionScores));
    this.threshold = fitThreshold(this.decisionScores, this.thresholdRule);
    return this;
  }

  private combine(scores: Float64Array[]): Float64Array {
    const out = new Float64Array(scores[0].length);
    scores.forEach((s, k) => {
      const { mean, std } = this.stats[k];
      for (let i = 0; i < out.length; i++) out[i] += (s[i] - mean) / std / scores.length;
    });
    return out;
  }

  score(data: Dataset, firstRow = 0): Float64Array {
    check(this.stats.length === this.members.length, 'fit the ensemble (or load a fitted one) before scoring');
    return this.combine(this.members.map((m) => m.score(data, firstRow)));
  }

  predict(data: Dataset, scores = this.score(data)): Uint8Array {
    check(Number.isFinite(this.threshold), 'fit the ensemble (or load a fitted one) before predicting');
    return Uint8Array.from(scores, (s) => (s > this.threshold ? 1 : 0));
  }

  /** The distinct models the members score with, in order of first use (a model may give several scores). */
  get models(): AutoencoderModel[] {
    return [...new Set(this.members.map((m) => m.model))];
  }

  toJSON(): { threshold: Threshold; value: number; members: EnsembleMemberState[] } {
    const models = this.models;
    return {
      threshold: this.thresholdRule, value: this.threshold,
      members: this.members.map((m, k) => ({ ...m.toJSON(), ...this.stats[k], model: models.indexOf(m.model) })),
    };
  }

  static fromJSON(models: AutoencoderModel[], state: { threshold: Threshold; value: number; members: EnsembleMemberState[] }, background?: AutoencoderModel): DetectorEnsemble {
    const uses = state.members.map((m, k) => m.model ?? k);
    const runs = Math.max(...uses) + 1;
    check(models.length === runs, `the ensemble detector was fitted on ${runs} runs; ${models.length} given (detect RUN --ensemble RUN2,… with the same runs)`);
    const ensemble = new DetectorEnsemble(state.members.map((member, k) => AnomalyDetector.fromJSON(models[uses[k]], member, background)), state.threshold);
    ensemble.stats = state.members.map(({ mean, std }) => ({ mean, std }));
    ensemble.threshold = state.value;
    return ensemble;
  }
}
