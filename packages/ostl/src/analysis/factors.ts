import type { Graph, IrConst, IrVar } from "@ostl/autodiff";
import type { NDArray } from "@ostl/core";
import { valuePatterns } from "./structure.js";

/**
 * Where the vector u of a factored parameter comes from.
 *
 * @example
 * ```ts
 * import { analyzeCell, findRowFactors, type FactorSource } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { ssnu } from "@ostl/models";
 * const { graph } = analyzeCell(ssnu(), 3, 4, new PRNG(0));
 * const u: FactorSource = findRowFactors(graph, ["W"], (i) => graph.inputs[i]!.name === "2")[0]!.u;
 * // u is graph input 4, the layer input x (named "2": the step's third argument)
 * console.log(u, u.kind === "input" && graph.inputs[u.index]!.name); // { kind: "input", index: 4 } 2
 * ```
 */
export type FactorSource = { readonly kind: "input"; readonly index: number } | { readonly kind: "const"; readonly value: NDArray };

/**
 * A row-structured parameter W that enters the step exactly once, as `u Wᵀ` (or `W u`) with a
 * vector u that depends on no parameter: its immediate Jacobian is the outer product c ⊗ u, where
 * c is the cotangent at that product's output (variable `product`).
 *
 * @example
 * ```ts
 * import { analyzeCell, findRowFactors, type RowFactor } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { ssnu } from "@ostl/models";
 * const { graph } = analyzeCell(ssnu(), 3, 4, new PRNG(0));
 * const [factor]: RowFactor[] = findRowFactors(graph, ["W"], (i) => graph.inputs[i]!.name === "2");
 * const product = graph.equations.find((eq) => eq.out.id === factor!.product)!;
 * // W enters as x Wᵀ, a product of shape [4] (one entry per unit)
 * console.log(factor!.param, factor!.transposed, product.op.name, product.out.shape); // W false matmul [4]
 * ```
 */
export interface RowFactor {
  readonly param: string;
  /** Id of the variable holding the product. */
  readonly product: number;
  /** Whether the product is `u Wᵀ` (true) or `W u` (false). */
  readonly transposed: boolean;
  readonly u: FactorSource;
}

/**
 * Finds the row-structured parameters whose immediate term factors as an outer product, so
 * OSTL can update their traces from two vectors instead of a materialized n x m matrix. `uMay`
 * says which graph inputs u may depend on (the layer input always; previous-state fields only
 * under the diagonal approximation, where the temporal part is computed separately).
 *
 * @example
 * ```ts
 * import { analyzeCell, findRowFactors } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { ssnu } from "@ostl/models";
 * const s = analyzeCell(ssnu(), 3, 4, new PRNG(0));
 * console.log(findRowFactors(s.graph, ["W"], (i) => s.graph.inputs[i]!.name === "2").map((f) => f.param)); // ["W"]
 * ```
 */
export function findRowFactors(graph: Graph, rowParams: readonly string[], uMay: (inputIndex: number) => boolean): RowFactor[] {
  const uses = (id: number) => graph.equations.filter((eq) => eq.inputs.some((a) => a.kind === "var" && a.id === id));
  const patterns = valuePatterns(graph);
  const sourceOf = (a: IrVar | IrConst): FactorSource | null => {
    if (a.shape.length !== 1) return null;
    if (a.kind === "const") return typeof a.value === "number" ? null : { kind: "const", value: a.value };
    const index = graph.inputs.findIndex((v) => v.id === a.id);
    if (index < 0) return null;
    const deps = patterns.get(a.id) ?? new Map();
    return [...deps.entries()].every(([src, p]) => p === "none" || uMay(src)) ? { kind: "input", index } : null;
  };
  const factors: RowFactor[] = [];
  for (const param of rowParams) {
    const input = graph.inputs.find((v) => v.name === `0.${param}`);
    if (input === undefined) continue;
    const direct = uses(input.id);
    if (direct.length !== 1) continue;
    const first = direct[0]!;
    let factor: RowFactor | null = null;
    if (first.op.name === "transpose" && first.out.shape.length === 2) {
      const next = uses(first.out.id);
      const mm = next.length === 1 ? next[0]! : null;
      if (mm !== null && mm.op.name === "matmul" && mm.inputs[1]!.kind === "var" && (mm.inputs[1] as IrVar).id === first.out.id) {
        const u = sourceOf(mm.inputs[0]!);
        if (u !== null) factor = { param, product: mm.out.id, transposed: true, u };
      }
    } else if (first.op.name === "matmul" && first.inputs[0]!.kind === "var" && (first.inputs[0] as IrVar).id === input.id) {
      const u = sourceOf(first.inputs[1]!);
      if (u !== null) factor = { param, product: first.out.id, transposed: false, u };
    }
    if (factor !== null) factors.push(factor);
  }
  return factors;
}
