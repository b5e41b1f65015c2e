// Guards a training run: batches with non-finite loss or gradients are skipped before the update, and a run whose
// loss leaves its running minimum by orders of magnitude is stopped with its last good weights.
import { UserError } from '../errors.js';

export interface GuardArgs {
  /** Stop after this many skipped (non-finite) batches in a row. */
  maxSkippedInRow: number;
  /** Diverged: the smoothed batch loss (or the validation loss) exceeds its minimum by this many times the loss scale. */
  divergenceFactor: number;
}

export const DEFAULT_GUARD: GuardArgs = { maxSkippedInRow: 5, divergenceFactor: 10 };

export interface GuardState {
  skipped: number;
  skippedInRow: number;
  /** Exponential moving average of the batch loss, its minimum, and the loss scale (|first batch loss|, at least 1e-3). */
  smoothed?: number;
  minSmoothed?: number;
  scale?: number;
  bestValidation?: number;
}

/** Thrown when training stops on its own; the model then holds the weights of the last good epoch. */
export class TrainingStopped extends UserError {}

const SMOOTHING = 0.1;
const HINT = 'lower the learning rate (--lr), or check the scale of the input (--scale zscore)';

export class TrainingGuard {
  readonly state: GuardState;

  constructor(private readonly args: GuardArgs, state?: GuardState) {
    this.state = state ? { ...state } : { skipped: 0, skippedInRow: 0 };
  }

  private limit(minimum: number): number {
    return minimum + this.args.divergenceFactor * Math.max(Math.abs(minimum), this.state.scale ?? 1);
  }

  /** Whether a batch's update may be applied; throws TrainingStopped after too many bad batches or on divergence. */
  admitBatch(loss: number, gradientsFinite: boolean, where: string): boolean {
    const s = this.state;
    if (!Number.isFinite(loss) || !gradientsFinite) {
      s.skipped++;
      s.skippedInRow++;
      if (s.skippedInRow >= this.args.maxSkippedInRow) {
        throw new TrainingStopped(`training stopped at ${where}: ${s.skippedInRow} batches in a row had a ` +
          `${Number.isFinite(loss) ? 'non-finite gradient' : `loss of ${loss}`}; ${HINT}`);
      }
      return false;
    }
    s.skippedInRow = 0;
    s.scale ??= Math.max(Math.abs(loss), 1e-3);
    s.smoothed = s.smoothed === undefined ? loss : s.smoothed + SMOOTHING * (loss - s.smoothed);
    s.minSmoothed = Math.min(s.minSmoothed ?? Infinity, s.smoothed);
    if (s.smoothed > this.limit(s.minSmoothed)) {
      throw new TrainingStopped(`training diverged at ${where}: the loss (smoothed ${s.smoothed.toPrecision(3)}) is far above its ` +
        `running minimum ${s.minSmoothed.toPrecision(3)}; ${HINT}`);
    }
    return true;
  }

  /** Checks an epoch's validation loss against the best one so far. */
  admitValidation(loss: number, epoch: number): void {
    const s = this.state;
    if (!Number.isFinite(loss) || (s.bestValidation !== undefined && loss > this.limit(s.bestValidation))) {
      throw new TrainingStopped(`training diverged at epoch ${epoch}: validation loss ${loss.toPrecision(3)} against a best of ` +
        `${s.bestValidation?.toPrecision(3)}; ${HINT}`);
    }
    s.bestValidation = Math.min(s.bestValidation ?? Infinity, loss);
  }
}
