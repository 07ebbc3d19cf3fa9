/**
 * Unary elementwise math. Each returns a new dense array in the input's dtype; any view layout
 * (transposed, stepped, broadcast) is accepted.
 *
 * @module
 */
import { zerosFor } from "./create.js";
import * as loops from "./loops/unary.js";
import type { NDArray } from "./ndarray.js";
import { denseElementwise, row1, runInto, type RowLoop } from "./strided.js";

/** Row loops of the unary operations, by name (shared with the destination-first `kernels`). */
export const UNARY_ROWS = {
  neg: row1(loops.neg),
  exp: row1(loops.exp),
  log: row1(loops.log),
  tanh: row1(loops.tanh),
  sigmoid: row1(loops.sigmoid),
  relu: row1(loops.relu),
  abs: row1(loops.abs),
  sqrt: row1(loops.sqrt),
  sign: row1(loops.sign),
  square: row1(loops.square),
  reciprocal: row1(loops.reciprocal),
  log1p: row1(loops.log1p),
  expm1: row1(loops.expm1),
  softplus: row1(loops.softplus),
} satisfies Record<string, RowLoop>;

/**
 * Name of a unary elementwise operation (each is also a destination-first kernel).
 *
 * @example
 * ```ts
 * import { kernels, tensor, zeros, type UnaryOpName } from "@ostl/core";
 * const op: UnaryOpName = "relu";
 * console.log(kernels[op](zeros([2]), tensor([-1, 2])).toFlat()); // [0, 2]
 * ```
 */
export type UnaryOpName = keyof typeof UNARY_ROWS;

/** Runs a unary row loop into a new array shaped like `x`. */
function apply(op: UnaryOpName, x: NDArray): NDArray {
  return denseElementwise(op, UNARY_ROWS[op], [x]) ?? runInto(op, UNARY_ROWS[op], zerosFor(op, x.shape, x.dtype), [x]);
}

/**
 * Elementwise `-x`.
 *
 * @example
 * ```ts
 * import { neg, tensor } from "@ostl/core";
 * console.log(neg(tensor([1, -2])).toFlat()); // [-1, 2]
 * ```
 */
export function neg(x: NDArray): NDArray {
  return apply("neg", x);
}

/**
 * Elementwise `e^x`.
 *
 * @example
 * ```ts
 * import { exp, tensor } from "@ostl/core";
 * console.log(exp(tensor([0, 1])).toFlat()); // [1, 2.718281828459045]
 * ```
 */
export function exp(x: NDArray): NDArray {
  return apply("exp", x);
}

/**
 * Elementwise natural logarithm (NaN below 0, `-Infinity` at 0).
 *
 * @example
 * ```ts
 * import { log, tensor } from "@ostl/core";
 * console.log(log(tensor([1, Math.E])).toFlat()); // [0, 1]
 * ```
 */
export function log(x: NDArray): NDArray {
  return apply("log", x);
}

/**
 * Elementwise hyperbolic tangent.
 *
 * @example
 * ```ts
 * import { tanh, tensor } from "@ostl/core";
 * console.log(tanh(tensor([0])).toFlat()); // [0]
 * ```
 */
export function tanh(x: NDArray): NDArray {
  return apply("tanh", x);
}

/**
 * Elementwise logistic `1 / (1 + e^-x)`, stable for large `|x|` (no overflow, full precision in the left tail).
 *
 * @example
 * ```ts
 * import { sigmoid, tensor } from "@ostl/core";
 * console.log(sigmoid(tensor([0, -800, 800])).toFlat()); // [0.5, 0, 1]
 * ```
 */
export function sigmoid(x: NDArray): NDArray {
  return apply("sigmoid", x);
}

/**
 * Elementwise `max(x, 0)` (NaN stays NaN).
 *
 * @example
 * ```ts
 * import { relu, tensor } from "@ostl/core";
 * console.log(relu(tensor([-1, 2])).toFlat()); // [0, 2]
 * ```
 */
export function relu(x: NDArray): NDArray {
  return apply("relu", x);
}

/**
 * Elementwise `|x|`.
 *
 * @example
 * ```ts
 * import { abs, tensor } from "@ostl/core";
 * console.log(abs(tensor([-1.5, 2])).toFlat()); // [1.5, 2]
 * ```
 */
export function abs(x: NDArray): NDArray {
  return apply("abs", x);
}

/**
 * Elementwise square root (NaN below 0).
 *
 * @example
 * ```ts
 * import { sqrt, tensor } from "@ostl/core";
 * console.log(sqrt(tensor([4, 9])).toFlat()); // [2, 3]
 * ```
 */
export function sqrt(x: NDArray): NDArray {
  return apply("sqrt", x);
}

/**
 * Elementwise sign in {-1, 0, 1} (NaN stays NaN).
 *
 * @example
 * ```ts
 * import { sign, tensor } from "@ostl/core";
 * console.log(sign(tensor([-3, 0, 2])).toFlat()); // [-1, 0, 1]
 * ```
 */
export function sign(x: NDArray): NDArray {
  return apply("sign", x);
}

/**
 * Elementwise `x * x`.
 *
 * @example
 * ```ts
 * import { square, tensor } from "@ostl/core";
 * console.log(square(tensor([-3, 2])).toFlat()); // [9, 4]
 * ```
 */
export function square(x: NDArray): NDArray {
  return apply("square", x);
}

/**
 * Elementwise `1 / x`.
 *
 * @example
 * ```ts
 * import { reciprocal, tensor } from "@ostl/core";
 * console.log(reciprocal(tensor([2, 4])).toFlat()); // [0.5, 0.25]
 * ```
 */
export function reciprocal(x: NDArray): NDArray {
  return apply("reciprocal", x);
}

/**
 * Elementwise `log(1 + x)`, accurate for small `x`.
 *
 * @example
 * ```ts
 * import { log1p, tensor } from "@ostl/core";
 * console.log(log1p(tensor([0, 1e-20])).toFlat()); // [0, 1e-20]
 * ```
 */
export function log1p(x: NDArray): NDArray {
  return apply("log1p", x);
}

/**
 * Elementwise `e^x - 1`, accurate for small `x`.
 *
 * @example
 * ```ts
 * import { expm1, tensor } from "@ostl/core";
 * console.log(expm1(tensor([0, 1e-20])).toFlat()); // [0, 1e-20]
 * ```
 */
export function expm1(x: NDArray): NDArray {
  return apply("expm1", x);
}

/**
 * Elementwise `log(1 + e^x)`, stable for large `|x|`.
 *
 * @example
 * ```ts
 * import { softplus, tensor } from "@ostl/core";
 * console.log(softplus(tensor([0, 1000])).toFlat()); // [0.6931471805599453, 1000]
 * ```
 */
export function softplus(x: NDArray): NDArray {
  return apply("softplus", x);
}
