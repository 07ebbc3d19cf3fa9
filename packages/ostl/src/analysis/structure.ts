import { PRNG } from "@ostl/core";
import { type Graph, type IrConst, type IrVar, type Tensor, trace } from "@ostl/autodiff";
import type { Cell, TensorRecord } from "../model/cell.js";
import type { Network } from "../model/network.js";
import { checkCellInit, checkStepResult } from "../model/contract.js";
import { StepInputs } from "./step-inputs.js";

/**
 * How an entry of a value depends on a source (a parameter, a previous-state entry or the input),
 * as a lattice `none < diag < row < dense`:
 * - `none`: not at all (or only through zero-derivative ops such as comparisons);
 * - `diag`: entry i depends only on entry i of the source (elementwise ops keep it);
 * - `diagT`: for matrices, entry (k, i) depends only on source entry (i, k) (a transposed view);
 * - `row`: entry i depends only on row i of a matrix source (`W x` with respect to W);
 * - `dense`: anything else.
 *
 * @example
 * ```ts
 * import { dependencyPatterns, type Pattern } from "@ostl/ostl";
 * import { add, matmul, tanh, tensor, trace } from "@ostl/autodiff";
 * // h = tanh(W x + h0): W reaches unit i through its row i, h0 through entry i, x through everything
 * const g = trace((W, x, h0) => tanh(add(matmul(W, x), h0)), tensor([[1, 2], [3, 4]]), tensor([1, 1]), tensor([0, 0]));
 * const patterns: Pattern[] = [0, 1, 2].map((input) => dependencyPatterns(g)[0]!.get(input)!);
 * console.log(patterns); // ["row", "dense", "diag"]
 * ```
 */
export type Pattern = "none" | "diag" | "diagT" | "row" | "dense";

const rank: Record<Pattern, number> = { none: 0, diag: 1, diagT: 1, row: 2, dense: 3 };

/**
 * Join in the lattice (the least pattern covering both); `diagT` joined with anything else is dense.
 *
 * @example
 * ```ts
 * import { joinPatterns } from "@ostl/ostl";
 * console.log(joinPatterns("diag", "row"), joinPatterns("none", "diagT"), joinPatterns("diagT", "diag")); // row diagT dense
 * ```
 */
export function joinPatterns(a: Pattern, b: Pattern): Pattern {
  if (a === b) return a;
  if (a === "none") return b;
  if (b === "none") return a;
  if (a === "diagT" || b === "diagT") return "dense";
  return rank[a] > rank[b] ? a : b;
}

/**
 * Patterns of one value, keyed by graph input index.
 *
 * @example
 * ```ts
 * import { dependencyPatterns, type Deps } from "@ostl/ostl";
 * import { mul, sum, tensor, trace } from "@ostl/autodiff";
 * const g = trace((a, b) => sum(mul(a, b)), tensor([1, 2]), tensor([3, 4]));
 * const deps: Deps = dependencyPatterns(g)[0]!;
 * console.log([...deps]); // [[0, "dense"], [1, "dense"]]
 * ```
 */
export type Deps = Map<number, Pattern>;

const elementwiseOps = new Set(["add", "sub", "mul", "div", "pow", "maximum", "minimum", "neg", "exp", "log", "log1p", "tanh", "sigmoid", "softplus", "relu", "abs", "sqrt", "heaviside"]);
const zeroDerivativeOps = new Set(["greater", "greaterEqual", "less", "lessEqual", "equal", "notEqual", "sign", "stopGradient"]);

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Every dependency made dense (used when an op mixes entries in a way the lattice does not track). */
function densify(deps: Deps): Deps {
  const out: Deps = new Map();
  for (const [src, p] of deps) if (p !== "none") out.set(src, "dense");
  return out;
}

function join(into: Deps, from: Deps): void {
  for (const [src, p] of from) into.set(src, joinPatterns(into.get(src) ?? "none", p));
}

