/**
 * Views: new shapes and strides over the same data, no copying (except `reshape` of a
 * non-contiguous array and `padSlice`, which builds a new array).
 *
 * @module
 */
import { castFor, zerosFor } from "./create.js";
import { ShapeError } from "./errors.js";
import { copy as copyLoop } from "./loops/unary.js";
import { view, type NDArray } from "./ndarray.js";
import { contiguousStrides, formatShape, normalizeAxes, normalizeAxis, shapeSize } from "./shape.js";
import { runInto, row1 } from "./strided.js";

const copyRow = row1(copyLoop);

/**
 * `x` with a new shape of the same size. One dimension may be `-1` (inferred). A view when `x`
 * is contiguous, otherwise a reshaped copy.
 *
 * @throws {@link ShapeError} when the sizes differ, or for an invalid or ambiguous shape.
 * @example
 * ```ts
 * import { reshape, arange } from "@ostl/core";
 * console.log(reshape(arange(6), [2, -1]).toNested()); // [[0, 1, 2], [3, 4, 5]]
 * ```
 */
export function reshape(x: NDArray, shape: readonly number[]): NDArray {
  const fail = (why: string) =>
    new ShapeError("reshape", `cannot reshape array of shape ${formatShape(x.shape)} (size ${x.size}) into shape ${formatShape(shape)}${why}`);
  const free = shape.filter((d) => d === -1).length;
  if (free > 1 || !shape.every((d) => d === -1 || (Number.isSafeInteger(d) && d >= 0))) {
    throw fail(": dimensions must be non-negative integers with at most one -1");
  }
  const known = shapeSize(shape.filter((d) => d !== -1));
  if (free === 1 && (known === 0 || x.size % known !== 0)) throw fail("");
  const target = shape.map((d) => (d === -1 ? x.size / known : d));
  if (shapeSize(target) !== x.size) throw fail("");
  const src = x.isContiguous() ? x : castFor("reshape", x, x.dtype);
  return view(src.data, target, contiguousStrides(target), src.offset);
}

/**
 * Permutes the axes (default: reverses them). A view.
 *
 * @throws {@link ShapeError} when `perm` is not a permutation of the axes.
 * @example
 * ```ts
 * import { transpose, zeros } from "@ostl/core";
 * console.log(transpose(zeros([2, 3, 4])).shape, transpose(zeros([2, 3, 4]), [1, 0, 2]).shape); // [4, 3, 2] [3, 2, 4]
 * ```
 */
export function transpose(x: NDArray, perm?: readonly number[]): NDArray {
  const p = perm ?? x.shape.map((_, i) => x.ndim - 1 - i);
  const valid =
    p.length === x.ndim && p.every((a) => Number.isInteger(a) && a >= 0 && a < x.ndim) && new Set(p).size === p.length;
  if (!valid) {
    throw new ShapeError("transpose", `invalid permutation ${formatShape(p)} for shape ${formatShape(x.shape)}`);
  }
  return view(
    x.data,
    p.map((a) => x.shape[a]),
    p.map((a) => x.stride[a]),
    x.offset,
  );
}

/**
 * The view of elements `starts[i], starts[i] + steps[i], ...` below `stops[i]` along every axis
 * (one entry per axis, `0 <= start <= stop <= dim`, integer `step >= 1`, default 1).
 *
 * @throws {@link ShapeError} naming the axis for wrong lengths or out-of-range bounds.
 * @example
 * ```ts
 * import { slice, arange, reshape } from "@ostl/core";
 * const a = reshape(arange(12), [3, 4]);
 * console.log(slice(a, [0, 1], [3, 4], [2, 2]).toNested()); // [[1, 3], [9, 11]]
 * ```
 */
