import * as core from "@ostl/core";
import type { DType, NDArray, TypedArray } from "@ostl/core";
import { concat, type Graph, type IrEquation, jit, type Jitted, jvp, reshape, shapeOf, type Tensor, type TensorLike, type Tree, vjp } from "@ostl/autodiff";
import { replayGraph } from "./replay.js";

/**
 * The directions a {@link DiagonalForward} differentiates along, each a vector of n units: graph
 * inputs (by index, e.g. `StepInputs.state("s")` for state field s), variables whose values are
 * supplied instead of computed (`overrides`, e.g. a factored parameter's product W u), and
 * variables perturbed by a zero vector (`perturbations`, giving ∂·/∂ of that variable's value).
 *
 * @example
 * ```ts
 * import type { DiagonalDirections } from "@ostl/ostl";
 * const directions: DiagonalDirections = { inputs: [2, 3, 1], overrides: [5], perturbations: [9] };
 * console.log(directions.inputs.length + directions.overrides.length + directions.perturbations.length); // 5
 * ```
 */
export interface DiagonalDirections {
  readonly inputs: readonly number[];
  readonly overrides: readonly number[];
  readonly perturbations: readonly number[];
}

/** Union of sorted direction lists. */
function union(lists: readonly (readonly number[])[]): number[] {
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}

/** What `compile` works out for one equation: whether its output has a tangent, which directions may reach it. */
interface EquationPlan {
  readonly eq: IrEquation;
  /** Whether the output has a tangent (some direction reaches it), and so must be elementwise. */
  readonly differentiated: boolean;
  /** Per input: the directions its tangent may be nonzero along (empty for none). */
  readonly inputActive: readonly (readonly number[])[];
}

/**
 * Forward mode over a traced step whose Jacobians along the chosen directions are diagonal
 * (elementwise ops after the overridden products, as the structure analysis proves for SNUs).
 * Each direction is seeded with ones, so the tangent of every output in that direction is its
 * diagonal derivative. `compile` returns null when the graph is outside this scope (an op without
 * elementwise partials on a differentiated value, or a differentiated value that is not a vector
 * of n units); callers then use the general path. Inside the scope, `run` is one compiled
 * program, made per input signature and dtype: a batched JVP of the replayed graph (K directions
 * at once), or, when the graph has fewer differentiated outputs than directions (an LSTM: 3
 * outputs, 14 directions), one reverse pass per output seeded with ones, which gives the same
 * diagonals.
 *
 * @example
 * ```ts
 * import { DiagonalForward } from "@ostl/ostl";
 * import { mul, sigmoid, tensor, trace } from "@ostl/autodiff";
 * // y = σ(2 s): ∂y/∂s = 2 σ'(2 s)
 * const graph = trace((s: any) => sigmoid(mul(2, s)), tensor([0, 1]));
 * const forward = DiagonalForward.compile(graph, 2, { inputs: [0], overrides: [], perturbations: [] })!;
 * const { values, tangents } = forward.run([tensor([0, 1])], []);
 * console.log(values[0]!.toFlat().map((v) => v.toFixed(4)), [...tangents[0]!].map((v) => v.toFixed(4))); // ["0.5000", "0.8808"] ["0.5000", "0.2100"]
 * ```
 */
export class DiagonalForward {
  /** Number of directions K; tangents are laid out `[K, n]`. */
  readonly directions: number;
  private readonly plans: readonly EquationPlan[];
  /** Per graph output, whether some direction reaches it (else its tangent is null). */
  private readonly reached: readonly boolean[];
  private readonly program: Jitted<[Tensor[], Tensor[], Tensor[]], { values: Tensor[]; tangents: Tensor[] }>;
  /** Per graph input, whether it is a fixed input (see `compile`). */
  private readonly isFixed: readonly boolean[];

