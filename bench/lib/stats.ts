/** Small statistics for benchmark figures: medians of rounds, percentiles of samples. */

/** The median of the finite values (mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The median of the finite `values` with a distribution-free interval around it: the k-th
 * lowest and k-th highest, with k the largest rank such that the true median lies outside
 * with at most `1 - confidence` chance (binomial order statistics; no assumption about the
 * shape of the spread). Fewer than 6 values give no interval at 95 % (NaN bounds).
 */
export function medianWithInterval(
  values: readonly number[],
  confidence = 0.95,
): { median: number; low: number; high: number } {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  const tail = (1 - confidence) / 2;
  // P(Binomial(n, ½) ≤ k − 1): the chance that fewer than k values lie below the median.
  let k = 0;
  let below = 0;
  let term = 0.5 ** n;
  for (let j = 0; j < n; j++) {
    below += term;
    if (below > tail) break;
    k = j + 1;
    term = (term * (n - j)) / (j + 1);
  }
  return {
    median: n === 0 ? Number.NaN : median(sorted),
    low: k > 0 ? sorted[k - 1]! : Number.NaN,
    high: k > 0 ? sorted[n - k]! : Number.NaN,
  };
}

/** The p-th percentile (0..100), nearest-rank; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * How far `values` moved: (90th percentile − 10th) over the median, nearest-rank; NaN for no
 * values. Of the baseline's rate over the rounds of one run, it says how steady the machine was.
 */
export function relativeSpread(values: readonly number[]): number {
  return (percentile(values, 90) - percentile(values, 10)) / median(values);
}

/** Rounds to `digits` significant digits (figures are noisy; more digits would only mislead). */
export function sig(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

/** `[a, b, c]` rotated by `round` places: alternates which candidate runs first in each round. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * `items` in an order drawn from `seed` (Fisher–Yates over a 32-bit xorshift): the same seed,
 * the same order. Unlike `rotate`, each item follows a different one from round to round, so
 * that what one leaves behind (a socket still busy, a cache) does not always land on the same
 * next one.
 */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = (seed * 0x9e3779b1 + 1) | 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const j = (state >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Process-wide monotonic clock in microseconds (CLOCK_MONOTONIC: comparable across processes). */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
