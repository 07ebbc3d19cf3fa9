/**
 * Joining arrays along an axis: `concat` (existing axis) and `stack` (new axis).
 *
 * @module
 */
import { zerosFor } from "./create.js";
import { commonDType } from "./dtype.js";
import { ShapeError, ValueError } from "./errors.js";
import { copy as copyLoop } from "./loops/unary.js";
import type { NDArray } from "./ndarray.js";
import { formatShape, normalizeAxis, shapesEqual } from "./shape.js";
import { row1, runInto } from "./strided.js";
import { expandDims, slice } from "./views.js";

const copyRow = row1(copyLoop);

/**
 * Joins arrays along an existing `axis` (default 0; negative counts from the end). All arrays
 * share dtype and every dimension except `axis`. A new dense array.
 *
 * @throws {@link ValueError} for an empty list; {@link ShapeError} for mismatched shapes or an
 * out-of-range axis; {@link DTypeError} for mixed dtypes.
 * @example
 * ```ts
 * import { concat, tensor } from "@ostl/core";
 * console.log(concat([tensor([[1, 2]]), tensor([[3, 4], [5, 6]])]).toNested()); // [[1, 2], [3, 4], [5, 6]]
 * ```
 */
export function concat(xs: readonly NDArray[], axis = 0): NDArray {
  if (xs.length === 0) throw new ValueError("concat", "need at least one array");
  const first = xs[0];
  if (first.ndim === 0) throw new ShapeError("concat", "cannot concatenate 0-d arrays; use stack");
  const a = normalizeAxis("concat", axis, first.shape);
  const dtype = commonDType("concat", xs.map((x) => x.dtype));
  for (const x of xs) {
    if (x.ndim !== first.ndim || x.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new ShapeError("concat", `shapes ${formatShape(first.shape)} and ${formatShape(x.shape)} differ outside axis ${a}`);
    }
  }
  const shape = [...first.shape];
  shape[a] = xs.reduce((t, x) => t + x.shape[a], 0);
  const out = zerosFor("concat", shape, dtype);
  const starts = shape.map(() => 0);
  for (const x of xs) {
    const stops = [...shape];
    stops[a] = starts[a] + x.shape[a];
    runInto("concat", copyRow, slice(out, starts, stops), [x]);
    starts[a] = stops[a];
  }
  return out;
}

/**
 * Joins arrays of one shape along a new `axis` (in `[-(ndim+1), ndim]`, default 0).
 *
 * @throws {@link ValueError} for an empty list; {@link ShapeError} when shapes differ or the axis
 * is out of range.
 * @example
 * ```ts
 * import { stack, tensor } from "@ostl/core";
 * console.log(stack([tensor([1, 2]), tensor([3, 4])], 1).toNested()); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(xs: readonly NDArray[], axis = 0): NDArray {
  if (xs.length === 0) throw new ValueError("stack", "need at least one array");
  const first = xs[0];
  const a = normalizeAxis("stack", axis, first.shape, first.ndim + 1);
  for (const x of xs) {
    if (!shapesEqual(x.shape, first.shape)) {
      throw new ShapeError("stack", `all arrays need one shape, got ${formatShape(first.shape)} and ${formatShape(x.shape)}`);
    }
  }
  return concat(
    xs.map((x) => expandDims(x, a)),
    a,
  );
}
