import type { Graph } from "@ostl/autodiff";

/**
 * What one input of a traced step is: a parameter, a previous-state field (named as in the params
 * and state records: `W`, or `layer0.W` for a whole network's step), the step's input x, or the
 * target (a network step with its loss).
 *
 * @example
 * ```ts
 * import type { StepInput } from "@ostl/ostl";
 * const inputs: StepInput[] = [{ kind: "param", name: "W" }, { kind: "state", name: "s" }, { kind: "x" }];
 * console.log(inputs.map((i) => i.kind)); // ["param", "state", "x"]
 * ```
 */
export type StepInput = { readonly kind: "param" | "state"; readonly name: string } | { readonly kind: "x" | "target" };

const KINDS = ["param", "state", "x", "target"] as const;

/**
 * The named inputs of a traced step `(params, state, x[, target])`: what each graph input is, and
 * the graph input of each parameter, state field and x. The tracer names a leaf by its path among
 * the arguments (`0.W`, `1.s`, `2`); this is the one place that reads those names.
 *
 * @example
 * ```ts
 * import { analyzeCell, StepInputs } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { ssnu } from "@ostl/models";
 * const { graph } = analyzeCell(ssnu(), 3, 4, new PRNG(0));
 * const inputs = StepInputs.of(graph);
 * console.log(inputs.param("W"), inputs.state("s"), inputs.x, inputs.roles[inputs.x]); // 0 2 4 { kind: "x" }
 * console.log(inputs.param("nothing")); // -1
 * ```
 */
export class StepInputs {
  private static readonly cache = new WeakMap<Graph, StepInputs>();
  /** What each graph input is, in the graph's input order. */
  readonly roles: readonly StepInput[];
  /** The graph input holding x (-1 when the step has none). */
  readonly x: number;
  private readonly byKey: ReadonlyMap<string, number>;

  private constructor(graph: Graph) {
    this.roles = graph.inputs.map((v): StepInput => {
      const dot = v.name.indexOf(".");
      const kind = KINDS[Number(dot < 0 ? v.name : v.name.slice(0, dot))]!;
      return kind === "param" || kind === "state" ? { kind, name: v.name.slice(dot + 1) } : { kind };
    });
    this.byKey = new Map(this.roles.map((role, i) => [key(role), i]));
    this.x = this.byKey.get("x") ?? -1;
  }

  /** The named inputs of `graph` (decoded once per graph). */
  static of(graph: Graph): StepInputs {
    let inputs = StepInputs.cache.get(graph);
    if (inputs === undefined) StepInputs.cache.set(graph, (inputs = new StepInputs(graph)));
    return inputs;
  }

  /** The graph input of parameter `name`, or -1. */
  param(name: string): number {
    return this.byKey.get(`param:${name}`) ?? -1;
  }

  /** The graph input of previous-state field `name`, or -1. */
  state(name: string): number {
    return this.byKey.get(`state:${name}`) ?? -1;
  }

  /**
   * The step's arguments lined up with the graph's inputs: each parameter from `params`, each
   * state field from `state`, x.
   */
  values<T>(params: Readonly<Record<string, T>>, state: Readonly<Record<string, T>>, x: T): T[] {
    return this.roles.map((role) => (role.kind === "param" ? params[role.name]! : role.kind === "state" ? state[role.name]! : x));
  }
}

function key(role: StepInput): string {
  return role.kind === "param" || role.kind === "state" ? `${role.kind}:${role.name}` : role.kind;
}
