/**
 * The statistics of a time measured over repeated rounds: its median and interquartile range.
 *
 * @module
 */

/**
 * The `p`-quantile of `values` (0 ≤ p ≤ 1) by linear interpolation between order statistics:
 * with the values sorted as x₀ ≤ … ≤ xₙ₋₁ and h = (n − 1)·p, it is x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋)
 * (Hyndman and Fan's definition 7, the default of R's `quantile` and NumPy's `percentile`). The
 * median (p = 0.5) of an even count is the mean of the middle two. NaN for no values.
 *
 * @example
 * ```ts
 * import { quantile } from "@ostl/cli";
 * console.log(quantile([3, 1, 2], 0.5), quantile([4, 1, 3, 2], 0.5)); // 2 2.5
 * // h = 3 · 0.25 = 0.75: three quarters of the way from 1 to 2
 * console.log(quantile([1, 2, 3, 4], 0.25), quantile([1, 2, 3, 4], 0.75)); // 1.75 3.25
 * console.log(quantile([], 0.5)); // NaN
 * ```
 */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const below = Math.floor(h);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (h - below) * (sorted[above]! - sorted[below]!);
}

/**
 * A time measured over repeated rounds, in milliseconds per step: the median of the rounds and
 * their first and third quartiles (the interquartile range q1–q3), by {@link quantile}.
 *
 * @example
 * ```ts
 * import { timeSpread, type TimeSpread } from "@ostl/cli";
 * const spread: TimeSpread = timeSpread([0.5, 0.4, 4.5, 0.45, 0.42]);
 * console.log(spread); // { median: 0.45, q1: 0.42, q3: 0.5, rounds: 5 }
 * ```
 */
export interface TimeSpread {
  readonly median: number;
  readonly q1: number;
  readonly q3: number;
  /** How many rounds were timed. */
  readonly rounds: number;
}

/**
 * The median and quartiles of the rounds' times (milliseconds per step): a load spike in one round
 * moves neither the median nor the quartiles much.
 *
 * @example
 * ```ts
 * import { timeSpread } from "@ostl/cli";
 * // sorted: 1, 2, 3, 4, 10; h = 1 for q1, 2 for the median, 3 for q3
 * console.log(timeSpread([10, 1, 3, 2, 4])); // { median: 3, q1: 2, q3: 4, rounds: 5 }
 * // sorted: 1, 2, 3, 4; q1 at h = 0.75, the median at 1.5, q3 at 2.25
 * console.log(timeSpread([4, 3, 2, 1])); // { median: 2.5, q1: 1.75, q3: 3.25, rounds: 4 }
 * ```
 */
export function timeSpread(msPerStep: readonly number[]): TimeSpread {
  return { median: quantile(msPerStep, 0.5), q1: quantile(msPerStep, 0.25), q3: quantile(msPerStep, 0.75), rounds: msPerStep.length };
}

/**
 * A time for a table: the median, then the interquartile range in brackets, in milliseconds.
 *
 * @example
 * ```ts
 * import { formatTimeSpread } from "@ostl/cli";
 * console.log(formatTimeSpread({ median: 0.4213, q1: 0.4, q3: 0.47, rounds: 5 })); // 0.421 (0.400–0.470)
 * ```
 */
export function formatTimeSpread(spread: TimeSpread): string {
  return `${spread.median.toFixed(3)} (${spread.q1.toFixed(3)}–${spread.q3.toFixed(3)})`;
}
