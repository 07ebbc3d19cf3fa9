/**
 * The influence recurrence of a step as compiled programs: what RTRL carries for a whole network
 * and dense OSTL traces carry for one layer.
 *
 * @module
 */
import * as core from "@ostl/core";
import type { DType, NDArray, TypedArray } from "@ostl/core";
import { type Tensor, type Tree, concat, flatten, jit, jvp, reshape, vjp } from "@ostl/autodiff";
import { TreeLayout } from "../model/tree-layout.js";
import { type InfluenceUpdate, influenceUpdate } from "./influence-update.js";

/**
 * A step whose influence is carried: the next state and output from the state, the params whose
 * influence is carried, and the input.
 *
 * @example
 * ```ts
 * import type { InfluenceStepOf } from "@ostl/ostl";
 * import { add, mul, type Tensor } from "@ostl/autodiff";
 * import { tensor } from "@ostl/core";
 * // s_t = w s_{t-1} + x_t, output y_t = s_t
 * const step: InfluenceStepOf = (s, p, x) => {
 *   const next = add(mul((p as { w: Tensor }).w, (s as { s: Tensor }).s), x);
 *   return { state: { s: next }, y: next };
 * };
 * console.log((step({ s: tensor([2]) }, { w: tensor([3]) }, tensor([1])).y as Tensor).toNested()); // [7]
 * ```
 */
export type InfluenceStepOf = (state: Tree, params: Tree, x: Tensor) => { state: Tree; y: Tensor };

/**
 * Flattens a tree of arrays `[K, ...leaf]` into one `[K, Σ leaf sizes]` matrix (flatten order;
 * traceable: batched tangents inside jit).
 *
 * @example
 * ```ts
 * import { rowsOf } from "@ostl/ostl";
 * import { tensor } from "@ostl/core";
 * console.log(rowsOf({ a: tensor([[1], [2]]), b: tensor([[3, 4], [5, 6]]) }, 2).toNested()); // [[1, 3, 4], [2, 5, 6]]
 * ```
 */
export function rowsOf(tree: Tree, k: number): Tensor {
  return concat(flatten(tree).leaves.map((leaf) => reshape(leaf as Tensor, [k, -1])), 1);
}

/**
 * One vector of a tree's entries in flatten order (traceable: inside jit, jvp and vjp too).
 *
 * @example
 * ```ts
 * import { entriesOf } from "@ostl/ostl";
 * import { tensor } from "@ostl/core";
 * console.log(entriesOf({ W: tensor([[1, 2]]), b: tensor([3]) }).toNested()); // [1, 2, 3]
 * ```
 */
export function entriesOf(tree: Tree): Tensor {
  return concat(flatten(tree).leaves.map((leaf) => reshape(leaf as Tensor, [-1])));
}

/**
 * A step's reverse pass over its params: seedᵀ ∂(s_t, y_t)/∂θ with s_{t-1} held fixed, for a
 * cotangent `seed` over the entries of (s_t, y_t), or of s_t alone without `withOutput`.
 *
 * @example
 * ```ts
 * import type { ParamPullback } from "@ostl/ostl";
 * import { tensor } from "@ostl/core";
 * const zero: ParamPullback = (_state, _params, _x, seed) => tensor(new Array(seed.size).fill(0));
 * console.log(zero({}, {}, tensor([1]), tensor([1, 2])).toNested()); // [0, 0]
 * ```
 */
export type ParamPullback = (state: Tree, params: Tree, x: Tensor, seed: Tensor) => Tensor;

/**
 * A step's reverse pass over its params, one vector of param entries (flatten order) per
 * cotangent: by default one compiled program, whose output array is reused from call to call and
 * whose params are a fixed argument (see `JitOptions`); with `compiled` false the interpreted
 * pass, for a step that reads its traced values.
 *
 * @example
 * ```ts
 * import { paramPullback } from "@ostl/ostl";
 * import { add, mul, type Tensor } from "@ostl/autodiff";
 * import { tensor } from "@ostl/core";
 * // s_t = w s_{t-1} + x_t = y_t: ∂s_t/∂w = s_{t-1}
 * const pullback = paramPullback((s, p, x) => {
 *   const next = add(mul((p as { w: Tensor }).w, (s as { s: Tensor }).s), x);
 *   return { state: { s: next }, y: next };
 * }, true);
 * // seed 1 on s_t and 2 on y_t (the same value): (1 + 2) s_{t-1}
 * console.log(pullback({ s: tensor([2]) }, { w: tensor([0.5]) }, tensor([1]), tensor([1, 2])).toNested()); // [6]
 * ```
 */
