import type { Graph, IrConst, IrVar } from "@ostl/autodiff";
import type { NDArray } from "@ostl/core";
import { valuePatterns } from "./structure.js";
import { StepInputs } from "./step-inputs.js";

/**
 * Where the vector u of a factored parameter comes from.
 *
 * @example
 * ```ts
 * import { analyzeCell, findRowFactors, StepInputs, type FactorSource } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { ssnu } from "@ostl/models";
 * const { graph } = analyzeCell(ssnu(), 3, 4, new PRNG(0));
 * const x = StepInputs.of(graph).x;
 * const u: FactorSource = findRowFactors(graph, ["W"], (i) => i === x)[0]!.u;
 * // u is graph input 4, the layer input x
 * console.log(u, u.kind === "input" && StepInputs.of(graph).roles[u.index]); // { kind: "input", index: 4 } { kind: "x" }
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
 * import { analyzeCell, findRowFactors, StepInputs, type RowFactor } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { ssnu } from "@ostl/models";
 * const { graph } = analyzeCell(ssnu(), 3, 4, new PRNG(0));
 * const [factor]: RowFactor[] = findRowFactors(graph, ["W"], (i) => i === StepInputs.of(graph).x);
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
 * import { analyzeCell, findRowFactors, StepInputs } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { ssnu } from "@ostl/models";
 * const s = analyzeCell(ssnu(), 3, 4, new PRNG(0));
 * console.log(findRowFactors(s.graph, ["W"], (i) => i === StepInputs.of(s.graph).x).map((f) => f.param)); // ["W"]
 * ```
 */
export function findRowFactors(graph: Graph, rowParams: readonly string[], uMay: (inputIndex: number) => boolean): RowFactor[] {
  const patterns = valuePatterns(graph);
  return matchRowFactors(graph, rowParams, (a) => inputOrConstSource(graph, patterns, a, uMay));
}

/**
 * For each factor, the first factor whose product has the same derivatives: two products that
 * enter the step only as the two terms of one sum (z = W x + U h) are differentiated alike, since
 * an add hands its tangent (or cotangent) to both inputs unchanged, so every derivative along one
 * equals that along the other, bit for bit. Anything computed from those derivatives alone may then
 * be computed once per group.
 *
 * @example
 * ```ts
 * import { add, matmul, tanh, tensor, trace } from "@ostl/autodiff";
 * import { sameDerivativeFactors } from "@ostl/ostl";
 * // tanh(W x + U h): the two products share their derivatives
 * const graph = trace((W: any, U: any, x: any, h: any) => tanh(add(matmul(W, x), matmul(U, h))), tensor([[1, 2]]), tensor([[3]]), tensor([1, 1]), tensor([1]));
 * const products = graph.equations.filter((eq) => eq.op.name === "matmul").map((eq) => eq.out.id);
 * const factors = products.map((product, j) => ({ param: j === 0 ? "W" : "U", product, transposed: false, u: { kind: "input" as const, index: 2 + j } }));
 * console.log(sameDerivativeFactors(graph, factors)); // [0, 0]
 * ```
 */
export function sameDerivativeFactors(graph: Graph, factors: readonly RowFactor[]): number[] {
  const readers = new Map<number, number[]>();
  graph.equations.forEach((eq, e) => eq.inputs.forEach((a) => a.kind === "var" && readers.set(a.id, [...(readers.get(a.id) ?? []), e])));
  const outputs = new Set(graph.outputs.flatMap((o) => (o.kind === "var" ? [o.id] : [])));
  // the one equation reading a product, when it is read once and is no output
  const soleReader = (id: number) => {
    const r = readers.get(id) ?? [];
    return r.length === 1 && !outputs.has(id) ? graph.equations[r[0]!]! : null;
  };
  const byProduct = new Map(factors.map((f, j) => [f.product, j]));
  return factors.map((f, j) => {
    const sum = soleReader(f.product);
    if (sum === null || sum.op.name !== "add") return j;
    const [a, b] = sum.inputs as [IrVar | IrConst, IrVar | IrConst];
    if (a.kind !== "var" || b.kind !== "var" || a.id === b.id || a.shape.join() !== b.shape.join()) return j;
    const other = byProduct.get(a.id === f.product ? b.id : a.id);
    return other === undefined || soleReader(factors[other]!.product) !== sum ? j : Math.min(j, other);
  });
}

/**
 * Where the vector u of a factored weight of a whole step (see {@link findStepRowFactors}) comes
 * from: as in {@link FactorSource}, or a variable the step computes (by id).
 *
 * @example
 * ```ts
 * import type { StepFactorSource } from "@ostl/ostl";
 * const u: StepFactorSource = { kind: "computed", id: 7 };
 * console.log(u.kind); // computed
 * ```
 */
export type StepFactorSource = FactorSource | { readonly kind: "computed"; readonly id: number };