/**
 * Propagates dependency patterns through a traced graph: for every variable (by id), the pattern
 * of its dependence on every graph input (by input index). Sound by construction (ops it does not
 * model make all dependencies dense), unlike probing a Jacobian numerically, where relu' and
 * surrogates give accidental zeros.
 *
 * @example
 * ```ts
 * import { trace, tanh, add, mul, tensor } from "@ostl/autodiff";
 * import { valuePatterns } from "@ostl/ostl";
 * const g = trace((s: any, b: any) => tanh(add(mul(0.5, s), b)), tensor([1, 2]), tensor([0, 0]));
 * console.log(valuePatterns(g).get(g.equations[0]!.out.id)); // Map(1) { 0 => "diag" }
 * ```
 */
export function valuePatterns(graph: Graph): Map<number, Deps> {
  const deps = new Map<number, Deps>();
  graph.inputs.forEach((v, i) => deps.set(v.id, new Map([[i, "diag" as Pattern]])));
  const of = (a: IrVar | IrConst): Deps => (a.kind === "var" ? (deps.get(a.id) ?? new Map()) : new Map());

  for (const eq of graph.equations) {
    const name = eq.op.name;
    const outShape = eq.out.shape;
    const out: Deps = new Map();
    if (zeroDerivativeOps.has(name)) {
      // derivative zero: no dependency
    } else if (elementwiseOps.has(name) || name === "where") {
      eq.inputs.forEach((a, i) => {
        if (name === "where" && i === 0) return; // the condition gets no derivative
        join(out, sameShape(a.shape, outShape) ? of(a) : densify(of(a)));
      });
    } else if (name === "transpose" && outShape.length === 2) {
      for (const [src, p] of of(eq.inputs[0]!)) out.set(src, p === "diag" ? "diagT" : p === "diagT" ? "diag" : p === "none" ? "none" : "dense");
    } else if ((name === "reshape" || name === "broadcastTo") && sameShape(eq.inputs[0]!.shape, outShape)) {
      join(out, of(eq.inputs[0]!));
    } else if (name === "matmul") {
      const [a, b] = eq.inputs as [IrVar | IrConst, IrVar | IrConst];
      const vecTimesMatrix = a.shape.length === 1 && b.shape.length === 2; // out_i = Σ_k a_k b_ki
      const matrixTimesVec = a.shape.length === 2 && b.shape.length === 1; // out_i = Σ_k a_ik b_k
      for (const [src, p] of of(a)) out.set(src, matrixTimesVec && p === "diag" ? "row" : p === "none" ? "none" : "dense");
      for (const [src, p] of of(b)) out.set(src, joinPatterns(out.get(src) ?? "none", vecTimesMatrix && p === "diagT" ? "row" : p === "none" ? "none" : "dense"));
    } else {
      for (const a of eq.inputs) join(out, densify(of(a)));
    }
    deps.set(eq.out.id, out);
  }
  return deps;
}

/**
 * The dependency patterns of a traced graph's outputs on its inputs (see {@link valuePatterns}).
 *
 * @example
 * ```ts
 * import { trace, tanh, add, mul, tensor } from "@ostl/autodiff";
 * import { dependencyPatterns } from "@ostl/ostl";
 * const g = trace((s: any, b: any) => tanh(add(mul(0.5, s), b)), tensor([1, 2]), tensor([0, 0]));
 * console.log(dependencyPatterns(g)[0]); // Map(2) { 0 => "diag", 1 => "diag" }
 * ```
 */
export function dependencyPatterns(graph: Graph): Deps[] {
  const deps = valuePatterns(graph);
  return graph.outputs.map((o) => (o.kind === "var" ? (deps.get(o.id) ?? new Map()) : new Map()));
}