export function paramPullback(step: InfluenceStepOf, withOutput: boolean, compiled = true): ParamPullback {
  const pullbackOf: ParamPullback = (state, params, x, seed) => {
    const [, pullback] = vjp((p: Tree) => {
      const out = step(state, p, x);
      return withOutput ? concat([entriesOf(out.state), reshape(out.y, [-1])]) : entriesOf(out.state);
    }, params);
    return entriesOf(pullback(seed)[0] as Tree);
  };
  return compiled ? jit(pullbackOf, { reuseOutputs: true, fixedArguments: [1] }) : pullbackOf;
}

/**
 * A step with the transpose of its temporal Jacobian: `jacobianT` row j is ∂(s_t, y_t)/∂s_{t-1,j}
 * over the entries of s_t and, with `withOutput`, then those of y_t.
 *
 * @example
 * ```ts
 * import type { StepWithJacobian } from "@ostl/ostl";
 * import { tensor } from "@ostl/core";
 * const identity: StepWithJacobian = (state, _params, x) => ({ state, y: x, jacobianT: tensor([[1]]) });
 * console.log(identity({ s: tensor([1]) }, {}, tensor([2])).jacobianT.toNested()); // [[1]]
 * ```
 */
export type StepWithJacobian = (state: Tree, params: Tree, x: Tensor) => { state: Tree; y: Tensor; jacobianT: Tensor };

/**
 * A step with the transpose of its temporal Jacobian, by one forward-mode pass over the state with
 * |s| tangent directions (the identity): one compiled program by default, the interpreted pass
 * with `compiled` false (for a step that reads its traced values).
 *
 * @example
 * ```ts
 * import { stepWithJacobian } from "@ostl/ostl";
 * import { add, mul, type Tensor } from "@ostl/autodiff";
 * import { tensor } from "@ostl/core";
 * // s_t = w ⊙ s_{t-1} + x_t: ∂s_t/∂s_{t-1} = diag(w); y_t = 3 s_t
 * const step = stepWithJacobian((s, p, x) => {
 *   const next = add(mul((p as { w: Tensor }).w, (s as { s: Tensor }).s), x);
 *   return { state: { s: next }, y: mul(3, next) };
 * }, true);
 * console.log(step({ s: tensor([1, 2]) }, { w: tensor([0.5, 2]) }, tensor([0, 0])).jacobianT.toNested()); // [[0.5, 0, 1.5, 0], [0, 2, 0, 6]]
 * ```
 */
export function stepWithJacobian(step: InfluenceStepOf, withOutput: boolean, compiled = true): StepWithJacobian {
  const withJacobian: StepWithJacobian = (state, params, x) => {
    const S = new TreeLayout(state).size;
    const identity = new TreeLayout(state).identityTangents();
    const [out, tangents] = jvp((s: Tree) => step(s, params, x) as unknown as Tree, [state], [identity], { batch: S }) as unknown as [
      { state: Tree; y: Tensor },
      { state: Tree; y: Tensor },
    ];
    // row j: ∂(s_t, y_t)/∂s_{t-1, j}
    const jacobianT = withOutput ? concat([rowsOf(tangents.state, S), reshape(tangents.y, [S, -1])], 1) : rowsOf(tangents.state, S);
    return { state: out.state, y: out.y, jacobianT };
  };
  return compiled ? jit(withJacobian) : withJacobian;
}

/**
 * The influence recurrence M_t = ∂s_t/∂θ of a step (s_t, y_t) = f(s_{t-1}, θ, x_t), with
 * e_t = dy_t/dθ, one row per state entry (or output entry) and one column per param entry:
 *
 *   [M_t; e_t] = [J; J_y] M_{t-1} + [I; I_y],   J = ∂s_t/∂s_{t-1}, J_y = ∂y_t/∂s_{t-1},
 *                                               I = ∂s_t/∂θ,       I_y = ∂y_t/∂θ,
 *
 * from three compiled programs per signature:
 * - the step with J and J_y, by one forward-mode pass with |s| tangent directions (the identity
 *   on the state);
 * - one row of [I; I_y] per call, by one reverse pass seeded with that row's unit vector (the
 *   params never take tangents, so nothing of size P² is made, unlike a forward pass with the
 *   params' identity tangents);
 * - the product and sum, `[J; J_y] M_{t-1} + [I; I_y]`: (|s| + |y|)·|s|·P multiply-adds.
 *
 * When y is a state field (`outputField`, a path of the state's tree), e_t is that field's rows of
 * M_t and the |y| extra rows are not computed. `accumulate(L)` adds L·e_t to the gradient. Exact; it
 * holds |s|·P floats of influence. `advance` throws `jit`'s `ValueReadError` on its first call when
 * the step reads the values of its traced arguments; callers then run the step interpreted.
 *
 * @example
 * ```ts
 * import { CompiledInfluence } from "@ostl/ostl";
 * import { add, mul, type Tensor } from "@ostl/autodiff";
 * import { tensor } from "@ostl/core";
 * // s_t = w s_{t-1} + x_t: ∂s_t/∂w = s_{t-1} + w ∂s_{t-1}/∂w
 * const influence = new CompiledInfluence((s, p, x) => {
 *   const next = add(mul((p as { w: Tensor }).w, (s as { s: Tensor }).s), x);
 *   return { state: { s: next }, y: next };
 * }, "s");
 * const params = { w: tensor([0.5]) };
 * const first = influence.advance({ s: tensor([2]) }, params, tensor([1]));
 * influence.accumulate(tensor([1]));
 * influence.advance(first.state, params, tensor([1]));
 * influence.accumulate(tensor([1]));
 * // ∂s_1/∂w = 2, ∂s_2/∂w = s_1 + w·2 = 2 + 1 = 3
 * console.log([...influence.gradient()!.data], influence.floats()); // [5] 1
 * ```
 */
