/**
 * What OSTL does with a cell, for the derived-gradient pages: the trace layout it picks per
 * parameter (from {@link analyze}), the trace sizes in terms of n and m, and the estimated cost
 * per step at a few sizes.
 *
 * @module
 */
import { mul, sub, sum, type Tensor } from "@ostl/autodiff";
import { analyze, type LayerAnalysis } from "../algorithms/analyze.js";
import type { Cell } from "../model/cell.js";
import { Network } from "../model/network.js";
import type { OstlOptions } from "../algorithms/ostl.js";
import type { Pattern, TraceLayout } from "../analysis/structure.js";

/**
 * One parameter's OSTL facts, with sizes written in n (units) and m (inputs).
 *
 * @example
 * ```ts
 * import { ostlCost } from "@ostl/ostl/derive";
 * import { lstm } from "@ostl/models";
 * const w = ostlCost(lstm()).params.find((p) => p.name === "W_f")!;
 * console.log(w.shape, w.reach, w.layout, w.traceFloats, w.approximateLayout); // n × m row dense 2n^{2}m row
 * ```
 */
export interface ParamCost {
  readonly name: string;
  /** Shape in n and m, e.g. `n × m` (plain text). */
  readonly shape: string;
  readonly reach: Pattern;
  /** Layout of the exact traces. */
  readonly layout: TraceLayout;
  /** Floats of its exact traces in n and m, as LaTeX (`2nm`, `2n^{2}m`). */
  readonly traceFloats: string;
  /** Layout under the diagonal approximation (only for a dense temporal Jacobian). */
  readonly approximateLayout: TraceLayout | null;
}

/**
 * Estimated cost of one step at one size.
 *
 * @example
 * ```ts
 * import { ostlCost } from "@ostl/ostl/derive";
 * import { ssnu } from "@ostl/models";
 * const [row] = ostlCost(ssnu(), [[8, 4]]).rows;
 * console.log(row!.hiddenSize, row!.inputSize, row!.ostlFlops > row!.forwardFlops); // 8 4 true
 * ```
 */
export interface CostRow {
  readonly hiddenSize: number;
  readonly inputSize: number;
  readonly forwardFlops: number;
  readonly ostlFlops: number;
  readonly traceFloats: number;
  /** RTRL's influence matrix for the same one-layer network (floats). */
  readonly rtrlFloats: number;
}

/**
 * What {@link ostlCost} returns.
 *
 * @example
 * ```ts
 * import { ostlCost } from "@ostl/ostl/derive";
 * import { gru } from "@ostl/models";
 * const cost = ostlCost(gru(), []);
 * console.log(cost.temporalJacobian, cost.traces); // dense dense
 * ```
 */
export interface OstlCost {
  readonly temporalJacobian: "diagonal" | "dense";
  readonly traces: "dense" | "diagonal";
  readonly params: readonly ParamCost[];
  readonly rows: readonly CostRow[];
}

/** The sizes the pages tabulate: (n, m). */
export const COST_SIZES: readonly (readonly [number, number])[] = [
  [16, 8],
  [64, 32],
  [256, 128],
];

const squaredError = (y: Tensor, t: Tensor) => sum(mul(sub(y, t), sub(y, t)));

function layer(cell: Cell, n: number, m: number, options: OstlOptions = {}): { layer: LayerAnalysis; rtrlFloats: number } {
  const network = new Network({ inputSize: m, layers: [{ cell, hiddenSize: n }], outputSize: 1, loss: squaredError });
  const a = analyze(network, options);
  return { layer: a.layers[0]!, rtrlFloats: a.traceFloats.rtrl };
}

/** The dimensions of a shape written in n and m: `[4, 3]` at n = 4, m = 3 is `["n", "m"]`. */
function symbolic(shape: readonly number[], n: number, m: number): string[] {
  return shape.map((d) => (d === n ? "n" : d === m ? "m" : String(d)));
}

/** A product of factors as a LaTeX monomial: `["2", "n", "n", "m"]` → `2n^{2}m`. */
function monomial(factors: readonly string[]): string {
  const power = (s: string) => factors.filter((f) => f === s).length;
  const coefficient = factors.filter((f) => f !== "n" && f !== "m").reduce((c, f) => c * Number(f), 1);
  const sym = (s: string) => (power(s) === 0 ? "" : power(s) === 1 ? s : `${s}^{${power(s)}}`);
  const letters = sym("n") + sym("m");
  return coefficient === 1 && letters !== "" ? letters : `${coefficient}${letters}`;
}

/**
 * The trace layout OSTL picks for each parameter of `cell` (exact, and under the diagonal
 * approximation when the temporal Jacobian is dense), trace sizes in n and m, and estimated
 * flops and trace floats per step at {@link COST_SIZES}.
 *
 * @example
 * ```ts
 * import { ostlCost } from "@ostl/ostl/derive";
 * import { snu } from "@ostl/models";
 * const cost = ostlCost(snu());
 * console.log(cost.params.map((p) => `${p.name}: ${p.layout}`)); // ["W: row", "b: diag"]
 * ```
 */
export function ostlCost(cell: Cell, sizes: readonly (readonly [number, number])[] = COST_SIZES): OstlCost {
  const [n, m] = [4, 3];
  const exact = layer(cell, n, m).layer;
  const approx = exact.temporalJacobian === "dense" ? layer(cell, n, m, { approximation: "diagonal" }).layer : null;
  const fields = String(exact.stateFields.length);
  const params = exact.params.map((p): ParamCost => {
    const dims = symbolic(p.shape, n, m);
    // dense traces: every state entry against every parameter entry; structured: one trace of the parameter's shape per state field (a dense layout: n of them)
    const factors = exact.traces === "dense" ? [fields, "n", ...dims] : p.layout === "dense" ? [fields, ...dims, "n"] : [fields, ...dims];
    const approximateLayout = approx?.params.find((q) => q.name === p.name)?.layout ?? null;
    return { name: p.name, shape: dims.length === 0 ? "scalar" : dims.join(" × "), reach: p.reach, layout: p.layout, traceFloats: p.layout === "none" ? "0" : monomial(factors), approximateLayout };
  });
  const rows = sizes.map(([hn, hm]): CostRow => {
    const { layer: l, rtrlFloats } = layer(cell, hn, hm);
    return { hiddenSize: hn, inputSize: hm, forwardFlops: l.forwardFlops, ostlFlops: l.ostlFlops, traceFloats: l.traceFloats, rtrlFloats };
  });
  return { temporalJacobian: exact.temporalJacobian, traces: exact.traces, params, rows };
}
