/**
 * Destination-first kernels for the hot loops of later packages: each writes into a
 * preallocated `out` and returns it, allocating nothing for float64 operands. Inputs broadcast
 * to `out.shape` (NumPy rules); `out` must have the operands' dtype and may not be a broadcast view.
 * `out` may be one of the inputs: an input that is exactly `out` is updated in place in one pass
 * (`kernels.add(g, g, dg)`), and an input that overlaps `out` any other way (a transposed or
 * shifted view of it) is copied first, so the result is always that of the allocating op.
 *
 * @module
 */
import { BINARY_ROWS, type BinaryOpName } from "./elementwise.js";
import { addScaled, mulAddMul } from "./loops/binary.js";
import { copy, fill, scale } from "./loops/unary.js";
import { matmulInto } from "./matmul.js";
import type { NDArray } from "./ndarray.js";
import { checkDestination, writeInto } from "./destination.js";
import { eachRow, row0, row1, row2, row4, type RowLoop } from "./strided.js";
import { UNARY_ROWS, type UnaryOpName } from "./unary.js";

/**
 * `out = op(a, b)` into a preallocated destination.
 *
 * @example
 * ```ts
 * import { kernels, tensor, zeros, type BinaryKernel } from "@ostl/core";
 * const k: BinaryKernel = kernels.mul;
 * console.log(k(zeros([2]), tensor([2, 3]), tensor(4)).toFlat()); // [8, 12]
 * ```
 */
export type BinaryKernel = (out: NDArray, a: NDArray, b: NDArray) => NDArray;
/**
 * `out = op(x)` into a preallocated destination.
 *
 * @example
 * ```ts
 * import { kernels, tensor, zeros, type UnaryKernel } from "@ostl/core";
 * const k: UnaryKernel = kernels.square;
 * console.log(k(zeros([2]), tensor([3, -2])).toFlat()); // [9, 4]
 * ```
 */
export type UnaryKernel = (out: NDArray, x: NDArray) => NDArray;

/**
 * The kernel table type: every binary and unary op, plus the kernels without an allocating twin.
 *
 * @example
 * ```ts
 * import { kernels, tensor, type Kernels } from "@ostl/core";
 * const k: Kernels = kernels;
 * const v = tensor([1, 2]);
 * console.log(k.scale(v, 10, v).toFlat()); // [10, 20]
 * ```
 */
export type Kernels = { readonly [K in BinaryOpName]: BinaryKernel } & { readonly [K in UnaryOpName]: UnaryKernel } & {
  /** `out += alpha * x` */
  readonly axpy: (out: NDArray, alpha: number, x: NDArray) => NDArray;
  /** `out = alpha * x` */
  readonly scale: (out: NDArray, alpha: number, x: NDArray) => NDArray;
  /** `out = a * b + c * d` in one pass (fused LSTM cell update `f * c + i * g`). */
  readonly mulAddMul: (out: NDArray, a: NDArray, b: NDArray, c: NDArray, d: NDArray) => NDArray;
  /** `out = a @ b` for 2-D operands. */
  readonly matmul: (out: NDArray, a: NDArray, b: NDArray) => NDArray;
  /** every element of `out` = `v` */
  readonly fill: (out: NDArray, v: number) => NDArray;
  /** `out = x` (broadcast) */
  readonly assign: (out: NDArray, x: NDArray) => NDArray;
};

/** Builds `out = op(...inputs)` kernels from a table of row loops, named `kernels.<op>` in errors. */
function fromRows<K extends string>(rows: Record<K, RowLoop>): Record<K, (out: NDArray, ...xs: NDArray[]) => NDArray> {
  const entries = Object.entries<RowLoop>(rows).map(([name, row]) => [name, (out: NDArray, ...xs: NDArray[]) => writeInto(`kernels.${name}`, row, out, xs)]);
  return Object.fromEntries(entries) as Record<K, (out: NDArray, ...xs: NDArray[]) => NDArray>;
}

const ADD_SCALED = row2(addScaled);
const SCALE = row1(scale);
const MUL_ADD_MUL = row4(mulAddMul);
const FILL = row0(fill);
const COPY = row1(copy);

/**
 * Destination-first kernels: `kernels.add(out, a, b)`, `kernels.tanh(out, x)`,
 * `kernels.axpy(out, alpha, x)`, `kernels.matmul(out, a, b)`, ... Each validates shapes and dtypes
 * (throwing the same typed errors as the allocating ops, named `kernels.<op>`) and returns `out`.
 * `out` may be an input: exactly `out` is updated in place, any other overlap is copied first;
 * a broadcast view as `out` is a `ShapeError`.
 *
 * @example
 * ```ts
 * import { kernels, tensor, zeros } from "@ostl/core";
 * const g = zeros([3]);
 * kernels.axpy(g, 0.5, tensor([2, 4, 6]));   // g += 0.5 * x
 * kernels.tanh(g, g);                         // in place: g = tanh(g)
 * const h = kernels.mulAddMul(zeros([3]), g, tensor([1, 1, 1]), tensor([2, 2, 2]), tensor([1, 0, -1]));
 * console.log(h.toFlat()); // [2.761594155955765, 0.9640275800758169, -1.0049452463132695]
 * ```
 */
export const kernels: Kernels = {
  ...fromRows(BINARY_ROWS),
  ...fromRows(UNARY_ROWS),
  axpy: (out, alpha, x) => writeInto("kernels.axpy", ADD_SCALED, out, [out, x], alpha),
  scale: (out, alpha, x) => writeInto("kernels.scale", SCALE, out, [x], alpha),
  mulAddMul: (out, a, b, c, d) => writeInto("kernels.mulAddMul", MUL_ADD_MUL, out, [a, b, c, d]),
  matmul: matmulInto,
  fill: (out, v) => {
    checkDestination("kernels.fill", out);
    eachRow(out.shape, [out], FILL, v);
    return out;
  },
  assign: (out, x) => writeInto("kernels.assign", COPY, out, [x]),
};