  private constructor(
    private readonly graph: Graph,
    private readonly n: number,
    private readonly spec: DiagonalDirections,
    private readonly dtype: DType,
    private readonly overridesOf: ((inputs: readonly Tensor[]) => Tensor[]) | null,
    fixedInputs: readonly number[],
  ) {
    this.isFixed = graph.inputs.map((_, i) => fixedInputs.includes(i));
    const K = spec.inputs.length + spec.overrides.length + spec.perturbations.length;
    this.directions = K;
    const slots = 1 + Math.max(...graph.inputs.map((v) => v.id), ...graph.equations.map((eq) => eq.out.id));
    const active = new Array<number[]>(slots).fill([]);
    graph.inputs.forEach((v, i) => {
      const d = spec.inputs.indexOf(i);
      if (d >= 0) active[v.id] = [d];
    });
    this.plans = graph.equations.map((eq): EquationPlan => {
      const id = eq.out.id;
      const inputActive = eq.inputs.map((a) => (a.kind === "var" ? active[a.id]! : []));
      const override = spec.overrides.indexOf(id);
      if (override >= 0) {
        active[id] = [spec.inputs.length + override];
        return { eq, differentiated: false, inputActive };
      }
      const perturbed = spec.perturbations.indexOf(id);
      active[id] = union([perturbed < 0 ? [] : [spec.inputs.length + spec.overrides.length + perturbed], ...inputActive]);
      return { eq, differentiated: active[id]!.length > 0, inputActive };
    });
    this.reached = graph.outputs.map((o) => o.kind === "var" && active[o.id]!.length > 0);
    // the tangents are the program's own buffers (read before the next run); the values are copied out in run()
    // the fixed inputs come as one argument of their own, declared fixed to jit
    this.program = jit(
      (fixed: Tensor[], rest: Tensor[], overrides: Tensor[]) => {
        const inputs = this.joined(fixed, rest);
        return this.differentiate(inputs, this.overridesOf === null ? overrides : this.overridesOf(inputs));
      },
      { reuseOutputs: true, fixedArguments: [0] },
    );
  }

  /** The graph's inputs, in order, from the fixed ones and the rest. */
  private joined(fixed: readonly Tensor[], rest: readonly Tensor[]): Tensor[] {
    let [f, r] = [0, 0];
    return this.isFixed.map((isFixed) => (isFixed ? fixed[f++]! : rest[r++]!));
  }

  /** The traced body of the program: a batched JVP of the replayed graph, direction d seeded with ones on its own primal. */
  private differentiate(inputs: readonly Tensor[], overrides: readonly Tensor[]): { values: Tensor[]; tangents: Tensor[] } {
    const { graph, spec, n, dtype } = this;
    const K = this.directions;
    const at = spec.inputs;
    const zeros = spec.perturbations.map(() => core.zeros([n], dtype));
    const primals = [...at.map((i) => inputs[i]!), ...overrides, ...zeros];
    const seeds = primals.map((_, d) => {
      const seed = core.zeros([K, n], dtype);
      seed.data.fill(1, d * n, (d + 1) * n);
      return seed;
    });
    const replayed = (...directions: Tensor[]) => {
      const replayInputs = inputs.slice();
      at.forEach((i, d) => (replayInputs[i] = directions[d]!));
      const replayOverrides = new Map(spec.overrides.map((id, j) => [id, directions[at.length + j]!] as const));
      const replayPerturbations = new Map(spec.perturbations.map((id, j) => [id, directions[at.length + spec.overrides.length + j]!] as const));
      return replayGraph(graph, replayInputs, replayOverrides, replayPerturbations);
    };
    if (this.reached.filter(Boolean).length >= K) {
      const [values, tangents] = jvp(replayed as (...a: Tree[]) => Tree, primals, seeds, { batch: K }) as unknown as [Tensor[], Tensor[]];
      return { values, tangents };
    }
    // fewer outputs than directions: one reverse pass per output, seeded with ones on it, gives
    // that output's diagonal derivative along every direction at once
    const [values, pullback] = vjp(replayed as (...a: Tree[]) => Tree, ...primals) as unknown as [Tensor[], (cotangent: Tree) => Tensor[]];
    const tangents = values.map((_, o) => {
      if (!this.reached[o]) return core.zeros([K, n], dtype);
      const seed = values.map((v, j) => (j === o ? core.ones([n], dtype) : core.zeros(shapeOf(v), dtype)));
      return reshape(concat(pullback(seed), 0), [K, n]);
    });
    return { values, tangents };
  }

