import type { Graph, IrVar } from "@ostl/autodiff";
import { valuePatterns } from "./structure.js";

/**
 * A layer whose every other state field, and its output y, is an elementwise function of one
 * state field p's new value (as an SNU's y_t = h(s_t + b) is of s_t): traces are then needed for p
 * alone, the others' follow as ε^d = Q^d ⊙ ε^p with Q^d = ∂d_t/∂p_t.
 *
 * @example
 * ```ts
 * import { analyzeCell, findSinglePrimary, StepInputs, type SinglePrimary } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { snu } from "@ostl/models";
 * const s = analyzeCell(snu(), 3, 4, new PRNG(0));
 * const inputs = StepInputs.of(s.graph);
 * const blocked = (i: number) => inputs.roles[i]!.kind === "state" || i === inputs.param("W");
 * const found: SinglePrimary | null = findSinglePrimary(s.graph, s.stateNames, blocked);
 * console.log(found?.derived); // ["y"]
 * ```
 */
export interface SinglePrimary {
  /** The field that carries the traces. */
  readonly primary: string;
  /** Id of the variable holding p's new value. */
  readonly primaryVar: number;
  /** The other state fields. */
  readonly derived: readonly string[];
}

/**
 * Finds a state field p such that every other next-state field and y depend on the previous state
 * and on the `blocked` inputs (the factored parameters) only through p's new value, elementwise.
 * Proven on the traced graph by cutting it at p's new value and propagating dependency patterns.
 *
 * @example
 * ```ts
 * import { analyzeCell, findSinglePrimary, StepInputs } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { ssnu } from "@ostl/models";
 * const s = analyzeCell(ssnu(), 3, 4, new PRNG(0));
 * const inputs = StepInputs.of(s.graph);
 * const blocked = (i: number) => inputs.roles[i]!.kind === "state" || i === inputs.param("W");
 * console.log(findSinglePrimary(s.graph, s.stateNames, blocked)?.primary); // "s"
 * ```
 */
export function findSinglePrimary(graph: Graph, stateNames: readonly string[], blocked: (inputIndex: number) => boolean): SinglePrimary | null {
  const outputVar = (path: string): IrVar | null => {
    const o = graph.outputs[graph.outputPaths.indexOf(path)];
    return o !== undefined && o.kind === "var" ? o : null;
  };
  const produced = new Set(graph.equations.map((eq) => eq.out.id));
  for (const primary of stateNames) {
    const p = outputVar(`state.${primary}`);
    if (p === null || !produced.has(p.id)) continue;
    // cut at p's new value: it becomes an input of its own, and nothing reaches past it
    const cutIndex = graph.inputs.length;
    const cut: Graph = { ...graph, inputs: [...graph.inputs, p], equations: graph.equations.filter((eq) => eq.out.id !== p.id) };
    const patterns = valuePatterns(cut);
    const dependsOnlyOnCut = (v: IrVar | null) =>
      v !== null && [...(patterns.get(v.id) ?? new Map()).entries()].every(([src, pat]) => pat === "none" || (src === cutIndex ? pat === "diag" : !blocked(src)));
    const derived = stateNames.filter((d) => d !== primary);
    if (derived.every((d) => dependsOnlyOnCut(outputVar(`state.${d}`))) && dependsOnlyOnCut(outputVar("y"))) {
      return { primary, primaryVar: p.id, derived };
    }
  }
  return null;
}