export class CompiledInfluence {
  private readonly stepWithJacobian: StepWithJacobian;
  private readonly immediateRow: ParamPullback;
  /** [M_t; e_t] (e_t: y's own rows, or the rows of the state field y is) and their update. */
  private update: InfluenceUpdate | null = null;
  /** One-hot seed of `immediateRow`. */
  private seed: NDArray | null = null;
  private sum: TypedArray | null = null;
  /** First row of e_t in `rows`, and its row count. */
  private outputRow = 0;
  private outputRows = 0;
  private stateSize = 0;
  /** The params record last seen, and its entry count P. */
  private sizedParams: Tree | null = null;
  private paramEntries = 0;

  /** `outputField`: the path, in the state's tree, of the state field that y is (null: y is not a state field). */
  constructor(
    step: InfluenceStepOf,
    private readonly outputField: string | null,
  ) {
    const withOutput = outputField === null;
    this.stepWithJacobian = stepWithJacobian(step, withOutput);
    this.immediateRow = paramPullback(step, withOutput);
  }

  /**
   * Advances the step and the influence; e_t is then ready for `accumulate`. The state and y
   * returned are fresh arrays.
   */
  advance(state: Tree, params: Tree, x: Tensor): { state: Tree; y: Tensor } {
    const { state: next, y, jacobianT } = this.stepWithJacobian(state, params, x);
    const S = jacobianT.shape[0]!;
    const rowCount = jacobianT.shape[1]!;
    if (params !== this.sizedParams) [this.sizedParams, this.paramEntries] = [params, new TreeLayout(params).size];
    const P = this.paramEntries;
    const dtype = (jacobianT as NDArray).dtype;
    if (this.seed === null || this.seed.dtype !== dtype || this.seed.size !== rowCount || this.sum!.length !== P) this.allocate(state, rowCount, P, S, y.size, dtype);
    const [update, seed] = [this.update!, this.seed!];
    for (let r = 0; r < rowCount; r++) {
      seed.data.fill(0);
      seed.data[r] = 1;
      update.immediate.set((this.immediateRow(state, params, x, seed) as NDArray).data, r * update.stride);
    }
    update.apply(jacobianT as NDArray);
    return { state: next, y };
  }

  private allocate(state: Tree, rowCount: number, P: number, S: number, Y: number, dtype: DType): void {
    this.update = influenceUpdate(rowCount, S, P, dtype);
    this.seed = core.zeros([rowCount], dtype);
    this.sum = core.zeros([P], dtype).data;
    this.stateSize = S;
    this.outputRows = Y;
    const layout = new TreeLayout(state);
    this.outputRow = this.outputField === null ? S : layout.offsets[layout.paths.indexOf(this.outputField)]!;
  }

  /** Adds L·e_t to the gradient, L = ∂E_t/∂y_t (of y's shape). */
  accumulate(signal: Tensor): void {
    const L = (core.contiguous(signal as NDArray) as NDArray).data;
    const update = this.update!;
    const e = update.rows();
    const sum = this.sum!;
    const P = sum.length;
    for (let j = 0; j < this.outputRows; j++) {
      const l = L[j]!;
      const o = (this.outputRow + j) * update.stride;
      for (let p = 0; p < P; p++) sum[p]! += l * e[o + p]!;
    }
  }

  /** Σ_t L_t·e_t since the last `clearGradient()`, one entry per param entry in flatten order (null before the first step). */
  gradient(): NDArray | null {
    return this.sum === null ? null : core.fromTyped(this.sum.slice(), [this.sum.length]);
  }

  clearGradient(): void {
    this.sum?.fill(0);
  }

  /** Zero influence and no gradient, keeping the arrays. */
  reset(): void {
    this.update?.zero();
    this.sum?.fill(0);
  }

  /** Floats of influence held: |s|·P. */
  floats(): number {
    return this.sum === null ? 0 : this.stateSize * this.sum.length;
  }
}
