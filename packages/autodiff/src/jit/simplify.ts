import type { NDArray } from "@ostl/core";
import type { Graph, IrConst, IrEquation, IrVar } from "../ir.js";

type Atom = IrVar | IrConst;

/**
 * A traced graph after {@link simplify}: the equations still needed, in order, and the outputs
 * (which may now be constants).
 *
 * @example
 * ```ts
 * import { simplify, tanh, tensor, trace } from "@ostl/autodiff";
 * const s = simplify(trace((x) => { tanh(x); return tanh(x); }, tensor([1])));
 * console.log(s.equations.length, s.removed); // 1 { dead: 0, common: 1, folded: 0 }
 * ```
 */
export interface SimplifiedGraph {
  readonly inputs: readonly IrVar[];
  readonly equations: readonly IrEquation[];
  readonly outputs: readonly Atom[];
  /** How many equations each pass removed. */
  readonly removed: { dead: number; common: number; folded: number };
}

/** Stable ids for objects that can only be compared by identity (constant arrays, surrogates). */
const identities = new WeakMap<object, number>();
let nextIdentity = 0;
function identity(x: object): number {
  let id = identities.get(x);
  if (id === undefined) identities.set(x, (id = nextIdentity++));
  return id;
}

function paramKey(p: unknown): string {
  if (p === null || typeof p !== "object") return typeof p === "number" && Object.is(p, -0) ? "-0" : String(p);
  if (Array.isArray(p)) return `[${p.map(paramKey).join(",")}]`;
  if (Object.getPrototypeOf(p) !== Object.prototype) return `#${identity(p)}`;
  const record = p as Record<string, unknown>;
  return `{${Object.keys(record).sort().map((k) => `${k}:${paramKey(record[k])}`).join(",")}}`;
}

function atomKey(a: Atom): string {
  if (a.kind === "var") return `v${a.id}`;
  return typeof a.value === "number" ? `n${Object.is(a.value, -0) ? "-0" : a.value}` : `c${identity(a.value)}`;
}

/**
 * Simplifies a traced graph, in three passes:
 * - constant folding: an equation whose inputs are all constants is evaluated now (its `impl`)
 *   and its output becomes a constant;
 * - common subexpressions: an equation equal to an earlier one (same op, params and inputs) is
 *   replaced by the earlier one's output;
 * - dead code: equations that no output depends on are dropped.
 *
 * @example
 * ```ts
 * import { add, mul, simplify, tensor, trace } from "@ostl/autodiff";
 * const g = trace((x) => { mul(x, 3); return add(mul(x, 2), mul(x, 2)); }, tensor([1]));
 * const s = simplify(g);
 * console.log(g.equations.length, s.equations.map((e) => e.op.name), s.removed); // 4 ["mul", "add"] { dead: 1, common: 1, folded: 0 }
 * ```
 */
export function simplify(graph: Graph): SimplifiedGraph {
  const replaced = new Map<number, Atom>();
  const resolve = (a: Atom): Atom => (a.kind === "var" ? (replaced.get(a.id) ?? a) : a);
  const seen = new Map<string, IrVar>();
  const kept: IrEquation[] = [];
  let folded = 0;
  let common = 0;
  for (const eq of graph.equations) {
    const inputs = eq.inputs.map(resolve);
    if (inputs.every((a) => a.kind === "const")) {
      const value: NDArray = eq.op.impl(inputs.map((a) => (a as IrConst).value), eq.params);
      replaced.set(eq.out.id, { kind: "const", value, shape: value.shape });
      folded += 1;
      continue;
    }
    const key = `${eq.op.name}#${identity(eq.op)} ${paramKey(eq.params)} ${inputs.map(atomKey).join(" ")}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      replaced.set(eq.out.id, earlier);
      common += 1;
      continue;
    }
    seen.set(key, eq.out);
    kept.push({ ...eq, inputs });
  }
  const outputs = graph.outputs.map(resolve);
  const equations = liveEquations(kept, outputs);
  return { inputs: graph.inputs, equations, outputs, removed: { dead: kept.length - equations.length, common, folded } };
}

/** The equations (in their order) that computing `results` needs: dead-code elimination. */
export function liveEquations(equations: readonly IrEquation[], results: readonly Atom[]): IrEquation[] {
  const live = new Set(results.flatMap((a) => (a.kind === "var" ? [a.id] : [])));
  const kept: IrEquation[] = [];
  for (let e = equations.length - 1; e >= 0; e--) {
    const eq = equations[e]!;
    if (!live.has(eq.out.id)) continue;
    kept.push(eq);
    for (const a of eq.inputs) if (a.kind === "var") live.add(a.id);
  }
  return kept.reverse();
}