  /**
   * A forward evaluator for `graph` with vectors of `n` units and values of `dtype`, or null when
   * the graph is outside its scope: an equation to compute whose op has no `partials`, a
   * differentiated variable that is not `[n]`, or a direction that names no input or variable.
   * `overridesOf`, when given, computes the overrides from the graph's inputs inside the program
   * (with the differentiable ops, e.g. a factored product W u); `run` then takes none.
   * `fixedInputs` names graph inputs whose arrays the caller does not change in place between
   * runs (the parameters, passed anew when they change): the program keeps their weight matrices
   * (`JitOptions.fixedArguments`).
   */
  static compile(
    graph: Graph,
    n: number,
    directions: DiagonalDirections,
    dtype: DType = "float64",
    overridesOf: ((inputs: readonly Tensor[]) => Tensor[]) | null = null,
    fixedInputs: readonly number[] = [],
  ): DiagonalForward | null {
    if (!directions.inputs.every((i) => graph.inputs[i]?.shape.join() === String(n))) return null;
    const ids = new Set(graph.equations.map((eq) => eq.out.id));
    if (![...directions.overrides, ...directions.perturbations].every((id) => ids.has(id))) return null;
    const forward = new DiagonalForward(graph, n, directions, dtype, overridesOf, fixedInputs);
    const vector = (shape: readonly number[]) => shape.length === 1 && shape[0] === n;
    for (const plan of forward.plans) {
      if (!plan.differentiated) continue;
      if (typeof plan.eq.op.partials !== "function" || !vector(plan.eq.out.shape)) return null;
      if (plan.eq.inputs.some((a, k) => plan.inputActive[k]!.length > 0 && !vector(a.shape))) return null;
    }
    return forward;
  }

  /**
   * Evaluates the step: `inputs` in the graph's input order, `overrides` in the order of the
   * directions' overrides (none when the evaluator computes them, see `compile`). Returns the
   * output values (graph output order; new arrays) and, per output, its tangents `[K, n]`
   * (direction d at `d·n`), or null for an output that depends on no direction. The tangents are
   * the program's buffers, overwritten by the next `run`.
   *
   * @throws {@link OstlError} for a wrong number of inputs or overrides.
   */
  run(inputs: readonly TensorLike[], overrides: readonly Tensor[]): { values: Tensor[]; tangents: (TypedArray | null)[] } {
    const expected = this.overridesOf === null ? this.spec.overrides.length : 0;
    if (inputs.length !== this.graph.inputs.length || overrides.length !== expected) {
      throw new core.OstlError("DiagonalForward.run", `needs ${this.graph.inputs.length} inputs and ${expected} overrides, got ${inputs.length} and ${overrides.length}`);
    }
    const asArray = (v: TensorLike) => (typeof v === "number" ? core.tensor(v, { dtype: this.dtype }) : v);
    const arrays = inputs.map(asArray);
    const { values, tangents } = this.program(
      arrays.filter((_, i) => this.isFixed[i]),
      arrays.filter((_, i) => !this.isFixed[i]),
      overrides.slice(),
    );
    return {
      values: copiedIntoOne(values.map((v) => asArray(v) as NDArray), this.dtype),
      tangents: tangents.map((t, o) => (this.reached[o] ? core.contiguous(t as NDArray).data : null)),
    };
  }
}

/** Copies of `arrays`, dense, as views into one new array of `dtype` (one allocation for a step's outputs). */
function copiedIntoOne(arrays: readonly NDArray[], dtype: DType): NDArray[] {
  const data = core.allocate("DiagonalForward.run", dtype, [arrays.reduce((n, a) => n + a.size, 0)]);
  let at = 0;
  return arrays.map((a) => {
    data.set(core.contiguous(a).data, at);
    const copy = new core.NDArray({ data, shape: a.shape.slice(), stride: core.contiguousStrides(a.shape), offset: at } as never);
    at += a.size;
    return copy;
  });
}
