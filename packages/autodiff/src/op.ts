import type { NDArray } from "@ostl/core";
import type { Tensor, TensorLike } from "./tracer.js";
import { shapeOf } from "./tracer.js";

/**
 * Parameters of an op that takes none.
 *
 * @example
 * ```ts
 * import { NO_PARAMS, opTable, type NoParams, type OpDef } from "@ostl/autodiff";
 * const exp: OpDef<NoParams> = opTable.exp;
 * console.log(exp.name, Object.keys(NO_PARAMS)); // exp []
 * ```
 */
export type NoParams = Record<string, never>;
/**
 * The shared empty parameter record.
 *
 * @example
 * ```ts
 * import { bind, NO_PARAMS, opTable, tensor } from "@ostl/autodiff";
 * console.log(bind(opTable.neg, [tensor([1, -2])], NO_PARAMS).toNested()); // [-1, 2]
 * ```
 */
export const NO_PARAMS: NoParams = Object.freeze({}) as NoParams;

/**
 * A primitive: how to compute it on concrete arrays (`impl`), its forward rule (`jvp`) and its
 * reverse rule (`vjp`). Rules are written with differentiable ops, so they can be differentiated
 * again (hessians, vjp of vjp).
 *
 * - `jvp` receives tangents laid out as `[K, ...primalShape]` when `ctx.batch` is `K` (K tangent
 *   directions at once) and `null` for an input with zero tangent; it returns the output tangent,
 *   or `null` for zero. It may return a tangent that only broadcasts to the output shape: the
 *   forward-mode transformation broadcasts it once, centrally.
 * - `vjp` receives the output cotangent and returns one cotangent per input (`null` where
 *   `wants[i]` is false or the derivative is zero). A cotangent may have the broadcast shape of the
 *   op; reverse mode sums it back to the input's shape once, centrally.
 * - `partials` (elementwise ops only, optional): the partial derivatives ∂out/∂args[k] as arrays
 *   that broadcast to the output (or numbers), so d out = Σ_k partials[k] ⊙ d args[k]; `null`
 *   where an argument gets no derivative. Lets a caller run forward mode on its own buffers.
 *
 * @example
 * ```ts
 * import { bind, grad, jvp, mul, NO_PARAMS, tensor, type NoParams, type OpDef, type Tensor } from "@ostl/autodiff";
 * import * as core from "@ostl/core";
 * // square: d(x²) = 2x dx, so the tangent is 2x·t and the cotangent 2x·ct
 * const squareOp: OpDef<NoParams> = {
 *   name: "square",
 *   impl: ([x]) => core.mul(x!, x!),
 *   jvp: (_ctx, [x], [t]) => (t ? mul(t, mul(2, x!)) : null),
 *   vjp: (ct, [x]) => [mul(ct, mul(2, x!))],
 * };
 * const square = (x: Tensor) => bind(squareOp, [x], NO_PARAMS);
 * console.log(grad(square)(tensor(3)).toNested()); // 6
 * console.log(jvp(square, [tensor([1, 2])], [tensor([[1, 0], [0, 1]])], { batch: 2 })[1].toNested()); // [[2, 0], [0, 4]]
 * ```
 */
export interface OpDef<P> {
  readonly name: string;
  impl(args: readonly (NDArray | number)[], params: P): NDArray;
  jvp(ctx: JvpContext, primals: readonly TensorLike[], tangents: readonly (Tensor | null)[], out: Tensor, params: P): Tensor | null;
  vjp(ct: Tensor, primals: readonly TensorLike[], out: Tensor, params: P, wants: readonly boolean[]): readonly (Tensor | null)[];
  partials?(primals: readonly TensorLike[], out: Tensor, params: P): readonly (TensorLike | null)[];
}

/**
 * What a forward rule needs to know about the tangent layout: whether tangents carry a leading axis
 * of `batch` directions.
 *
 * @example
 * ```ts
 * import { JvpContext } from "@ostl/autodiff";
 * console.log(new JvpContext(3).tangentShape([2, 2])); // [3, 2, 2]
 * ```
 */
export class JvpContext {
  /** Number of leading tangent axes: 0 or 1. */
  readonly lead: number;
  constructor(
    /** Number of tangent directions carried at once, or `null` for one unbatched tangent. */
    readonly batch: number | null,
  ) {
    this.lead = batch === null ? 0 : 1;
  }

  /** Shape of the tangent of a value of shape `primalShape`. */
  tangentShape(primalShape: readonly number[]): number[] {
    return this.batch === null ? [...primalShape] : [this.batch, ...primalShape];
  }

  /** Shifts axis numbers of the primal to axis numbers of the tangent. */
  axis(primalAxis: number): number {
    return primalAxis + this.lead;
  }
}

/**
 * A unary op that is linear in its input (reshape, transpose, slice, sum...): its forward rule
 * applies the op (shifted past the tangent axis) to the tangent, its reverse rule applies the
 * transpose.
 *
 * @example
 * ```ts
 * import { bind, grad, linear, mul, NO_PARAMS, sum, tensor, type NoParams, type Tensor } from "@ostl/autodiff";
 * import * as core from "@ostl/core";
 * // doubling is linear: the tangent map and its transpose both double
 * const doubleOp = linear<NoParams>("double", (x) => core.mul(x, 2), (_ctx, t) => mul(t, 2), (ct) => mul(ct, 2));
 * const double = (x: Tensor) => bind(doubleOp, [x], NO_PARAMS);
 * console.log(double(tensor([1, 2])).toNested(), grad((x) => sum(double(x)))(tensor([1, 2])).toNested()); // [2, 4] [2, 2]
 * ```
 */
export function linear<P>(
  name: string,
  impl: (x: NDArray, params: P) => NDArray,
  applyToTangent: (ctx: JvpContext, t: Tensor, params: P, inShape: readonly number[]) => Tensor,
  transpose: (ct: Tensor, params: P, inShape: readonly number[]) => Tensor,
): OpDef<P> {
  return {
    name,
    impl: ([x], params) => impl(x as NDArray, params),
    jvp: (ctx, [x], [t], _out, params) => (t ? applyToTangent(ctx, t, params, shapeOf(x!)) : null),
    vjp: (ct, [x], _out, params) => [transpose(ct, params, shapeOf(x!))],
  };
}

/**
 * An op whose derivative is zero everywhere it exists (comparisons, sign, stop-gradient).
 *
 * @example
 * ```ts
 * import { bind, grad, mul, NO_PARAMS, sum, tensor, zeroDerivative, type NoParams, type Tensor } from "@ostl/autodiff";
 * import * as core from "@ostl/core";
 * const isPositiveOp = zeroDerivative<NoParams>("isPositive", ([x]) => core.greater(x!, 0));
 * const positivePart = (x: Tensor) => mul(x, bind(isPositiveOp, [x], NO_PARAMS));
 * console.log(grad((x) => sum(positivePart(x)))(tensor([-1, 2])).toNested()); // [0, 1]
 * ```
 */
export function zeroDerivative<P>(name: string, impl: (args: readonly (NDArray | number)[], params: P) => NDArray): OpDef<P> {
  return {
    name,
    impl,
    jvp: () => null,
    vjp: (_ct, primals) => primals.map(() => null),
    partials: (primals) => primals.map(() => null),
  };
}
