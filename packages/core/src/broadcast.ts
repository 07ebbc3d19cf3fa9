/**
 * Broadcasting: the NumPy shape rule, stride-0 views that apply it, and {@link sumTo}, the one
 * place where a broadcast is undone (summing over the broadcast axes).
 *
 * @module
 */
import { ShapeError } from "./errors.js";
import { view, type NDArray } from "./ndarray.js";
import { sum } from "./reduce.js";
import { reshape } from "./views.js";
import { broadcastShapesFor, broadcastStrides, checkShape, formatShape, shapesEqual } from "./shape.js";

/**
 * The shape that all `shapes` broadcast to under NumPy rules (aligned at the right; each
 * dimension equal to the result or 1).
 *
 * @throws {@link ShapeError} naming all shapes when they are incompatible.
 * @example
 * ```ts
 * import { broadcastShapes } from "@ostl/core";
 * console.log(broadcastShapes([4, 1, 3], [5, 1], [])); // [4, 5, 3]
 * ```
 */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  return broadcastShapesFor("broadcastShapes", shapes);
}

/**
 * A read-only-by-convention view of `x` as shape `shape`: broadcast axes get stride 0, so every
 * element along them is the same memory.
 *
 * @throws {@link ShapeError} naming both shapes when `x` does not broadcast to `shape`.
 * @example
 * ```ts
 * import { broadcastTo, tensor } from "@ostl/core";
 * const b = broadcastTo(tensor([1, 2, 3]), [2, 3]);
 * console.log(b.toNested(), b.stride); // [[1, 2, 3], [1, 2, 3]] [0, 1]
 * ```
 */
export function broadcastTo(x: NDArray, shape: readonly number[]): NDArray {
  const target = checkShape("broadcastTo", shape);
  return view(x.data, target, broadcastStrides("broadcastTo", x.shape, x.stride, target), x.offset);
}

/**
 * Sums `x` over the axes along which `shape` was broadcast to `x.shape`, giving an array of
 * `shape`: the reverse of broadcasting, used for gradients of broadcasting operations.
 * Returns `x` itself when its shape already equals `shape`.
 *
 * @throws {@link ShapeError} naming both shapes when `shape` does not broadcast to `x.shape`.
 * @example
 * ```ts
 * import { sumTo, ones } from "@ostl/core";
 * console.log(sumTo(ones([2, 3]), [3]).toFlat(), sumTo(ones([2, 3]), [2, 1]).toNested()); // [2, 2, 2] [[3], [3]]
 * ```
 */
export function sumTo(x: NDArray, shape: readonly number[]): NDArray {
  const target = checkShape("sumTo", shape);
  if (shapesEqual(x.shape, target)) return x;
  const lead = x.ndim - target.length;
  const fits = lead >= 0 && target.every((d, i) => d === 1 || d === x.shape[lead + i]);
  if (!fits) {
    throw new ShapeError("sumTo", `cannot sum shape ${formatShape(x.shape)} to ${formatShape(target)}: ${formatShape(target)} does not broadcast to it`);
  }
  const axes = x.shape.map((_, i) => i).filter((i) => i < lead || (target[i - lead] === 1 && x.shape[i] !== 1));
  return reshape(sum(x, axes, true), target);
}
