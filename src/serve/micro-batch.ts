// Micro-batching: requests for the same computation that arrive while the server is busy are answered by one forward
// pass over their rows together, then split back; one failing request is retried alone so that it fails alone.

/** Outputs of a batched computation: row-major arrays with one block of equal width per input row. */
export type RowOutputs = (Float32Array | Float64Array | Uint8Array)[];

interface Pending {
  rows: Float32Array;
  n: number;
  labels?: Int32Array;
  resolve(out: RowOutputs): void;
  reject(err: unknown): void;
}

/** Computes outputs for `n` rows (and their labels, for conditional models); `requests`: rows of each request, in order. */
export type BatchCompute = (rows: Float32Array, n: number, labels: Int32Array | undefined, requests: number[]) => RowOutputs;

export class MicroBatcher {
  private readonly queues = new Map<string, { compute: BatchCompute; pending: Pending[] }>();
  /** Requests and forward passes so far, to tell how much batching happened. */
  readonly stats = { requests: 0, passes: 0 };

  /** `maxRows`: the most rows one pass takes; more queued rows wait for the next pass. */
  constructor(private readonly maxRows: number) {}

  /** Queues `n` rows for `compute` under `key` (requests with the same key share passes); resolves to their outputs. */
  run(key: string, compute: BatchCompute, rows: Float32Array, n: number, labels?: Int32Array): Promise<RowOutputs> {
    this.stats.requests++;
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(key);
      if (!queue) {
        queue = { compute, pending: [] };
        this.queues.set(key, queue);
        // setImmediate runs after the I/O callbacks now due: every request already read joins this pass.
        setImmediate(() => this.flush(key));
      }
      queue.pending.push({ rows, n, labels, resolve, reject });
    });
  }

  private flush(key: string): void {
    const queue = this.queues.get(key)!;
    this.queues.delete(key);
    let start = 0;
    while (start < queue.pending.length) {
      let end = start;
      let n = 0;
      while (end < queue.pending.length && (end === start || n + queue.pending[end].n <= this.maxRows)) n += queue.pending[end++].n;
      this.pass(queue.compute, queue.pending.slice(start, end));
      start = end;
    }
  }

  private pass(compute: BatchCompute, group: Pending[]): void {
    this.stats.passes++;
    if (group.length === 1) {
      const [p] = group;
      try {
        p.resolve(compute(p.rows, p.n, p.labels, [p.n]));
      } catch (err) {
        p.reject(err);
      }
      return;
    }
    let outputs: RowOutputs;
    try {
      const n = group.reduce((sum, p) => sum + p.n, 0);
      const rows = new Float32Array(group.reduce((sum, p) => sum + p.rows.length, 0));
      const labels = group[0].labels ? new Int32Array(n) : undefined;
      let offset = 0;
      let row = 0;
      for (const p of group) {
        rows.set(p.rows, offset);
        if (labels && p.labels) labels.set(p.labels, row);
        offset += p.rows.length;
        row += p.n;
      }
      outputs = compute(rows, n, labels, group.map((p) => p.n));
    } catch {
      for (const p of group) this.pass(compute, [p]);
      return;
    }
    let row = 0;
    for (const p of group) {
      p.resolve(outputs.map((out) => {
        const width = out.length / group.reduce((sum, q) => sum + q.n, 0);
        return out.subarray(row * width, (row + p.n) * width);
      }));
      row += p.n;
    }
  }
}
