/**
 * Epoch times of one run, and the table and JSON report of the pairs.
 *
 * @module
 */
import { formatTable, median } from "@ostl/cli";
import type { Pair } from "./pairs.js";

/**
 * Seconds per epoch of one run: the warm-up epoch (compiles, caches), the timed epochs after it
 * and their median.
 *
 * @example
 * ```ts
 * import { epochTiming, type EpochTiming } from "./timing.js";
 * const t: EpochTiming = epochTiming([9.1, 5.2, 5.0, 5.6]);
 * console.log(t.warmup, t.epochs, t.median); // 9.1 [5.2, 5, 5.6] 5.2
 * ```
 */
export interface EpochTiming {
  readonly warmup: number;
  readonly epochs: readonly number[];
  readonly median: number;
}

/**
 * The timing of a run from the seconds of all its epochs, the first being the warm-up.
 *
 * @throws {@link RangeError} with fewer than two epochs (a warm-up and one timed).
 * @example
 * ```ts
 * import { epochTiming } from "./timing.js";
 * console.log(epochTiming([1, 3, 2]).median); // 3
 * ```
 */
export function epochTiming(seconds: readonly number[]): EpochTiming {
  if (seconds.length < 2) throw new RangeError(`epochTiming: need a warm-up epoch and at least one timed epoch, got ${seconds.length} epoch(s)`);
  return { warmup: seconds[0]!, epochs: seconds.slice(1), median: median(seconds.slice(1)) };
}

/**
 * One pair measured: our timing, and the timing it is compared with (`null` when it could not
 * run, with the reason).
 *
 * @example
 * ```ts
 * import { PAIRS } from "./pairs.js";
 * import { epochTiming, type PairResult } from "./timing.js";
 * const r: PairResult = { pair: PAIRS[0], ours: epochTiming([7, 6, 6, 6]), against: null, missing: "no jax" };
 * console.log(r.against === null, r.missing); // true no jax
 * ```
 */
export interface PairResult {
  readonly pair: Pair;
  readonly ours: EpochTiming;
  readonly against: EpochTiming | null;
  /** Why `against` is null. */
  readonly missing?: string;
}

/** ours / against, or null without the second figure. */
const ratioOf = (r: PairResult) => (r.against === null ? null : r.ours.median / r.against.median);

const againstName = (pair: Pair) => ("jax" in pair.against ? `JAX jit ${pair.against.jax.model} ${pair.against.jax.algo}` : `ours ${pair.against.ours.cell}150 ${pair.against.ours.algo}`);

/**
 * The table of the pairs: median seconds per epoch of each side, the ratio and the target.
 *
 * @example
 * ```ts
 * import { PAIRS } from "./pairs.js";
 * import { epochTiming, peerTable } from "./timing.js";
 * console.log(peerTable([{ pair: PAIRS[0], ours: epochTiming([7, 5.86, 5.9, 5.8]), against: epochTiming([17, 0.77, 0.8, 0.7]) }]));
 * // pair                      ours s/epoch  against                 its s/epoch  ratio  target
 * // ------------------------  ------------  ----------------------  -----------  -----  ------
 * // sSNU-150 without H, OSTL          5.86  JAX jit ssnu150 ostl           0.77   7.61    <= 1
 * ```
 */
export function peerTable(results: readonly PairResult[]): string {
  const rows = results.map((r) => {
    const ratio = ratioOf(r);
    return [r.pair.label, r.ours.median.toFixed(2), againstName(r.pair), r.against === null ? "-" : r.against.median.toFixed(2), ratio === null ? "-" : ratio.toFixed(2), `<= ${r.pair.target}`];
  });
  return formatTable(["pair", "ours s/epoch", "against", "its s/epoch", "ratio", "target"], rows);
}

/**
 * The `--json` report (schema `ostl-bench-peers/1`).
 *
 * @example
 * ```ts
 * import { PAIRS } from "./pairs.js";
 * import { epochTiming, peerReport } from "./timing.js";
 * const report = peerReport([{ pair: PAIRS[1], ours: epochTiming([9, 8, 8, 8]), against: epochTiming([20, 0.5, 0.5, 0.5]) }], { epochs: 3, jax: "0.10.2" });
 * console.log(report.schema, report.pairs[0]!.id, report.pairs[0]!.ratio); // ostl-bench-peers/1 ssnu150-bptt 16
 * ```
 */
export function peerReport(results: readonly PairResult[], context: { epochs: number; jax: string | null; missing?: string }) {
  return {
    schema: "ostl-bench-peers/1" as const,
    ...context,
    pairs: results.map((r) => ({ id: r.pair.id, label: r.pair.label, against: againstName(r.pair), ours: r.ours, peer: r.against, ratio: ratioOf(r), target: r.pair.target, ...(r.missing === undefined ? {} : { missing: r.missing }) })),
  };
}