/**
 * Structure of a parameter's eligibility trace.
 *
 * @example
 * ```ts
 * import { analyzeCell, traceLayout, type TraceLayout } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { ssnu } from "@ostl/models";
 * const s = analyzeCell(ssnu(), 3, 4, new PRNG(0));
 * const layouts: TraceLayout[] = [traceLayout(s, "W", [4, 3], 4), traceLayout(s, "b", [4], 4), traceLayout(s, "unused", [4], 4)];
 * console.log(layouts); // ["row", "diag", "none"]
 * ```
 */
export type TraceLayout = "none" | "diag" | "row" | "dense";

/**
 * What the analysis proved about one cell layer.
 *
 * @example
 * ```ts
 * import { analyzeCell, type CellStructure } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { gru, ssnu } from "@ostl/models";
 * const snu: CellStructure = analyzeCell(ssnu(), 3, 4, new PRNG(0));
 * console.log(snu.stateNames, snu.params); // ["s", "y"] { W: "row", b: "diag" }
 * console.log(snu.temporal); // { s: { s: "diag", y: "diag" }, y: { s: "diag", y: "diag" } }
 * const g: CellStructure = analyzeCell(gru(), 3, 4, new PRNG(0));
 * console.log(g.temporalJacobian, g.temporal); // dense { h: { h: "dense" } }
 * ```
 */
export interface CellStructure {
  /** `diagonal` when every next-state entry i depends only on entries i of the previous state (and so does y). */
  readonly temporalJacobian: "diagonal" | "dense";
  /** Pattern of each next-state field with respect to each previous-state field. */
  readonly temporal: Readonly<Record<string, Readonly<Record<string, Pattern>>>>;
  /** Pattern of the output y with respect to each previous-state field. */
  readonly output: Readonly<Record<string, Pattern>>;
  /** Pattern of the next state and y (joined) with respect to each parameter. */
  readonly params: Readonly<Record<string, Pattern>>;
  /** Names of the state fields, in flatten (sorted) order. */
  readonly stateNames: readonly string[];
  /** The traced step, for printing and the derived-gradient docs. */
  readonly graph: Graph;
}

/**
 * Traces one step of `cell` (unbatched) and proves the structure of its Jacobians: whether the
 * temporal Jacobian ∂s_t/∂s_{t-1} is diagonal, and how each parameter reaches the units. The
 * cell's `init` and traced step are checked against the cell contract first (messages name the
 * cell, and `layer` when given). `made`, when given, is the result of that `init` already made
 * and checked (a network's `layerExample`), and `init` is not called again.
 *
 * @throws {@link ValueError} or {@link ShapeError} when `init` or `step` breaks the contract (see checkCellInit, checkStepResult).
 * @example
 * ```ts
 * import { analyzeCell } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { ssnu } from "@ostl/models";
 * import { lstm } from "@ostl/models";
 * console.log(analyzeCell(ssnu(), 3, 4, new PRNG(0)).temporalJacobian); // "diagonal"
 * console.log(analyzeCell(lstm(), 3, 4, new PRNG(0)).temporalJacobian); // "dense"
 * ```
 */
export function analyzeCell(cell: Cell, inputSize: number, hiddenSize: number, key: PRNG, layer?: number, made?: { readonly params: TensorRecord; readonly state: TensorRecord }): CellStructure {
  const site = { cell: cell.name, layer };
  const init = made ?? cell.init(key, { inputSize, hiddenSize });
  if (made === undefined) checkCellInit(site, init, hiddenSize);
  const { params, state } = init;
  const x = key.normal([inputSize]);
  const step = (p: TensorRecord, s: TensorRecord, xt: Tensor) => {
    const r = cell.step(p, s, xt);
    checkStepResult(site, s, r, [hiddenSize]);
    return { state: r.state, y: r.y };
  };
  const graph = trace(step, params, state, x);
  const patterns = dependencyPatterns(graph);
  const paramNames = Object.keys(params).sort();
  const stateNames = Object.keys(state).sort();
  const inputs = StepInputs.of(graph);
  const temporal: Record<string, Record<string, Pattern>> = {};
  const output: Record<string, Pattern> = {};
  const paramPatterns: Record<string, Pattern> = {};
  graph.outputPaths.forEach((path, o) => {
    const row = path === "y" ? output : (temporal[path.replace(/^state\./, "")] = {});
    for (const s of stateNames) row[s] = patterns[o]!.get(inputs.state(s)) ?? "none";
    for (const p of paramNames) paramPatterns[p] = joinPatterns(paramPatterns[p] ?? "none", patterns[o]!.get(inputs.param(p)) ?? "none");
  });
  const elementwise = (row: Record<string, Pattern>) => Object.values(row).every((p) => p === "none" || p === "diag");
  const diagonal = Object.values(temporal).every(elementwise) && elementwise(output);
  return { temporalJacobian: diagonal ? "diagonal" : "dense", temporal, output, params: paramPatterns, stateNames, graph };
}

