import * as core from "@ostl/core";
import { normalizeAxes, reducedShape } from "../axes.js";
import type { OpDef } from "../op.js";
import { bind, shapeOf, type Tensor, type TensorLike } from "../tracer.js";
import { div, equal, exp, log, mul, neg, stopGradient, sub, add } from "./arithmetic.js";
import { broadcastTo, reshape } from "./structure.js";

export interface ReduceParams {
  axes: readonly number[];
  keepdims: boolean;
}

/** The cotangent of a reduction, broadcast back over the reduced axes. */
function spread(ct: Tensor, inShape: readonly number[], p: ReduceParams): Tensor {
  return broadcastTo(reshape(ct, reducedShape(inShape, p.axes, true)), inShape);
}

/** d Σ_axes x = Σ_axes dx; its transpose broadcasts the cotangent over the summed axes */
export const sumOp: OpDef<ReduceParams> = {
  name: "sum",
  impl: ([x], p) => core.sum(x as core.NDArray, p.axes, p.keepdims),
  jvp: (ctx, _x, [t], _out, p) => (t ? sum(t, p.axes.map((a) => ctx.axis(a)), p.keepdims) : null),
  vjp: (ct, [x], _out, p) => [spread(ct, shapeOf(x!), p)],
};

/** Even split of the derivative among the entries that attain the maximum: w = [x = max] / #ties. */
function maxWeights(x: TensorLike, out: Tensor, p: ReduceParams): Tensor {
  const inShape = shapeOf(x);
  const mask = equal(x, broadcastTo(reshape(out, reducedShape(inShape, p.axes, true)), inShape));
  return div(mask, sum(mask, p.axes, true));
}

/** d max_axes x = Σ_axes w dx with w = [x = max] / #ties */
export const maxOp: OpDef<ReduceParams> = {
  name: "max",
  impl: ([x], p) => core.max(x as core.NDArray, p.axes, p.keepdims),
  jvp: (ctx, [x], [t], out, p) => (t ? sum(mul(t, maxWeights(x!, out, p)), p.axes.map((a) => ctx.axis(a)), p.keepdims) : null),
  vjp: (ct, [x], out, p) => [mul(spread(ct, shapeOf(x!), p), maxWeights(x!, out, p))],
};

/**
 * Sum over `axes` (all when omitted); `keepdims` keeps reduced axes with length 1.
 * @example
 * ```ts
 * import { sum, tensor } from "@ostl/autodiff";
 * console.log(sum(tensor([[1, 2], [3, 4]]), 0).toNested()); // [4, 6]
 * ```
 */
export function sum(x: TensorLike, axes?: number | readonly number[], keepdims = false): Tensor {
  return bind(sumOp, [x], { axes: normalizeAxes("sum", axes, shapeOf(x)), keepdims });
}

/**
 * Maximum over `axes` (all when omitted). Its derivative is split evenly among tied maxima.
 * @example
 * ```ts
 * import { max, tensor } from "@ostl/autodiff";
 * console.log(max(tensor([[1, 5], [3, 4]]), 1).toNested()); // [5, 4]
 * ```
 */
export function max(x: TensorLike, axes?: number | readonly number[], keepdims = false): Tensor {
  return bind(maxOp, [x], { axes: normalizeAxes("max", axes, shapeOf(x)), keepdims });
}

/**
 * Minimum over `axes` (all when omitted), as `-max(-x)`.
 * @example
 * ```ts
 * import { min, tensor } from "@ostl/autodiff";
 * console.log(min(tensor([3, 1, 2])).toNested()); // 1
 * ```
 */
export function min(x: TensorLike, axes?: number | readonly number[], keepdims = false): Tensor {
  return neg(max(neg(x), axes, keepdims));
}

/**
 * Mean over `axes` (all when omitted).
 * @example
 * ```ts
 * import { mean, tensor } from "@ostl/autodiff";
 * console.log(mean(tensor([[1, 2], [3, 4]]), 1).toNested()); // [1.5, 3.5]
 * ```
 */
export function mean(x: TensorLike, axes?: number | readonly number[], keepdims = false): Tensor {
  const shape = shapeOf(x);
  const reduced = normalizeAxes("mean", axes, shape);
  const count = reduced.reduce((n, a) => n * shape[a]!, 1);
  return div(sum(x, reduced, keepdims), count);
}

/**
 * `log Σ exp(x)` over `axes`, computed stably by shifting by the (gradient-free) maximum.
 * @example
 * ```ts
 * import { logSumExp, tensor } from "@ostl/autodiff";
 * console.log(logSumExp(tensor([1000, 1000])).toNested()); // 1000.6931471805599
 * ```
 */
export function logSumExp(x: TensorLike, axes?: number | readonly number[], keepdims = false): Tensor {
  const shift = stopGradient(max(x, axes, true));
  const out = add(log(sum(exp(sub(x, shift)), axes, true)), shift);
  return keepdims ? out : reshape(out, reducedShape(shapeOf(x), normalizeAxes("logSumExp", axes, shapeOf(x)), false));
}

/**
 * `x - logSumExp(x)` along `axis` (default the last): log-probabilities, stable for large inputs.
 * @example
 * ```ts
 * import { logSoftmax, tensor } from "@ostl/autodiff";
 * console.log(logSoftmax(tensor([0, 0])).toNested()); // [-0.6931471805599453, -0.6931471805599453]
 * ```
 */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  return sub(x, logSumExp(x, axis, true));
}

/**
 * `exp(x) / Σ exp(x)` along `axis` (default the last), stable for large inputs: computed as
 * `e / Σ e` with `e = exp(x - max x)` (the shift carries no gradient and cancels).
 * @example
 * ```ts
 * import { softmax, tensor } from "@ostl/autodiff";
 * console.log(softmax(tensor([0, 0])).toNested()); // [0.5, 0.5]
 * console.log(softmax(tensor([1000, 1000])).toNested()); // [0.5, 0.5]
 * ```
 */
export function softmax(x: TensorLike, axis = -1): Tensor {
  const e = exp(sub(x, stopGradient(max(x, axis, true))));
  return div(e, sum(e, axis, true));
}
