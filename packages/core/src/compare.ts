/**
 * Numerical comparison of arrays for tests and tools. Not kernels: they read elements through
 * `toFlat`, so any layouts and mixed dtypes compare directly.
 *
 * @module
 */
import { broadcastTo } from "./broadcast.js";
import type { NDArray } from "./ndarray.js";
import { broadcastShapesFor } from "./shape.js";

/** The elements of `a` and `b` broadcast together, in row-major order. */
function flats(op: string, a: NDArray, b: NDArray): [number[], number[]] {
  const shape = broadcastShapesFor(op, [a.shape, b.shape]);
  return [broadcastTo(a, shape).toFlat(), broadcastTo(b, shape).toFlat()];
}

/**
 * Whether every pair of elements is close (NumPy `allclose`): equal, or both finite with
 * `|a - b| <= atol + rtol * |b|`. Shapes broadcast; NaN is never close; infinities are close only
 * to themselves; dtypes may differ.
 *
 * @throws {@link ShapeError} when the shapes do not broadcast.
 * @example
 * ```ts
 * import { allClose, tensor } from "@ostl/core";
 * console.log(allClose(tensor([1, 2]), tensor([1, 2 + 1e-9])), allClose(tensor([1]), tensor([1.1]))); // true false
 * ```
 */
export function allClose(a: NDArray, b: NDArray, rtol = 1e-5, atol = 1e-8): boolean {
  const [x, y] = flats("allClose", a, b);
  return x.every((v, i) => {
    const w = y[i];
    return v === w || (Number.isFinite(v) && Number.isFinite(w) && Math.abs(v - w) <= atol + rtol * Math.abs(w));
  });
}

/**
 * The largest `|a - b|` over all element pairs (shapes broadcast; dtypes may differ); NaN if any
 * difference is NaN, 0 for empty arrays.
 *
 * @throws {@link ShapeError} when the shapes do not broadcast.
 * @example
 * ```ts
 * import { maxAbsDiff, tensor } from "@ostl/core";
 * console.log(maxAbsDiff(tensor([1, 2, 3]), tensor([1, 2.5, 2]))); // 1
 * ```
 */
export function maxAbsDiff(a: NDArray, b: NDArray): number {
  const [x, y] = flats("maxAbsDiff", a, b);
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
}
