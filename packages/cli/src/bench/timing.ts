/**
 * Median of a list of numbers (the upper one of the middle two for an even count).
 *
 * @example
 * ```ts
 * import { median } from "@ostl/cli";
 * console.log(median([3, 1, 2]), median([4, 1, 3, 2])); // 2 3
 * ```
 */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Median milliseconds of `fn` over `reps` runs after one warm-up run.
 *
 * @example
 * ```ts
 * import { timeMs } from "@ostl/cli";
 * const ms = timeMs(() => { let s = 0; for (let i = 0; i < 1e5; i++) s += i; }, 5);
 * console.log(ms >= 0); // true
 * ```
 */
export function timeMs(fn: () => void, reps: number): number {
  fn();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/**
 * Two per-step times measured in paired adjacent rounds, and their ratio.
 *
 * @example
 * ```ts
 * import { pairedRatio, type PairedRatio } from "@ostl/cli";
 * const r: PairedRatio = pairedRatio(() => 2, () => 1, 3, 0);
 * console.log(r.measuredMs, r.baselineMs, r.ratio); // 2 1 2
 * ```
 */
export interface PairedRatio {
  /** Median of the measured rounds' times. */
  measuredMs: number;
  /** Median of the baseline rounds' times. */
  baselineMs: number;
  /** Median over adjacent round pairs of measured time / baseline time (so not exactly measuredMs / baselineMs). */
  ratio: number;
}

/**
 * Times `measured` against `baseline` (each a round that returns its own milliseconds per step) in
 * pairs of adjacent rounds, one of each, in alternating order, so both halves of a pair see the
 * same machine load: the ratio is the median of the pairs' ratios, the times the medians of the
 * rounds. `warmupPairs` pairs run first, untimed, so both are compiled by the JIT.
 *
 * @example
 * ```ts
 * import { pairedRatio } from "@ostl/cli";
 * const busy = (n: number) => () => {
 *   const t0 = performance.now();
 *   let s = 0;
 *   for (let i = 0; i < n; i++) s += Math.sqrt(i);
 *   return s > 0 ? performance.now() - t0 : 0;
 * };
 * const r = pairedRatio(busy(4e5), busy(1e5), 5, 2);
 * console.log(r.ratio > 1); // true
 * ```
 */
export function pairedRatio(measured: () => number, baseline: () => number, rounds: number, warmupPairs: number): PairedRatio {
  for (let r = 0; r < warmupPairs; r++) {
    baseline();
    measured();
  }
  const b: number[] = [];
  const m: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      b.push(baseline());
      m.push(measured());
    } else {
      m.push(measured());
      b.push(baseline());
    }
  }
  return { measuredMs: median(m), baselineMs: median(b), ratio: median(m.map((ms, r) => ms / b[r]!)) };
}