/**
 * A weight of a whole step that enters it once, as `u Wᵀ` (or `W u`): as {@link RowFactor}, with
 * u possibly computed in the step.
 *
 * @example
 * ```ts
 * import type { StepRowFactor } from "@ostl/ostl";
 * const f: StepRowFactor = { param: "readout.W", product: 9, transposed: false, u: { kind: "computed", id: 7 } };
 * console.log(f.u.kind); // computed
 * ```
 */
export interface StepRowFactor extends Omit<RowFactor, "u"> {
  readonly u: StepFactorSource;
}

/**
 * {@link findRowFactors} for a whole step differentiated in reverse mode (BPTT): u may also be a
 * variable the step computes, such as the top layer's output that the readout multiplies, as long
 * as it does not depend on W itself. Then W's gradient is still Σ_t c_t u_tᵀ, and the cotangent
 * Wᵀ c reaches whatever u was computed from through the step's own reverse pass.
 *
 * @example
 * ```ts
 * import { findStepRowFactors, StepInputs } from "@ostl/ostl";
 * import { trace, matmul, tanh, tensor } from "@ostl/autodiff";
 * // y = tanh(W x), logits = R y: R's u is y, computed in the step
 * // a step (params, state, x) with no state to speak of
 * const step = (p: any, _s: any, x: any) => matmul(p.R, tanh(matmul(p.W, x)));
 * const g = trace(step, { R: tensor([[1, 1]]), W: tensor([[1, 0], [0, 1]]) }, { h: tensor([0]) }, tensor([1, 2]));
 * console.log(findStepRowFactors(g, ["W", "R"], (i) => i === StepInputs.of(g).x).map((f) => [f.param, f.u.kind])); // [["W", "input"], ["R", "computed"]]
 * ```
 */
export function findStepRowFactors(graph: Graph, rowParams: readonly string[], uMay: (inputIndex: number) => boolean): StepRowFactor[] {
  const patterns = valuePatterns(graph);
  return matchRowFactors<StepFactorSource>(graph, rowParams, (a, weight) => {
    const source = inputOrConstSource(graph, patterns, a, uMay);
    if (source !== null || a.kind !== "var" || a.shape.length !== 1 || graph.inputs.some((v) => v.id === a.id)) return source;
    const weightIndex = graph.inputs.indexOf(weight);
    const onWeight = patterns.get(a.id)?.get(weightIndex) ?? "none";
    return onWeight === "none" ? { kind: "computed", id: a.id } : null;
  });
}

/** u as a graph input that depends only on inputs `uMay` allows, or a constant vector; else null. */
function inputOrConstSource(graph: Graph, patterns: ReturnType<typeof valuePatterns>, a: IrVar | IrConst, uMay: (inputIndex: number) => boolean): FactorSource | null {
  if (a.shape.length !== 1) return null;
  if (a.kind === "const") return typeof a.value === "number" ? null : { kind: "const", value: a.value };
  const index = graph.inputs.findIndex((v) => v.id === a.id);
  if (index < 0) return null;
  const deps = patterns.get(a.id) ?? new Map();
  return [...deps.entries()].every(([src, p]) => p === "none" || uMay(src)) ? { kind: "input", index } : null;
}

/** The parameters that enter the graph once, as `u Wᵀ` or `W u`, with the u that `sourceOf` accepts. */
function matchRowFactors<S>(graph: Graph, rowParams: readonly string[], sourceOf: (a: IrVar | IrConst, weight: IrVar) => S | null): (Omit<RowFactor, "u"> & { readonly u: S })[] {
  const uses = (id: number) => graph.equations.filter((eq) => eq.inputs.some((a) => a.kind === "var" && a.id === id));
  const factors: (Omit<RowFactor, "u"> & { readonly u: S })[] = [];
  for (const param of rowParams) {
    const input = graph.inputs[StepInputs.of(graph).param(param)];
    if (input === undefined) continue;
    const direct = uses(input.id);
    if (direct.length !== 1) continue;
    const first = direct[0]!;
    if (first.op.name === "transpose" && first.out.shape.length === 2) {
      const next = uses(first.out.id);
      const mm = next.length === 1 ? next[0]! : null;
      if (mm !== null && mm.op.name === "matmul" && mm.inputs[1]!.kind === "var" && (mm.inputs[1] as IrVar).id === first.out.id) {
        const u = sourceOf(mm.inputs[0]!, input);
        if (u !== null) factors.push({ param, product: mm.out.id, transposed: true, u });
      }
    } else if (first.op.name === "matmul" && first.inputs[0]!.kind === "var" && (first.inputs[0] as IrVar).id === input.id) {
      const u = sourceOf(first.inputs[1]!, input);
      if (u !== null) factors.push({ param, product: first.out.id, transposed: false, u });
    }
  }
  return factors;
}
