/**
 * What one handler did, kept as plain numbers on the hot path and turned into Prometheus
 * series only when scraped: a counter `inc()` or histogram `observe()` of prom-client hashes
 * its labels on every call, which costs more than the dispatch itself.
 */
export class HandlerTally {
  received = 0;
  handled = 0;
  /** Failures by error class name. */
  readonly failures = new Map<string, number>();
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly buckets: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    /** `Class.method`, or the filter of a runtime handler. */
    readonly handler: string,
    private readonly bounds: readonly number[],
  ) {
    this.buckets = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
    this.count++;
  }

  fail(errorClass: string): void {
    this.failures.set(errorClass, (this.failures.get(errorClass) ?? 0) + 1);
  }
}

/** One line of a histogram in prom-client's `get()` form. */
export interface HistogramValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName: string;
}

/** The `_bucket` (cumulative, `le` first), `_sum` and `_count` lines of each tally. */
export function histogramValues(
  name: string,
  bounds: readonly number[],
  tallies: Iterable<HandlerTally>,
): HistogramValue[] {
  const values: HistogramValue[] = [];
  for (const tally of tallies) {
    let cumulative = 0;
    for (let i = 0; i <= bounds.length; i++) {
      cumulative += tally.buckets[i]!;
      const le = i < bounds.length ? bounds[i]! : '+Inf';
      values.push({
        labels: { le, handler: tally.handler },
        value: cumulative,
        metricName: `${name}_bucket`,
      });
    }
    values.push({ labels: { handler: tally.handler }, value: tally.sum, metricName: `${name}_sum` });
    values.push({ labels: { handler: tally.handler }, value: tally.count, metricName: `${name}_count` });
  }
  return values;
}
