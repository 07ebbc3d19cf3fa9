/**
 * Matrix products with NumPy `matmul` semantics (1-D promotion, broadcast batch dimensions) and
 * the outer product. The 2-D core is the float64 kernel of `gemm.ts`; float32 operands are
 * widened to float64 once (O(n^2)), multiplied, and the result rounded back.
 *
 * @module
 */
import { castFor, zerosFor } from "./create.js";
import { commonDType } from "./dtype.js";
import { checkDestination, overlaps } from "./destination.js";
import { DTypeError, ShapeError } from "./errors.js";
import { mul } from "./elementwise.js";
import { matmul2d, type Mat } from "./gemm.js";
import { copy as copyLoop } from "./loops/unary.js";
import type { NDArray } from "./ndarray.js";
import { broadcastShapesFor, broadcastStrides, formatShape } from "./shape.js";
import { eachRow, row1, runInto, type RowLoop } from "./strided.js";
import { expandDims, squeeze } from "./views.js";

const copyRow = row1(copyLoop);

/** The float64 data of `x`, widening a float32 array to a float64 copy. */
function asFloat64(x: NDArray): NDArray {
  return x.dtype === "float64" ? x : castFor("matmul", x, "float64");
}

/** The matrix view of the last two axes of `x` (float64) starting at `off`. */
function mat(x: NDArray, off: number): Mat {
  const nd = x.ndim;
  return { data: x.data as Float64Array, off, s0: x.stride[nd - 2], s1: x.stride[nd - 1] };
}

/**
 * Product of matrices (`[..., n, k] @ [..., k, m] -> [..., n, m]`) with broadcast batch
 * dimensions. A 1-D first operand is treated as a row `[1, k]` and a 1-D second operand as a
 * column `[k, 1]`; the added axis is removed from the result. A new dense array.
 *
 * @throws {@link ShapeError} for 0-d operands, mismatched inner dimensions or batch dimensions
 * that do not broadcast, naming both shapes.
 * @throws {@link DTypeError} for mixed dtypes.
 * @example
 * ```ts
 * import { matmul, tensor } from "@ostl/core";
 * const a = tensor([[1, 2], [3, 4]]);
 * console.log(matmul(a, a).toNested(), matmul(a, tensor([1, 1])).toFlat()); // [[7, 10], [15, 22]] [3, 7]
 * ```
 */
export function matmul(a: NDArray, b: NDArray): NDArray {
  const op = "matmul";
  const shapes = () => `${formatShape(a.shape)} @ ${formatShape(b.shape)}`;
  if (a.ndim === 0 || b.ndim === 0) throw new ShapeError(op, `operands must be at least 1-D, got ${shapes()}`);
  const dtype = commonDType(op, [a.dtype, b.dtype]);
  const a2 = asFloat64(a.ndim === 1 ? expandDims(a, 0) : a);
  const b2 = asFloat64(b.ndim === 1 ? expandDims(b, 1) : b);
  const [n, k] = a2.shape.slice(-2);
  const [k2, m] = b2.shape.slice(-2);
  if (k !== k2) throw new ShapeError(op, `inner dimensions differ (${k} vs ${k2}) in ${shapes()}`);
  const batchA = a2.shape.slice(0, -2);
  const batchB = b2.shape.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShapesFor(op, [batchA, batchB]);
  } catch {
    throw new ShapeError(op, `batch dimensions do not broadcast in ${shapes()}`);
  }
  const out = zerosFor(op, [...batch, n, m], "float64");
  const oStep = out.stride.slice(0, -2);
  const product: RowLoop = (count, _d, p, s) => {
    for (let i = 0; i < count; i++) {
      matmul2d(mat(out, p[0] + i * s[0]), mat(a2, p[1] + i * s[1]), mat(b2, p[2] + i * s[2]), n, k, m);
    }
  };
  const slots = [
    { data: out.data, offset: 0, stride: oStep },
    { data: a2.data, offset: a2.offset, stride: broadcastStrides(op, batchA, a2.stride.slice(0, -2), batch) },
    { data: b2.data, offset: b2.offset, stride: broadcastStrides(op, batchB, b2.stride.slice(0, -2), batch) },
  ];
  eachRow(batch, slots, product);
  return finish(out, a, b, dtype);
}

/** Casts the float64 product back to `dtype` and drops the axes added by 1-D promotion. */
function finish(out: NDArray, a: NDArray, b: NDArray, dtype: NDArray["dtype"]): NDArray {
  const res = dtype === "float64" ? out : castFor("matmul", out, dtype);
  const drop: number[] = [];
  if (a.ndim === 1) drop.push(res.ndim - 2);
  if (b.ndim === 1) drop.push(res.ndim - 1);
  return drop.length > 0 ? squeeze(res, drop) : res;
}

/**
 * Writes the 2-D product `a @ b` into `out` (shape `[n, m]`, same dtype; any strides but a
 * broadcast view). `out` may overlap an input, even be the same array: the product is then formed
 * in a temporary first.
 *
 * @throws {@link ShapeError} unless `a` is `[n, k]`, `b` is `[k, m]` and `out` is `[n, m]`, or
 * when `out` is a broadcast view.
 * @throws {@link DTypeError} when the dtypes differ.
 * @example
 * ```ts
 * import { matmulInto, tensor, zeros } from "@ostl/core";
 * const out = zeros([1, 1]);
 * console.log(matmulInto(out, tensor([[1, 2]]), tensor([[3], [4]])).item()); // 11
 * ```
 */
export function matmulInto(out: NDArray, a: NDArray, b: NDArray): NDArray {
  const op = "kernels.matmul";
  const fits = a.ndim === 2 && b.ndim === 2 && out.ndim === 2 && a.shape[1] === b.shape[0] &&
    out.shape[0] === a.shape[0] && out.shape[1] === b.shape[1];
  if (!fits) {
    throw new ShapeError(op, `need [n,k] @ [k,m] into [n,m], got ${formatShape(a.shape)} @ ${formatShape(b.shape)} into ${formatShape(out.shape)}`);
  }
  if (a.dtype !== out.dtype || b.dtype !== out.dtype) {
    throw new DTypeError(op, `cannot mix dtypes ${out.dtype}, ${a.dtype}, ${b.dtype}`);
  }
  checkDestination(op, out);
  if (out.dtype === "float64" && !overlaps(out, a) && !overlaps(out, b)) {
    matmul2d(mat(out, out.offset), mat(a, a.offset), mat(b, b.offset), a.shape[0], a.shape[1], b.shape[1]);
    return out;
  }
  return runInto(op, copyRow, out, [matmul(a, b)]);
}

/**
 * Outer product of two vectors: `out[i, j] = a[i] * b[j]`.
 *
 * @throws {@link ShapeError} unless both operands are 1-D.
 * @example
 * ```ts
 * import { outer, tensor } from "@ostl/core";
 * console.log(outer(tensor([1, 2]), tensor([3, 4, 5])).toNested()); // [[3, 4, 5], [6, 8, 10]]
 * ```
 */
export function outer(a: NDArray, b: NDArray): NDArray {
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError("outer", `operands must be 1-D, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  return mul(expandDims(a, 1), expandDims(b, 0));
}
