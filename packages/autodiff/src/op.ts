import type { NDArray } from "@ostl/core";
import type { Tensor, TensorLike } from "./tracer.js";
import { shapeOf } from "./tracer.js";

/** Parameters of an op that takes none. */
export type NoParams = Record<string, never>;
/** The shared empty parameter record. */
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
 *
 * @example
 * ```ts
 * import { bind, mul, neg, sin, type OpDef } from "@ostl/autodiff";
 * // see src/ops/*.ts for every built-in op record
 * ```
 */
export interface OpDef<P> {
  readonly name: string;
  impl(args: readonly (NDArray | number)[], params: P): NDArray;
  jvp(ctx: JvpContext, primals: readonly TensorLike[], tangents: readonly (Tensor | null)[], out: Tensor, params: P): Tensor | null;
  vjp(ct: Tensor, primals: readonly TensorLike[], out: Tensor, params: P, wants: readonly boolean[]): readonly (Tensor | null)[];
}

/**
 * What a forward rule needs to know about the tangent layout: whether tangents carry a leading axis
 * of `batch` directions.
 *
 * @example
 * ```ts
 * import { JvpContext } from "@ostl/autodiff";
 * new JvpContext(3).tangentShape([2, 2]); // [3, 2, 2]
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
 * // see reshapeOp in src/ops/primitives.ts
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
 * import { zeroDerivative } from "@ostl/autodiff";
 * import * as core from "@ostl/core";
 * const isPositive = zeroDerivative("isPositive", ([x]) => core.greater(x!, 0));
 * ```
 */
export function zeroDerivative<P>(name: string, impl: (args: readonly (NDArray | number)[], params: P) => NDArray): OpDef<P> {
  return {
    name,
    impl,
    jvp: () => null,
    vjp: (_ct, primals) => primals.map(() => null),
  };
}
