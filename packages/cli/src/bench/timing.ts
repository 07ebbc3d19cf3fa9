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
