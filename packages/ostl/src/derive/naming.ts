/**
 * Which values of a traced step get a name of their own on the page, and which: shared values and
 * pre-activations (the argument of a function, when it is a sum), labelled after the parameters
 * they read (`a^{(f)}` for `W_f x + U_f h + b_f`).
 *
 * @module
 */
import type { IrEquation, IrVar, OpName } from "@ostl/autodiff";
import type { MathNode } from "mathjs";
import { functionName, type QuantityKey } from "./expr.js";
import type { Quantity } from "./model.js";
import { type SymbolicRule, symbolicRules } from "./rules.js";

/** A named intermediate: its quantity key, the parameter suffix it reads most, its defining expression. */
export type Intermediate = { readonly key: QuantityKey; readonly suffix: string | null; readonly node: MathNode };

/** Uses of each variable as an operand. */
export function useCounts(eqs: readonly IrEquation[]): Map<number, number> {
  const uses = new Map<number, number>();
  for (const eq of eqs) for (const a of eq.inputs) if (a.kind === "var") uses.set(a.id, (uses.get(a.id) ?? 0) + 1);
  return uses;
}

/** Whether `v` deserves a name of its own on the page: shared, or a composite argument of a function (a pre-activation). */
export function wantsName(v: IrVar, eq: IrEquation, eqs: readonly IrEquation[], uses: ReadonlyMap<number, number>): boolean {
  if (v.shape.length > 1) return false;
  if ((uses.get(v.id) ?? 0) >= 2) return true;
  const composite = eq.op.name === "add" || eq.op.name === "sub" || eq.op.name === "matmul";
  const consumer = eqs.find((e) => e.inputs.some((a) => a.kind === "var" && a.id === v.id));
  const rule = consumer ? (symbolicRules[consumer.op.name as OpName] as SymbolicRule<unknown> | undefined) : undefined;
  return composite && rule?.kind === "scalar" && rule.isFunction === true;
}

/** The parameter suffix most common in an expression (`f` for W_f, U_f, b_f), for naming a pre-activation. */
export function paramSuffix(node: MathNode, quantities: ReadonlyMap<QuantityKey, Quantity>): string | null {
  const counts = new Map<string, number>();
  node.traverse((n) => {
    if (n.type !== "FunctionNode") return;
    const q = quantities.get(((n as unknown as { fn: { name: string } }).fn.name));
    const m = q?.kind === "param" ? /_(.+)$/.exec(q.name) : null;
    if (m) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  });
  let best: string | null = null;
  for (const [s, c] of counts) if (best === null || c > counts.get(best)!) best = s;
  return best;
}

/**
 * LaTeX labels of the named intermediates: a pre-activation of parameters with a common suffix
 * gets `a^{(f)}`; a function of one such pre-activation gets the suffix as its letter (`z` for
 * `σ(a^{(z)})`, as in the GRU); the rest `a^{(1)}`, `a^{(2)}`, … (or `a` when it is the only one).
 */
export function labelIntermediates(quantities: Map<QuantityKey, Quantity>, list: readonly Intermediate[]): void {
  const taken = new Set([...quantities.values()].filter((q) => q.kind !== "intermediate").map((q) => q.name));
  const letter = ["a", "u", "q"].find((l) => !taken.has(l)) ?? "v";
  const suffixed = new Map<string, Intermediate>();
  for (const x of list) if (x.suffix !== null && list.filter((y) => y.suffix === x.suffix).length === 1) suffixed.set(x.key, x);
  const gateOf = (x: Intermediate): string | null => {
    const used = list.filter((y) => y !== x && x.node.filter((n) => functionName(n) === y.key).length > 0);
    const s = used.length === 1 ? (suffixed.get(used[0]!.key)?.suffix ?? null) : null;
    return s !== null && s.length === 1 && s !== "i" && !taken.has(s) ? s : null;
  };
  const labels = new Map<QuantityKey, { name: string; tex: string; plain: string }>();
  for (const x of list) {
    const gate = suffixed.has(x.key) ? null : gateOf(x);
    if (suffixed.has(x.key)) labels.set(x.key, { name: `${letter}_${x.suffix}`, tex: `${letter}^{(${x.suffix})}`, plain: `${letter}_${x.suffix}` });
    else if (gate !== null && ![...labels.values()].some((l) => l.name === gate)) labels.set(x.key, { name: gate, tex: gate, plain: gate });
  }
  const rest = list.filter((x) => !labels.has(x.key));
  rest.forEach((x, k) => labels.set(x.key, list.length === 1 ? { name: letter, tex: letter, plain: letter } : { name: `${letter}_${k + 1}`, tex: `${letter}^{(${k + 1})}`, plain: `${letter}_${k + 1}` }));
  for (const [key, label] of labels) quantities.set(key, { ...quantities.get(key)!, ...label });
}
