/**
 * Binary elementwise arithmetic and comparisons, and `where`, with NumPy broadcasting.
 * Either operand may be a plain number, which takes the other operand's dtype. Results are new
 * dense arrays in the operands' dtype; comparisons give 1 or 0.
 *
 * @module
 */
import { zerosFor } from "./create.js";
import { commonDType, type DType } from "./dtype.js";
import { ValueError } from "./errors.js";
import * as loops from "./loops/binary.js";
import { isNDArray, view, type NDArray } from "./ndarray.js";
import { broadcastShapesFor } from "./shape.js";
import { denseElementwise, row2, row3, runInto, type RowLoop } from "./strided.js";

/** Row loops of the binary operations, by name (shared with the destination-first `kernels`). */
export const BINARY_ROWS = {
  add: row2(loops.add),
  sub: row2(loops.sub),
  mul: row2(loops.mul),
  div: row2(loops.div),
  pow: row2(loops.pow),
  maximum: row2(loops.maximum),
  minimum: row2(loops.minimum),
  greater: row2(loops.greater),
  greaterEqual: row2(loops.greaterEqual),
  less: row2(loops.less),
  lessEqual: row2(loops.lessEqual),
  equal: row2(loops.equal),
  notEqual: row2(loops.notEqual),
} satisfies Record<string, RowLoop>;

/**
 * Name of a binary elementwise operation (each is also a destination-first kernel).
 *
 * @example
 * ```ts
 * import { kernels, tensor, zeros, type BinaryOpName } from "@ostl/core";
 * const op: BinaryOpName = "maximum";
 * console.log(kernels[op](zeros([2]), tensor([1, -1]), tensor(0)).toFlat()); // [1, 0]
 * ```
 */
export type BinaryOpName = keyof typeof BINARY_ROWS;

const WHERE_ROW = row3(loops.where);

/**
 * Resolves mixed NDArray/number operands of `op` to arrays of one dtype (numbers become 0-d
 * arrays of the arrays' dtype, float64 if there are none).
 *
 * @throws {@link DTypeError} when the arrays' dtypes differ.
 * @throws {@link ValueError} for an operand that is neither.
 */
function operands(op: string, xs: readonly (NDArray | number)[]): NDArray[] {
  const dtype: DType = commonDType(
    op,
    xs.filter(isNDArray).map((x) => x.dtype),
  );
  return xs.map((x) => {
    if (isNDArray(x)) return x;
    if (typeof x !== "number") throw new ValueError(op, `operands must be NDArrays or numbers, got ${typeof x}`);
    const data = dtype === "float64" ? new Float64Array([x]) : new Float32Array([x]);
    return view(data, [], [], 0);
  });
}

/** Runs a row loop over broadcast operands into a new array. */
function apply(op: string, row: RowLoop, xs: readonly (NDArray | number)[]): NDArray {
  const dense = denseElementwise(op, row, xs);
  if (dense !== null) return dense;
  const arrays = operands(op, xs);
  const out = zerosFor(op, broadcastShapesFor(op, arrays.map((x) => x.shape)), arrays[0].dtype);
  return runInto(op, row, out, arrays);
}

/**
 * Elementwise `a + b` with broadcasting.
 *
 * @throws {@link ShapeError} when the shapes do not broadcast; {@link DTypeError} for mixed dtypes.
 * @example
 * ```ts
 * import { add, tensor } from "@ostl/core";
 * console.log(add(tensor([[1], [2]]), tensor([10, 20])).toNested(), add(tensor([1, 2]), 1).toFlat());
 * // [[11, 21], [12, 22]] [2, 3]
 * ```
 */
export function add(a: NDArray | number, b: NDArray | number): NDArray {
  return apply("add", BINARY_ROWS.add, [a, b]);
}

/**
 * Elementwise `a - b` with broadcasting.
 *
 * @example
 * ```ts
 * import { sub, tensor } from "@ostl/core";
 * console.log(sub(1, tensor([0.25, 1])).toFlat()); // [0.75, 0]
 * ```
 */
export function sub(a: NDArray | number, b: NDArray | number): NDArray {
  return apply("sub", BINARY_ROWS.sub, [a, b]);
}

/**
 * Elementwise `a * b` with broadcasting.
 *
 * @example
 * ```ts
 * import { mul, tensor } from "@ostl/core";
 * console.log(mul(tensor([1, 2, 3]), 2).toFlat()); // [2, 4, 6]
 * ```
 */
export function mul(a: NDArray | number, b: NDArray | number): NDArray {
  return apply("mul", BINARY_ROWS.mul, [a, b]);
}

/**
 * Elementwise `a / b` with broadcasting (IEEE: `1 / 0` is `Infinity`).
 *
 * @example
 * ```ts
 * import { div, tensor } from "@ostl/core";
 * console.log(div(tensor([1, 3]), 2).toFlat()); // [0.5, 1.5]
 * ```
 */