export function slice(x: NDArray, starts: readonly number[], stops: readonly number[], steps?: readonly number[]): NDArray {
  const st = steps ?? x.shape.map(() => 1);
  const desc = () => `starts ${formatShape(starts)}, stops ${formatShape(stops)}, steps ${formatShape(st)}`;
  if (starts.length !== x.ndim || stops.length !== x.ndim || st.length !== x.ndim) {
    throw new ShapeError("slice", `need one entry per axis of shape ${formatShape(x.shape)}, got ${desc()}`);
  }
  let offset = x.offset;
  const shape: number[] = [];
  const stride: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    const [a, b, s, d] = [starts[i], stops[i], st[i], x.shape[i]];
    if (!(Number.isInteger(a) && Number.isInteger(b) && Number.isInteger(s) && 0 <= a && a <= b && b <= d && s >= 1)) {
      throw new ShapeError("slice", `axis ${i} of shape ${formatShape(x.shape)} cannot take ${desc()}`);
    }
    const n = Math.ceil((b - a) / s);
    shape.push(n);
    stride.push(x.stride[i] * s);
    if (n > 0) offset += a * x.stride[i];
  }
  return view(x.data, shape, stride, offset);
}

/**
 * The adjoint of {@link slice}: a new array of zeros of `shape` with `x` written at the positions
 * `starts[i] + k * steps[i]`. `slice(padSlice(x, shape, starts, steps), ...)` gives back `x`.
 *
 * @throws {@link ShapeError} when `x` does not fit inside `shape` at those positions.
 * @example
 * ```ts
 * import { padSlice, tensor } from "@ostl/core";
 * console.log(padSlice(tensor([1, 2]), [5], [1], [2]).toFlat()); // [0, 1, 0, 2, 0]
 * ```
 */
export function padSlice(x: NDArray, shape: readonly number[], starts: readonly number[], steps?: readonly number[]): NDArray {
  const st = steps ?? x.shape.map(() => 1);
  if (shape.length !== x.ndim || starts.length !== x.ndim || st.length !== x.ndim) {
    throw new ShapeError(
      "padSlice",
      `need one entry per axis of ${formatShape(x.shape)}, got shape ${formatShape(shape)}, starts ${formatShape(starts)}, steps ${formatShape(st)}`,
    );
  }
  const out = zerosFor("padSlice", shape, x.dtype);
  const stops = x.shape.map((n, i) => (n === 0 ? starts[i] : starts[i] + (n - 1) * st[i] + 1));
  const region = slice(out, starts, stops, st);
  runInto("padSlice", copyRow, region, [x]);
  return out;
}

/**
 * Inserts a size-1 axis at position `axis` (in `[-(ndim+1), ndim]`). A view.
 *
 * @throws {@link ShapeError} when `axis` is out of range.
 * @example
 * ```ts
 * import { expandDims, zeros } from "@ostl/core";
 * console.log(expandDims(zeros([2, 3]), 1).shape, expandDims(zeros([2, 3]), -1).shape); // [2, 1, 3] [2, 3, 1]
 * ```
 */
export function expandDims(x: NDArray, axis: number): NDArray {
  const a = normalizeAxis("expandDims", axis, x.shape, x.ndim + 1);
  const shape = [...x.shape];
  const stride = [...x.stride];
  shape.splice(a, 0, 1);
  stride.splice(a, 0, 0);
  return view(x.data, shape, stride, x.offset);
}

/**
 * Removes size-1 axes: the given ones, or all of them. A view.
 *
 * @throws {@link ShapeError} when a given axis is out of range or its size is not 1.
 * @example
 * ```ts
 * import { squeeze, zeros } from "@ostl/core";
 * console.log(squeeze(zeros([1, 2, 1])).shape, squeeze(zeros([1, 2, 1]), 0).shape); // [2] [2, 1]
 * ```
 */
export function squeeze(x: NDArray, axes?: number | readonly number[]): NDArray {
  const drop =
    axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes("squeeze", axes, x.shape);
  for (const a of drop) {
    if (x.shape[a] !== 1) {
      throw new ShapeError("squeeze", `cannot squeeze axis ${a} of size ${x.shape[a]} in shape ${formatShape(x.shape)}`);
    }
  }
  const keep = x.shape.map((_, i) => i).filter((i) => !drop.includes(i));
  return view(
    x.data,
    keep.map((i) => x.shape[i]),
    keep.map((i) => x.stride[i]),
    x.offset,
  );
}
