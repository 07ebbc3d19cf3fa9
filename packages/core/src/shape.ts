/**
 * Shape arithmetic shared by all operations: sizes, row-major strides, axis normalization,
 * validation and formatting for error messages.
 *
 * @module
 */
import { ShapeError, ValueError } from "./errors.js";

/**
 * Formats a shape for error messages: `[2,3]`, `[]` for scalars.
 *
 * @example
 * ```ts
 * import { formatShape } from "@ostl/core";
 * console.log(formatShape([2, 3])); // "[2,3]"
 * ```
 */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/**
 * Number of elements of a shape (1 for the scalar shape `[]`).
 *
 * @example
 * ```ts
 * import { shapeSize } from "@ostl/core";
 * console.log(shapeSize([2, 3]), shapeSize([])); // 6 1
 * ```
 */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Row-major (C order) strides of a dense array of this shape.
 *
 * @example
 * ```ts
 * import { contiguousStrides } from "@ostl/core";
 * console.log(contiguousStrides([2, 3, 4])); // [12, 4, 1]
 * ```
 */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Validates a shape argument: non-negative integer dimensions.
 *
 * @throws {@link ShapeError} naming `op` and the shape otherwise.
 * @example
 * ```ts
 * import { checkShape } from "@ostl/core";
 * console.log(checkShape("zeros", [2, 0, 3])); // [2, 0, 3]
 * ```
 */
export function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ShapeError(op, `invalid shape ${formatShape(shape)}: dimensions must be non-negative integers`);
  }
  return shape.slice();
}

/**
 * Whether two shapes are equal dimension by dimension.
 *
 * @example
 * ```ts
 * import { shapesEqual } from "@ostl/core";
 * console.log(shapesEqual([2, 3], [2, 3]), shapesEqual([2, 3], [3, 2])); // true false
 * ```
 */
export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Maps a possibly negative axis into `[0, ndim)`.
 *
 * @throws {@link ShapeError} naming `op`, the axis and the shape when it is out of range.
 * @example
 * ```ts
 * import { normalizeAxis } from "@ostl/core";
 * console.log(normalizeAxis("sum", -1, [2, 3])); // 1
 * ```
 */
export function normalizeAxis(op: string, axis: number, shape: readonly number[], ndim = shape.length): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new ShapeError(op, `axis ${axis} is out of range for shape ${formatShape(shape)} (ndim ${ndim})`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * Normalizes an `axes` argument: `undefined` means all axes; duplicates are rejected.
 * Returns sorted, non-negative axes.
 *
 * @throws {@link ShapeError} for an out-of-range or repeated axis.
 * @example
 * ```ts
 * import { normalizeAxes } from "@ostl/core";
 * console.log(normalizeAxes("sum", [-1, 0], [2, 3, 4])); // [0, 2]
 * ```
 */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, shape: readonly number[]): number[] {
  if (axes === undefined) return shape.map((_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, shape)).sort((a, b) => a - b);
  for (let i = 1; i < out.length; i++) {
    if (out[i] === out[i - 1]) throw new ShapeError(op, `repeated axis ${out[i]} in ${formatShape(list)}`);
  }
  return out;
}

/**
 * Validates a count-like argument (array length, size): a non-negative safe integer.
 *
 * @throws {@link ValueError} naming `op`, the argument and its value otherwise.
 * @example
 * ```ts
 * import { checkCount } from "@ostl/core";
 * console.log(checkCount("eye", "n", 3)); // 3
 * ```
 */
export function checkCount(op: string, name: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ValueError(op, `${name} must be a non-negative integer, got ${n}`);
  }
  return n;
}

/**
 * The NumPy broadcast of `shapes` (dimensions aligned at the right; each must equal the result
 * or be 1). Used by every broadcasting operation so that its errors name the operation.
 *
 * @throws {@link ShapeError} naming `op` and all shapes when they do not broadcast.
 * @example
 * ```ts
 * import { broadcastShapesFor } from "@ostl/core";
 * console.log(broadcastShapesFor("mul", [[2, 1], [3]])); // [2, 3]
 * ```
 */
export function broadcastShapesFor(op: string, shapes: readonly (readonly number[])[]): number[] {
  let ndim = 0;
  for (const s of shapes) ndim = Math.max(ndim, s.length);
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const axis = ndim - s.length + i;
      const d = s[i];
      if (d === out[axis] || d === 1) continue;
      if (out[axis] !== 1) {
        throw new ShapeError(op, `cannot broadcast shapes ${shapes.map(formatShape).join(" and ")}`);
      }
      out[axis] = d;
    }
  }
  return out;
}

/**
 * Strides that make an array of shape `shape` with strides `stride` read as an array of shape
 * `target` (stride 0 along broadcast axes).
 *
 * @throws {@link ShapeError} naming `op` and both shapes when `shape` does not broadcast to `target`.
 * @example
 * ```ts
 * import { broadcastStrides } from "@ostl/core";
 * console.log(broadcastStrides("add", [3], [1], [2, 3])); // [0, 1]
 * ```
 */
export function broadcastStrides(op: string, shape: readonly number[], stride: readonly number[], target: readonly number[]): number[] {
  const lead = target.length - shape.length;
  if (lead < 0) throw new ShapeError(op, `cannot broadcast shape ${formatShape(shape)} to ${formatShape(target)}`);
  const out = new Array<number>(target.length).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === target[lead + i]) out[lead + i] = d === 1 ? 0 : stride[i];
    else if (d !== 1) throw new ShapeError(op, `cannot broadcast shape ${formatShape(shape)} to ${formatShape(target)}`);
  }
  return out;
}