export function div(a: NDArray | number, b: NDArray | number): NDArray {
  return apply("div", BINARY_ROWS.div, [a, b]);
}

/**
 * Elementwise `a ** b` with broadcasting.
 *
 * @example
 * ```ts
 * import { pow, tensor } from "@ostl/core";
 * console.log(pow(tensor([2, 3]), 2).toFlat(), pow(2, tensor([0.5])).item()); // [4, 9] 1.4142135623730951
 * ```
 */
export function pow(a: NDArray | number, b: NDArray | number): NDArray {
  return apply("pow", BINARY_ROWS.pow, [a, b]);
}

/**
 * Elementwise maximum with broadcasting; NaN if either element is NaN.
 *
 * @example
 * ```ts
 * import { maximum, tensor } from "@ostl/core";
 * console.log(maximum(tensor([-1, 2]), 0).toFlat()); // [0, 2]
 * ```
 */
export function maximum(a: NDArray | number, b: NDArray | number): NDArray {
  return apply("maximum", BINARY_ROWS.maximum, [a, b]);
}

/**
 * Elementwise minimum with broadcasting; NaN if either element is NaN.
 *
 * @example
 * ```ts
 * import { minimum, tensor } from "@ostl/core";
 * console.log(minimum(tensor([-1, 2]), 0).toFlat()); // [-1, 0]
 * ```
 */
export function minimum(a: NDArray | number, b: NDArray | number): NDArray {
  return apply("minimum", BINARY_ROWS.minimum, [a, b]);
}

/**
 * Elementwise `a > b` as 1 or 0 in the operands' dtype.
 *
 * @example
 * ```ts
 * import { greater, tensor } from "@ostl/core";
 * console.log(greater(tensor([1, 2, 3]), 2).toFlat()); // [0, 0, 1]
 * ```
 */
export function greater(a: NDArray | number, b: NDArray | number): NDArray {
  return apply("greater", BINARY_ROWS.greater, [a, b]);
}

/**
 * Elementwise `a >= b` as 1 or 0.
 *
 * @example
 * ```ts
 * import { greaterEqual, tensor } from "@ostl/core";
 * console.log(greaterEqual(tensor([1, 2, 3]), 2).toFlat()); // [0, 1, 1]
 * ```
 */
export function greaterEqual(a: NDArray | number, b: NDArray | number): NDArray {
  return apply("greaterEqual", BINARY_ROWS.greaterEqual, [a, b]);
}

/**
 * Elementwise `a < b` as 1 or 0.
 *
 * @example
 * ```ts
 * import { less, tensor } from "@ostl/core";
 * console.log(less(tensor([1, 2, 3]), 2).toFlat()); // [1, 0, 0]
 * ```
 */
export function less(a: NDArray | number, b: NDArray | number): NDArray {
  return apply("less", BINARY_ROWS.less, [a, b]);
}

/**
 * Elementwise `a <= b` as 1 or 0.
 *
 * @example
 * ```ts
 * import { lessEqual, tensor } from "@ostl/core";
 * console.log(lessEqual(tensor([1, 2, 3]), 2).toFlat()); // [1, 1, 0]
 * ```
 */
export function lessEqual(a: NDArray | number, b: NDArray | number): NDArray {
  return apply("lessEqual", BINARY_ROWS.lessEqual, [a, b]);
}

/**
 * Elementwise `a === b` as 1 or 0 (NaN equals nothing).
 *
 * @example
 * ```ts
 * import { equal, tensor } from "@ostl/core";
 * console.log(equal(tensor([1, 2, NaN]), tensor([1, 3, NaN])).toFlat()); // [1, 0, 0]
 * ```
 */
export function equal(a: NDArray | number, b: NDArray | number): NDArray {
  return apply("equal", BINARY_ROWS.equal, [a, b]);
}

/**
 * Elementwise `a !== b` as 1 or 0.
 *
 * @example
 * ```ts
 * import { notEqual, tensor } from "@ostl/core";
 * console.log(notEqual(tensor([1, 2]), 2).toFlat()); // [1, 0]
 * ```
 */
export function notEqual(a: NDArray | number, b: NDArray | number): NDArray {
  return apply("notEqual", BINARY_ROWS.notEqual, [a, b]);
}

/**
 * Picks `a` where `cond` is nonzero (NaN counts as nonzero) and `b` elsewhere; all three
 * broadcast together and share one dtype.
 *
 * @throws {@link ShapeError} when the shapes do not broadcast; {@link DTypeError} for mixed dtypes.
 * @example
 * ```ts
 * import { where, greater, tensor } from "@ostl/core";
 * const x = tensor([-2, 0.5, 3]);
 * console.log(where(greater(x, 0), x, 0).toFlat()); // [0, 0.5, 3]
 * ```
 */
export function where(cond: NDArray | number, a: NDArray | number, b: NDArray | number): NDArray {
  return apply("where", WHERE_ROW, [cond, a, b]);
}
