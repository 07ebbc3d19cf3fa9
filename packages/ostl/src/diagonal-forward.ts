import * as core from "@ostl/core";
import type { NDArray } from "@ostl/core";
import { bind, type Graph, type IrConst, type IrVar, type Tensor, type TensorLike } from "@ostl/autodiff";

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

/** Where a variable's tangent comes from: nowhere (a constant of the step), a seed, or its equation. */
type TangentSource = "none" | "seed" | "computed";

/** Union of sorted direction lists. */
function union(lists: readonly (readonly number[])[]): number[] {
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}

/**
 * Forward mode over a traced step whose Jacobians along the chosen directions are diagonal
 * (elementwise ops after the overridden products, as the structure analysis proves for SNUs),
 * on buffers of its own. Each direction is seeded with ones, so the tangent of every variable in
 * that direction is its diagonal derivative. Per equation it calls the op's `impl` once and its
 * `partials` once, then updates all K tangents in one loop (t_out = Σ_k ∂out/∂arg_k ⊙ t_k): a few
 * ops per equation instead of a taped pass and one reverse pass per target. `compile` returns
 * null when the graph is outside this scope (an op without partials, or a differentiated value
 * that is not a vector of n units); callers then use the general path.
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
  private readonly sources: Map<number, TangentSource>;
  /** Seed tangents of inputs and overrides: ones in their own direction. */
  private readonly seeds: Map<number, Float64Array>;
  /** Reused tangent buffers of intermediate variables. */
  private readonly buffers: Map<number, Float64Array>;
  private readonly outputIds: ReadonlySet<number>;
  /** Directions along which each variable's tangent can be nonzero (the others stay zero). */
  private readonly active: Map<number, number[]>;

  private constructor(
    private readonly graph: Graph,
    private readonly n: number,
    private readonly spec: DiagonalDirections,
  ) {
    const K = spec.inputs.length + spec.overrides.length + spec.perturbations.length;
    this.directions = K;
    const seed = (d: number) => {
      const t = new Float64Array(K * n);
      t.fill(1, d * n, (d + 1) * n);
      return t;
    };
    this.sources = new Map();
    this.seeds = new Map();
    this.active = new Map();
    for (const v of graph.inputs) {
      const d = spec.inputs.indexOf(v.name);
      this.sources.set(v.id, d < 0 ? "none" : "seed");
      this.active.set(v.id, d < 0 ? [] : [d]);
      if (d >= 0) this.seeds.set(v.id, seed(d));
    }
    this.buffers = new Map();
    this.outputIds = new Set(graph.outputs.filter((o): o is IrVar => o.kind === "var").map((o) => o.id));
    for (const eq of graph.equations) {
      const o = spec.overrides.indexOf(eq.out.id);
      if (o >= 0) {
        this.sources.set(eq.out.id, "seed");
        this.seeds.set(eq.out.id, seed(spec.inputs.length + o));
        this.active.set(eq.out.id, [spec.inputs.length + o]);
        continue;
      }
      const perturbed = spec.perturbations.indexOf(eq.out.id);
      const own = perturbed < 0 ? [] : [spec.inputs.length + spec.overrides.length + perturbed];
      this.active.set(eq.out.id, union([own, ...eq.inputs.map((a) => (a.kind === "var" ? this.active.get(a.id)! : []))]));
      const differentiated = this.active.get(eq.out.id)!.length > 0;
      this.sources.set(eq.out.id, differentiated ? "computed" : "none");
      if (differentiated) this.buffers.set(eq.out.id, new Float64Array(K * n));
    }
  }

  /**
   * A forward evaluator for `graph` with vectors of `n` units, or null when the graph is outside
   * its scope: an equation to compute whose op has no `partials`, a differentiated variable that
   * is not `[n]`, or a direction that names no input or variable.
   */
  static compile(graph: Graph, n: number, directions: DiagonalDirections): DiagonalForward | null {
    const byName = new Map(graph.inputs.map((v) => [v.name, v] as const));
    if (!directions.inputs.every((name) => byName.get(name)?.shape.join() === String(n))) return null;
    const ids = new Set(graph.equations.map((eq) => eq.out.id));
    if (![...directions.overrides, ...directions.perturbations].every((id) => ids.has(id))) return null;
    const forward = new DiagonalForward(graph, n, directions);
    for (const eq of graph.equations) {
      if (forward.sources.get(eq.out.id) !== "computed") continue;
      if (typeof eq.op.partials !== "function" || eq.out.shape.join() !== String(n)) return null;
      if (eq.inputs.some((a) => a.kind === "var" && forward.sources.get(a.id) !== "none" && a.shape.join() !== String(n))) return null;
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
  run(inputs: readonly TensorLike[], overrides: readonly Tensor[]): { values: Tensor[]; tangents: (Float64Array | null)[] } {
    if (inputs.length !== this.graph.inputs.length || overrides.length !== this.spec.overrides.length) {
      throw new core.OstlError("DiagonalForward.run", `needs ${this.graph.inputs.length} inputs and ${this.spec.overrides.length} overrides, got ${inputs.length} and ${overrides.length}`);
    }
    const n = this.n;
    const K = this.directions;
    const values = new Map<number, TensorLike>();
    const tangents = new Map<number, Float64Array>();
    this.graph.inputs.forEach((v, i) => {
      values.set(v.id, inputs[i]!);
      const seed = this.seeds.get(v.id);
      if (seed !== undefined) tangents.set(v.id, seed);
    });
    const read = (a: IrVar | IrConst) => (a.kind === "const" ? a.value : values.get(a.id)!);
    for (const eq of this.graph.equations) {
      const id = eq.out.id;
      const o = this.spec.overrides.indexOf(id);
      if (o >= 0) {
        values.set(id, overrides[o]!);
        tangents.set(id, this.seeds.get(id)!);
        continue;
      }
      const args = eq.inputs.map(read);
      const out = bind(eq.op, args, eq.params);
      values.set(id, out);
      if (this.sources.get(id) !== "computed") continue;
      const active = this.active.get(id)!;
      const t = this.outputIds.has(id) ? new Float64Array(K * n) : this.buffers.get(id)!;
      if (!this.outputIds.has(id)) for (const d of active) t.fill(0, d * n, (d + 1) * n);
      const partials = eq.op.partials!(args, out, eq.params);
      eq.inputs.forEach((a, k) => {
        const ta = a.kind === "var" ? tangents.get(a.id) : undefined;
        const p = partials[k];
        if (ta === undefined || p === null || p === undefined) return;
        addScaled(t, ta, p, n, this.active.get((a as IrVar).id)!);
      });
      const perturbed = this.spec.perturbations.indexOf(id);
      if (perturbed >= 0) {
        const d = this.spec.inputs.length + this.spec.overrides.length + perturbed;
        for (let i = d * n; i < (d + 1) * n; i++) t[i]! += 1;
      }
      tangents.set(id, t);
    }
    return {
      values: this.graph.outputs.map((o) => {
        const v = read(o);
        return typeof v === "number" ? core.tensor(v) : v;
      }),
      tangents: this.graph.outputs.map((o) => {
        if (o.kind === "const") return null;
        const t = tangents.get(o.id);
        // an output that is an input or an override: a copy of its seed, not the shared array
        return t === undefined ? null : this.seeds.get(o.id) === t ? t.slice() : t;
      }),
    };
  }
}

/** t[d, i] += p_i · u[d, i] for the directions d where u may be nonzero; p is a number, a scalar array or n values. */
function addScaled(t: Float64Array, u: Float64Array, p: TensorLike, n: number, directions: readonly number[]): void {
  if (typeof p === "number" || p.size === 1) {
    const s = typeof p === "number" ? p : (p as NDArray).item();
    for (const d of directions) for (let i = d * n; i < (d + 1) * n; i++) t[i]! += s * u[i]!;
    return;
  }
  const pd = core.contiguous(core.broadcastTo(p as NDArray, [n])).data;
  for (const d of directions) for (let i = 0, r = d * n; i < n; i++, r++) t[r]! += pd[i]! * u[r]!;
}