const layerStructures = new WeakMap<Network, CellStructure[]>();

/**
 * The structure of layer `l` of `network` (`analyzeCell` at the layer's sizes, traced at the
 * network's `layerExample`), made once per network and layer and then shared by everything that
 * asks: OSTL's plan, `analyze`.
 *
 * @example
 * ```ts
 * import { layerStructure, Network } from "@ostl/ostl";
 * import { mse, ssnu } from "@ostl/models";
 * const net = new Network({ inputSize: 3, layers: [{ cell: ssnu(), hiddenSize: 4 }], outputSize: 2, loss: mse });
 * console.log(layerStructure(net, 0).temporalJacobian, layerStructure(net, 0) === layerStructure(net, 0)); // diagonal true
 * ```
 */
export function layerStructure(network: Network, l: number): CellStructure {
  let structures = layerStructures.get(network);
  if (structures === undefined) layerStructures.set(network, (structures = []));
  return (structures[l] ??= analyzeCell(network.spec.layers[l]!.cell, network.layerInputSize(l), network.spec.layers[l]!.hiddenSize, new PRNG(0), l, network.layerExample(l)));
}

/**
 * The state field that a cell's output y is (the same value of the traced step), or null when y
 * is a value of its own.
 *
 * @example
 * ```ts
 * import { Network, layerStructure, outputStateField } from "@ostl/ostl";
 * import { lstm, mse, snu } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: lstm(), hiddenSize: 3 }, { cell: snu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * console.log(outputStateField(layerStructure(net, 0)), outputStateField(layerStructure(net, 1))); // h y
 * ```
 */
export function outputStateField(structure: CellStructure): string | null {
  const graph = structure.graph;
  const outputVar = (path: string) => {
    const o = graph.outputs[graph.outputPaths.indexOf(path)];
    return o?.kind === "var" ? o.id : null;
  };
  const yVar = outputVar("y");
  return structure.stateNames.find((a) => yVar !== null && outputVar(`state.${a}`) === yVar) ?? null;
}

/**
 * The trace layout OSTL uses for a parameter: with a diagonal temporal Jacobian, a `diag`
 * parameter of shape [n] or a `row` parameter of shape [n, m] gets a trace of its own shape per
 * state field; everything else a dense trace (one row per parameter entry).
 *
 * @example
 * ```ts
 * import { analyzeCell, traceLayout } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { lstm, ssnu } from "@ostl/models";
 * console.log(traceLayout(analyzeCell(ssnu(), 3, 4, new PRNG(0)), "W", [4, 3], 4)); // row
 * console.log(traceLayout(analyzeCell(lstm(), 3, 4, new PRNG(0)), "W_i", [4, 3], 4)); // dense
 * ```
 */
export function traceLayout(structure: CellStructure, param: string, shape: readonly number[], hiddenSize: number): TraceLayout {
  const p = structure.params[param] ?? "none";
  if (p === "none") return "none";
  if (structure.temporalJacobian !== "diagonal") return "dense";
  if (p === "diag" && sameShape(shape, [hiddenSize])) return "diag";
  if (p === "row" && shape.length === 2 && shape[0] === hiddenSize) return "row";
  return "dense";
}
