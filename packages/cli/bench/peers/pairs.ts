/**
 * The pairs `pnpm bench:peers` times: one of our JSB runs against the JAX script's run of the
 * same network and algorithm, or against another of ours.
 *
 * @module
 */

/**
 * One of our runs: `ostl train --task jsb --cell CELL --hidden 150 --algo ALGO [--approximation A]`.
 *
 * @example
 * ```ts
 * import { type OurRun, runKey } from "./pairs.js";
 * const run: OurRun = { cell: "lstm", algo: "ostl", approximation: "diagonal" };
 * console.log(runKey(run)); // lstm150 ostl --approximation diagonal
 * ```
 */
export interface OurRun {
  readonly cell: "ssnu" | "lstm";
  readonly algo: "bptt" | "ostl";
  readonly approximation?: "diagonal";
}

/**
 * A run of jax_jsb.py: `python jax_jsb.py DATA.json MODEL ALGO EPOCHS`.
 *
 * @example
 * ```ts
 * import type { JaxRun } from "./pairs.js";
 * const run: JaxRun = { model: "ssnu150", algo: "ostl" };
 * console.log(run.model); // ssnu150
 * ```
 */
export interface JaxRun {
  readonly model: "ssnu150" | "lstm150";
  readonly algo: "bptt" | "ostl";
}

/**
 * A pair: ours, and what it is measured against.
 *
 * @example
 * ```ts
 * import { PAIRS, type Pair } from "./pairs.js";
 * const pair: Pair = PAIRS[3]!;
 * console.log(pair.id, "jax" in pair.against ? "jax" : "ours"); // lstm150-ostl-diagonal ours
 * ```
 */
export interface Pair {
  readonly id: string;
  readonly label: string;
  readonly ours: OurRun;
  readonly against: { readonly jax: JaxRun } | { readonly ours: OurRun };
  /** The ratio ours / against the issue's acceptance asks for. */
  readonly target: number;
}

/**
 * The pairs of the acceptance table: sSNU-150 without H by OSTL and by BPTT, and LSTM-150 by
 * BPTT, against JAX jit; LSTM-150 by OSTL with the diagonal approximation against our own
 * LSTM-150 BPTT.
 *
 * @example
 * ```ts
 * import { PAIRS } from "./pairs.js";
 * console.log(PAIRS.map((p) => `${p.id} <= ${p.target}`)); // ["ssnu150-ostl <= 1", "ssnu150-bptt <= 1.5", "lstm150-bptt <= 1", "lstm150-ostl-diagonal <= 1.5"]
 * ```
 */
export const PAIRS = [
  { id: "ssnu150-ostl", label: "sSNU-150 without H, OSTL", ours: { cell: "ssnu", algo: "ostl" }, against: { jax: { model: "ssnu150", algo: "ostl" } }, target: 1 },
  { id: "ssnu150-bptt", label: "sSNU-150 without H, BPTT", ours: { cell: "ssnu", algo: "bptt" }, against: { jax: { model: "ssnu150", algo: "bptt" } }, target: 1.5 },
  { id: "lstm150-bptt", label: "LSTM-150, BPTT", ours: { cell: "lstm", algo: "bptt" }, against: { jax: { model: "lstm150", algo: "bptt" } }, target: 1 },
  { id: "lstm150-ostl-diagonal", label: "LSTM-150, OSTL diagonal approx.", ours: { cell: "lstm", algo: "ostl", approximation: "diagonal" }, against: { ours: { cell: "lstm", algo: "bptt" } }, target: 1.5 },
] as const satisfies readonly Pair[];

/**
 * The id of a pair.
 *
 * @example
 * ```ts
 * import type { PairId } from "./pairs.js";
 * const id: PairId = "ssnu150-bptt";
 * console.log(id); // ssnu150-bptt
 * ```
 */
export type PairId = (typeof PAIRS)[number]["id"];

/**
 * A run's name, the same for the same run wherever it appears (so one measurement serves two pairs).
 *
 * @example
 * ```ts
 * import { runKey } from "./pairs.js";
 * console.log(runKey({ cell: "ssnu", algo: "bptt" }), "|", runKey({ model: "lstm150", algo: "bptt" })); // ssnu150 bptt | jax lstm150 bptt
 * ```
 */
export function runKey(run: OurRun | JaxRun): string {
  if ("model" in run) return `jax ${run.model} ${run.algo}`;
  return `${run.cell}150 ${run.algo}${run.approximation ? ` --approximation ${run.approximation}` : ""}`;
}
