/**
 * Splitting a simplified graph in two at some of its inputs, as a VJP splits into the forward pass
 * and the backward pass: the equations that do not depend on the late inputs form the early
 * graph, which also returns the values the rest reads (the residuals); the late graph takes
 * those residuals, the early inputs it reads itself, and the late inputs. Compiled apart, the
 * early program runs when its inputs are known (a forward step) and the late one later (the
 * backward step, from the residuals recorded on a tape), with nothing computed twice but views:
 * a transpose or reshape of an input (a weight read transposed by the backward pass) is taken
 * again in the late graph, where it costs nothing, rather than recorded.
 *
 * @module
 */
import { OstlError } from "@ostl/core";
import type { IrConst, IrVar } from "../ir.js";
import { liveEquations, type SimplifiedGraph } from "./simplify.js";
import { tableOp } from "./fusion.js";

type Atom = IrVar | IrConst;

/**
 * The two graphs of {@link splitGraph}:
 * - `early`: the early inputs (in the original order) → each value once: the early outputs, then
 *   the residuals that are not among them (`outputs` says where each original output is);
 * - `late`: `passedInputs` (early inputs the late equations read, in the original order), then
 *   the residuals, then the late inputs → the late outputs (in the original order).
 *
 * @example
 * ```ts
 * import { add, mul, simplify, splitGraph, tanh, tensor, trace, type GraphSplit } from "@ostl/autodiff";
 * // [x · x, c · x + c · tanh(x)]: the late part reads the input x itself, and the residual tanh(x)
 * const split: GraphSplit = splitGraph(simplify(trace((x, c) => [mul(x, x), add(mul(c, x), mul(c, tanh(x)))], tensor([1]), tensor([2]))), [1]);
 * console.log(split.passedInputs, split.residuals.length, split.late.inputs.length); // [0] 1 3
 * ```
 */
export interface GraphSplit {
  readonly early: SimplifiedGraph;
  readonly late: SimplifiedGraph;
  /** Early values the late graph reads that are not inputs. */
  readonly residuals: readonly IrVar[];
  /** Per residual, its position among the early graph's outputs. */
  readonly residualAt: readonly number[];
  /** Indices (among the original inputs) of early inputs the late graph takes as they are. */
  readonly passedInputs: readonly number[];
  /** Per original output, which graph returns it and at which position. */
  readonly outputs: readonly { readonly early: boolean; readonly at: number }[];
}

/**
 * Splits `graph` at the inputs `late` (indices among its inputs): outputs that do not depend on
 * them are returned by the early graph, the others by the late graph (see {@link GraphSplit}).
 * Each graph keeps only the equations its outputs need.
 *
 * @throws {@link OstlError} when a late input index is out of range.
 * @example
 * ```ts
 * import { mul, sum, tanh, tensor, simplify, splitGraph, trace, generate } from "@ostl/autodiff";
 * // f(x, c) = [sum(tanh(x)), c · tanh(x)]: tanh(x) is computed once, early, and kept for the late part
 * const graph = simplify(trace((x, c) => [sum(tanh(x)), mul(c, tanh(x))], tensor([0, 1]), tensor([2, 2])));
 * const split = splitGraph(graph, [1]);
 * console.log(split.outputs, split.residuals.length, split.passedInputs); // [{ early: true, at: 0 }, { early: false, at: 0 }] 1 []
 * const [total, t] = generate(split.early).run([tensor([0, 1])]) as any[];
 * const [scaled] = generate(split.late).run([t, tensor([2, 2])]) as any[];
 * console.log(total.item().toFixed(4), scaled.toNested()); // 0.7616 [0, 1.5231883119115297]
 * ```
 */
export function splitGraph(graph: SimplifiedGraph, late: readonly number[]): GraphSplit {
  for (const i of late) if (!Number.isInteger(i) || i < 0 || i >= graph.inputs.length) throw new OstlError("splitGraph", `late input ${i} is not an input index (the graph has ${graph.inputs.length})`);
  const lateInputIds = new Set(late.map((i) => graph.inputs[i]!.id));
  // values that depend on a late input
  const lateIds = new Set(lateInputIds);
  for (const eq of graph.equations) if (eq.inputs.some((a) => a.kind === "var" && lateIds.has(a.id))) lateIds.add(eq.out.id);
  const isLate = (a: Atom) => a.kind === "var" && lateIds.has(a.id);
  const lateOutputs = graph.outputs.flatMap((a, o) => (isLate(a) ? [o] : []));
  // views of inputs (transposes, reshapes) the late graph takes again rather than reading as residuals
  const inputIds = new Set(graph.inputs.map((v) => v.id));
  const viewIds = new Set<number>();
  for (const eq of graph.equations) {
    const op = tableOp(eq);
    if ((op === "transpose" || op === "reshape") && !lateIds.has(eq.out.id) && eq.inputs.every((a) => a.kind === "var" && (inputIds.has(a.id) || viewIds.has(a.id)))) viewIds.add(eq.out.id);
  }
  const lateEquations = liveEquations(
    graph.equations.filter((eq) => lateIds.has(eq.out.id) || viewIds.has(eq.out.id)),
    lateOutputs.map((o) => graph.outputs[o]!),
  );
  const takenLate = new Set(lateEquations.map((eq) => eq.out.id));
  // early values the late equations read: early inputs are passed on as they are, computed ones are residuals
  const inputIndex = new Map(graph.inputs.map((v, i) => [v.id, i]));
  const read = new Map<number, IrVar>();
  for (const eq of lateEquations) for (const a of eq.inputs) if (a.kind === "var" && !takenLate.has(a.id) && !lateInputIds.has(a.id)) read.set(a.id, a);
  const passedInputs = [...read.keys()].flatMap((id) => (inputIndex.has(id) ? [inputIndex.get(id)!] : [])).sort((a, b) => a - b);
  const residuals = [...read.values()].filter((v) => !inputIndex.has(v.id));
  // the early graph returns each variable once: an output named twice, or also read late, is one array
  const earlyResults: Atom[] = [];
  const earlyAt = new Map<number, number>();
  const earlyPlace = (a: Atom): number => {
    if (a.kind === "const") return earlyResults.push(a) - 1;
    let at = earlyAt.get(a.id);
    if (at === undefined) earlyAt.set(a.id, (at = earlyResults.push(a) - 1));
    return at;
  };
  const outputs = graph.outputs.map((a, o) => (isLate(a) ? { early: false, at: lateOutputs.indexOf(o) } : { early: true, at: earlyPlace(a) }));
  const residualAt = residuals.map(earlyPlace);
  const earlyEquations = liveEquations(
    graph.equations.filter((eq) => !lateIds.has(eq.out.id)),
    earlyResults,
  );
  const removed = { dead: 0, common: 0, folded: 0 };
  return {
    early: { inputs: graph.inputs.filter((v) => !lateInputIds.has(v.id)), equations: earlyEquations, outputs: earlyResults, removed },
    late: {
      inputs: [...passedInputs.map((i) => graph.inputs[i]!), ...residuals, ...late.map((i) => graph.inputs[i]!)],
      equations: lateEquations,
      outputs: lateOutputs.map((o) => graph.outputs[o]!),
      removed,
    },
    residuals,
    residualAt,
    passedInputs,
    outputs,
  };
}
