import * as core from "@ostl/core";
import type { DType, NDArray, TypedArray } from "@ostl/core";
import { TypedKernels } from "./typed-kernels.js";
import { bind, type Graph, type IrConst, type IrEquation, type IrVar, type Tensor, type TensorLike } from "@ostl/autodiff";

/**
 * The directions a {@link DiagonalForward} differentiates along, each a vector of n units: graph
 * inputs (by name: `1.s` for state field s, `0.b` for parameter b), variables whose values are
 * supplied instead of computed (`overrides`, e.g. a factored parameter's product W u), and
 * variables perturbed by a zero vector (`perturbations`, giving ∂·/∂ of that variable's value).
 *
 * @example
 * ```ts
 * import type { DiagonalDirections } from "@ostl/ostl";
 * const directions: DiagonalDirections = { inputs: ["1.s", "1.y", "0.b"], overrides: [5], perturbations: [9] };
 * console.log(directions.inputs.length + directions.overrides.length + directions.perturbations.length); // 5
 * ```
 */
export interface DiagonalDirections {
  readonly inputs: readonly string[];
  readonly overrides: readonly number[];
  readonly perturbations: readonly number[];
}

/** Union of sorted direction lists. */
function union(lists: readonly (readonly number[])[]): number[] {
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}

/** What `run` does for one equation, worked out once by `compile`. */
interface EquationPlan {
  readonly eq: IrEquation;
  /** Index into the overrides (the equation is skipped), or -1. */
  readonly override: number;
  /** Whether the output has a tangent, and so needs the op's partials. */
  readonly differentiated: boolean;
  /** Directions of the output's tangent that may be nonzero. */
  readonly active: readonly number[];
  /** Per input: the directions its tangent may be nonzero along (empty for none). */
  readonly inputActive: readonly (readonly number[])[];
  /** The direction seeded by a perturbation of the output, or -1. */
  readonly perturbation: number;
  /** A reused tangent buffer, or null when the output is a graph output (given a new array each run). */
  readonly buffer: TypedArray | null;
}

/**
 * Forward mode over a traced step whose Jacobians along the chosen directions are diagonal
 * (elementwise ops after the overridden products, as the structure analysis proves for SNUs),
 * on buffers of its own. Each direction is seeded with ones, so the tangent of every variable in
 * that direction is its diagonal derivative. Per equation it calls the op's `impl` once and its
 * `partials` once, then updates all K tangents in one loop (t_out = Σ_k ∂out/∂arg_k ⊙ t_k): a few
 * ops per equation instead of a taped pass and one reverse pass per target. `compile` returns
 * null when the graph is outside this scope (an op without partials, or a differentiated value
 * that is not a vector of n units); callers then use the general path. Tangents are of the
 * evaluator's dtype (that of the values it runs on), updated by that dtype's kernels.
 *
 * @example
 * ```ts
 * import { DiagonalForward } from "@ostl/ostl";
 * import { mul, sigmoid, tensor, trace } from "@ostl/autodiff";
 * // y = σ(2 s): ∂y/∂s = 2 σ'(2 s)
 * const graph = trace((s: any) => sigmoid(mul(2, s)), tensor([0, 1]));
 * const forward = DiagonalForward.compile(graph, 2, { inputs: [graph.inputs[0]!.name], overrides: [], perturbations: [] })!;
 * const { values, tangents } = forward.run([tensor([0, 1])], []);
 * console.log(values[0]!.toNested().map((v) => v.toFixed(4)), [...tangents[0]!].map((v) => v.toFixed(4))); // ["0.5000", "0.8808"] ["0.5000", "0.2100"]
 * ```
 */
export class DiagonalForward {
  /** Number of directions K; tangents are laid out `[K, n]`. */
  readonly directions: number;
  private readonly plans: readonly EquationPlan[];
  /** Seed tangents of inputs and overrides, by variable id: ones in their own direction. */
  private readonly seeds: (TypedArray | undefined)[];
  /** Variables holding values during a run, by id. */
  private readonly slots: number;
  private readonly kernels: TangentKernels;

  private constructor(
    private readonly graph: Graph,
    private readonly n: number,
    private readonly spec: DiagonalDirections,
    private readonly dtype: DType,
  ) {
    const K = spec.inputs.length + spec.overrides.length + spec.perturbations.length;
    this.directions = K;
    this.kernels = tangentKernels.of(dtype);
    const seed = (d: number) => {
      const t = core.zeros([K * n], dtype).data;
      t.fill(1, d * n, (d + 1) * n);
      return t;
    };
    this.slots = 1 + Math.max(...graph.inputs.map((v) => v.id), ...graph.equations.map((eq) => eq.out.id));
    this.seeds = new Array<TypedArray | undefined>(this.slots);
    const active = new Array<number[]>(this.slots).fill([]);
    for (const v of graph.inputs) {
      const d = spec.inputs.indexOf(v.name);
      if (d >= 0) {
        active[v.id] = [d];
        this.seeds[v.id] = seed(d);
      }
    }
    const outputs = new Set(graph.outputs.filter((o): o is IrVar => o.kind === "var").map((o) => o.id));
    this.plans = graph.equations.map((eq): EquationPlan => {
      const id = eq.out.id;
      const inputActive = eq.inputs.map((a) => (a.kind === "var" ? active[a.id]! : []));
      const override = spec.overrides.indexOf(id);
      if (override >= 0) {
        const d = spec.inputs.length + override;
        active[id] = [d];
        this.seeds[id] = seed(d);
        return { eq, override, differentiated: false, active: [d], inputActive, perturbation: -1, buffer: null };
      }
      const perturbed = spec.perturbations.indexOf(id);
      const perturbation = perturbed < 0 ? -1 : spec.inputs.length + spec.overrides.length + perturbed;
      active[id] = union([perturbation < 0 ? [] : [perturbation], ...inputActive]);
      const differentiated = active[id]!.length > 0;
      return { eq, override, differentiated, active: active[id]!, inputActive, perturbation, buffer: differentiated && !outputs.has(id) ? core.zeros([K * n], dtype).data : null };
    });
  }

