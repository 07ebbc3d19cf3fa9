import { jacfwd, jvp } from "./forward.js";
import { grad, jacrev } from "./reverse.js";
import type { Tensor } from "./tracer.js";

/**
 * Hessian of a scalar function, forward over reverse (`jacfwd(jacrev(f))`): for `x` of shape
 * `xs` returns `[...xs, ...xs]`.
 *
 * @example
 * ```ts
 * import { hessian, mul, sum, tensor } from "@ostl/autodiff";
 * console.log(hessian((x) => sum(mul(mul(x, x), x)))(tensor([1, 2])).toNested()); // [[6, 0], [0, 12]]
 * ```
 */
export function hessian(f: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  return jacfwd(jacrev(f));
}

/**
 * Hessian-vector product `H(x) v` of a scalar function, forward over reverse, without forming H.
 *
 * @example
 * ```ts
 * import { hvp, mul, sum, tensor } from "@ostl/autodiff";
 * console.log(hvp((x) => sum(mul(x, x)), tensor([1, 2]), tensor([1, 0])).toNested()); // [2, 0]
 * ```
 */
export function hvp(f: (x: Tensor) => Tensor, x: Tensor, v: Tensor): Tensor {
  return jvp(grad(f) as (x: Tensor) => Tensor, [x], [v])[1];
}
