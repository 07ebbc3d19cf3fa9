/**
 * The engine's numbers that derived expressions are checked against, at one point: the step's
 * next state and output, the value of every traced variable (what a named intermediate equals),
 * and the Jacobian of an output against a source by forward mode. Each is computed once per cell
 * and point, so the check of the expression trees and the check of the printed equations share
 * them.
 *
 * @module
 */
import { type Graph, jacfwd, type Tensor } from "@ostl/autodiff";
import type { NDArray } from "@ostl/core";
import type { Cell } from "../model/cell.js";
import type { DerivationPoint } from "./evaluate.js";
import type { Derivation, JacobianSource } from "./model.js";
import { StepInputs } from "../analysis/step-inputs.js";

/** Every index tuple of a shape, in row-major order. */
export function indexTuples(shape: readonly number[]): number[][] {
  return shape.reduce<number[][]>((acc, d) => acc.flatMap((t) => Array.from({ length: d }, (_, i) => [...t, i])), [[]]);
}

/** Largest absolute difference over the largest reference magnitude (0 when equal, even for zeros). */
export function relativeError(got: readonly number[], want: readonly number[]): number {
  let diff = 0;
  let scale = 0;
  want.forEach((w, k) => {
    diff = Math.max(diff, Math.abs(got[k]! - w));
    scale = Math.max(scale, Math.abs(w));
  });
  return diff === 0 ? 0 : diff / (scale === 0 ? Number.MIN_VALUE : scale);
}

/** An output of the step: a next-state field, or the output y (`output: "y"`, `outputKey: "output:y"`). */
export type StepOutput = { readonly output: string; readonly outputKey: string };

const cache = new WeakMap<Cell, WeakMap<DerivationPoint, Map<string, unknown>>>();

function memo<T>(cell: Cell, point: DerivationPoint, key: string, compute: () => T): T {
  let byPoint = cache.get(cell);
  if (byPoint === undefined) cache.set(cell, (byPoint = new WeakMap()));
  let values = byPoint.get(point);
  if (values === undefined) byPoint.set(point, (values = new Map()));
  if (!values.has(key)) values.set(key, compute());
  return values.get(key) as T;
}

/** The engine's value of a step output at a point. */
export function engineOutput(cell: Cell, point: DerivationPoint, o: StepOutput): NDArray {
  const r = memo(cell, point, "step", () => cell.step(point.params, point.state, point.x));
  return (o.outputKey === "output:y" ? r.y : r.state[o.output]!) as NDArray;
}

/** The engine's Jacobian of a step output with respect to a source, shape [...output, ...source]. */
export function engineJacobian(cell: Cell, point: DerivationPoint, o: StepOutput, source: Pick<JacobianSource, "kind" | "name">): NDArray {
  return memo(cell, point, `jacobian ${o.outputKey} ${source.kind}:${source.name}`, () => {
    const { kind, name } = source;
    const f = (v: Tensor) => {
      const params = kind === "param" ? { ...point.params, [name]: v } : point.params;
      const state = kind === "state" ? { ...point.state, [name]: v } : point.state;
      const r = cell.step(params, state, kind === "input" ? v : point.x);
      return o.outputKey === "output:y" ? r.y : r.state[o.output]!;
    };
    const at = kind === "param" ? point.params[name]! : kind === "state" ? point.state[name]! : point.x;
    return jacfwd(f)(at) as NDArray;
  });
}

/** Every variable of a traced step at a point, running the graph's primitives. */
function runGraph(graph: Graph, point: DerivationPoint): Map<number, NDArray | number> {
  const values = new Map<number, NDArray | number>();
  const inputs = StepInputs.of(graph).values(point.params, point.state, point.x);
  graph.inputs.forEach((v, i) => values.set(v.id, inputs[i] as NDArray));
  for (const eq of graph.equations) values.set(eq.out.id, eq.op.impl(eq.inputs.map((a) => (a.kind === "const" ? a.value : values.get(a.id)!)), eq.params));
  return values;
}

/** The engine's value of traced variable `id` of a derivation's step (what the intermediate `inter:<id>` names). */
export function engineVariable(cell: Cell, point: DerivationPoint, d: Pick<Derivation, "structure">, id: number): NDArray {
  const runs = memo(cell, point, "graph runs", () => new WeakMap<Graph, Map<number, NDArray | number>>());
  const graph = d.structure.graph;
  let values = runs.get(graph);
  if (values === undefined) runs.set(graph, (values = runGraph(graph, point)));
  const v = values.get(id);
  if (v === undefined || typeof v === "number") throw new Error(`the traced step of '${cell.name}' has no array variable ${id}`);
  return v;
}