  /**
   * A forward evaluator for `graph` with vectors of `n` units and values of `dtype`, or null when
   * the graph is outside its scope: an equation to compute whose op has no `partials`, a
   * differentiated variable that is not `[n]`, or a direction that names no input or variable.
   */
  static compile(graph: Graph, n: number, directions: DiagonalDirections, dtype: DType = "float64"): DiagonalForward | null {
    const byName = new Map(graph.inputs.map((v) => [v.name, v] as const));
    if (!directions.inputs.every((name) => byName.get(name)?.shape.join() === String(n))) return null;
    const ids = new Set(graph.equations.map((eq) => eq.out.id));
    if (![...directions.overrides, ...directions.perturbations].every((id) => ids.has(id))) return null;
    const forward = new DiagonalForward(graph, n, directions, dtype);
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
   * directions' overrides. Returns the output values (graph output order) and, per output, its
   * tangents `[K, n]` (direction d at `d·n`; new arrays), or null for an output that depends on
   * no direction.
   *
   * @throws {@link OstlError} for a wrong number of inputs or overrides.
   */
  run(inputs: readonly TensorLike[], overrides: readonly Tensor[]): { values: Tensor[]; tangents: (TypedArray | null)[] } {
    if (inputs.length !== this.graph.inputs.length || overrides.length !== this.spec.overrides.length) {
      throw new core.OstlError("DiagonalForward.run", `needs ${this.graph.inputs.length} inputs and ${this.spec.overrides.length} overrides, got ${inputs.length} and ${overrides.length}`);
    }
    const n = this.n;
    const K = this.directions;
    const values = new Array<TensorLike | undefined>(this.slots);
    const tangents = this.seeds.slice();
    this.graph.inputs.forEach((v, i) => (values[v.id] = inputs[i]!));
    const read = (a: IrVar | IrConst) => (a.kind === "const" ? a.value : values[a.id]!);
    for (const plan of this.plans) {
      const eq = plan.eq;
      const id = eq.out.id;
      if (plan.override >= 0) {
        values[id] = overrides[plan.override]!;
        continue;
      }
      const args = eq.inputs.map(read);
      const out = bind(eq.op, args, eq.params);
      values[id] = out;
      if (!plan.differentiated) continue;
      let t = plan.buffer;
      if (t === null) t = core.zeros([K * n], this.dtype).data;
      else for (const d of plan.active) t.fill(0, d * n, (d + 1) * n);
      const partials = eq.op.partials!(args, out, eq.params);
      for (let k = 0; k < eq.inputs.length; k++) {
        const a = eq.inputs[k]!;
        const ta = a.kind === "var" ? tangents[a.id] : undefined;
        const p = partials[k];
        if (ta === undefined || p === null || p === undefined) continue;
        addScaled(this.kernels, t, ta, p, n, plan.inputActive[k]!);
      }
      if (plan.perturbation >= 0) for (let i = plan.perturbation * n; i < (plan.perturbation + 1) * n; i++) t[i]! += 1;
      tangents[id] = t;
    }
    return {
      values: this.graph.outputs.map((o) => {
        const v = read(o);
        return typeof v === "number" ? core.tensor(v) : v;
      }),
      tangents: this.graph.outputs.map((o) => {
        if (o.kind === "const") return null;
        const t = tangents[o.id];
        // an output that is an input or an override: a copy of its seed, not the shared array
        return t === undefined ? null : this.seeds[o.id] === t ? t.slice() : t;
      }),
    };
  }
}

/** t[d, i] += p_i · u[d, i] for the directions d where u may be nonzero; p is a number, a scalar array or n values. */
function addScaled(kernels: TangentKernels, t: TypedArray, u: TypedArray, p: TensorLike, n: number, directions: readonly number[]): void {
  if (typeof p === "number" || p.size === 1) kernels.addScaledByNumber(t, u, typeof p === "number" ? p : (p as NDArray).item(), n, directions);
  else kernels.addScaledByVector(t, u, core.contiguous(p.shape.length === 1 ? (p as NDArray) : core.broadcastTo(p as NDArray, [n])).data, n, directions);
}

/** t[d, i] += s · u[d, i] for the directions d where u may be nonzero. */
function addScaledByNumber(t: TypedArray, u: TypedArray, s: number, n: number, directions: readonly number[]): void {
  for (const d of directions) for (let i = d * n; i < (d + 1) * n; i++) t[i]! += s * u[i]!;
}

/** t[d, i] += p_i · u[d, i] for the directions d where u may be nonzero. */
function addScaledByVector(t: TypedArray, u: TypedArray, p: TypedArray, n: number, directions: readonly number[]): void {
  for (const d of directions) for (let i = 0, r = d * n; i < n; i++, r++) t[r]! += p[i]! * u[r]!;
}

/** The tangent updates by element type (see TypedKernels). */
const tangentKernels = new TypedKernels({ addScaledByNumber, addScaledByVector });
type TangentKernels = ReturnType<typeof tangentKernels.of>;
