import * as core from "@ostl/core";
import { ShapeError } from "@ostl/core";
import { resolveShape } from "../axes.js";
import { type JvpContext, linear, type OpDef } from "../op.js";
import { bind, dtypeOf, shapeOf, type Tensor, type TensorLike } from "../tracer.js";

const zerosFrom = (n: number) => new Array<number>(n).fill(0);
const onesFrom = (n: number) => new Array<number>(n).fill(1);

/** reshape is linear: d reshape(x) = reshape(dx); its transpose reshapes back */
export const reshapeOp = linear<{ shape: readonly number[] }>(
  "reshape",
  (x, p) => core.reshape(x, p.shape),
  (ctx, t, p) => reshape(t, ctx.tangentShape(p.shape)),
  (ct, _p, inShape) => reshape(ct, inShape),
);

/** transpose is linear: d xᵀ = (dx)ᵀ; its transpose applies the inverse permutation */
export const transposeOp = linear<{ perm: readonly number[] }>(
  "transpose",
  (x, p) => core.transpose(x, p.perm),
  (ctx, t, p) => transpose(t, ctx.lead ? [0, ...p.perm.map((a) => a + 1)] : p.perm),
  (ct, p) => transpose(ct, inversePermutation(p.perm)),
);

/** broadcastTo is linear; its transpose sums over the broadcast axes */
export const broadcastToOp = linear<{ shape: readonly number[] }>(
  "broadcastTo",
  (x, p) => core.broadcastTo(x, p.shape),
  (ctx, t, p, inShape) => broadcastTo(alignTangent(ctx, t, inShape, p.shape), ctx.tangentShape(p.shape)),
  (ct, _p, inShape) => sumTo(ct, inShape),
);

/** sumTo (undo a broadcast by summing) is linear; its transpose broadcasts */
export const sumToOp = linear<{ shape: readonly number[] }>(
  "sumTo",
  (x, p) => core.sumTo(x, p.shape),
  (ctx, t, p, inShape) =>
    ctx.batch === null
      ? sumTo(t, p.shape)
      : reshape(sumTo(t, [ctx.batch, ...onesFrom(inShape.length - p.shape.length), ...p.shape]), ctx.tangentShape(p.shape)),
  (ct, _p, inShape) => broadcastTo(ct, inShape),
);

export interface SliceParams {
  starts: readonly number[];
  stops: readonly number[];
  steps: readonly number[];
}

/** slice is linear; its transpose writes the cotangent into zeros (padSlice) */
export const sliceOp = linear<SliceParams>(
  "slice",
  (x, p) => core.slice(x, p.starts, p.stops, p.steps),
  (ctx, t, p) => (ctx.batch === null ? slice(t, p.starts, p.stops, p.steps) : slice(t, [0, ...p.starts], [ctx.batch, ...p.stops], [1, ...p.steps])),
  (ct, p, inShape) => padSlice(ct, inShape, p.starts, p.steps),
);

export interface PadSliceParams {
  shape: readonly number[];
  starts: readonly number[];
  steps: readonly number[];
}

/** padSlice (zeros with x written at slice positions) is linear; its transpose is the slice */
export const padSliceOp = linear<PadSliceParams>(
  "padSlice",
  (x, p) => core.padSlice(x, p.shape, p.starts, p.steps),
  (ctx, t, p) =>
    ctx.batch === null ? padSlice(t, p.shape, p.starts, p.steps) : padSlice(t, ctx.tangentShape(p.shape), [0, ...p.starts], [1, ...p.steps]),
  (ct, p, inShape) => slice(ct, p.starts, p.starts.map((s, i) => s + (inShape[i]! - 1) * p.steps[i]! + 1), p.steps),
);

/** concat is linear in each input: d concat(xs) = concat(dxs); its transpose slices the cotangent */
export const concatOp: OpDef<{ axis: number }> = {
  name: "concat",
  impl: (xs, p) => core.concat(xs as core.NDArray[], p.axis),
  jvp: (ctx, xs, ts, _out, p) => {
    if (ts.every((t) => t === null)) return null;
    const filled = ts.map((t, i) => t ?? core.zeros(ctx.tangentShape(shapeOf(xs[i]!)), dtypeOf(xs[i]!)));
    return concat(filled, ctx.axis(p.axis));
  },
  vjp: (ct, xs, _out, p, wants) => {
    let offset = 0;
    return xs.map((x, i) => {
      const shape = shapeOf(x);
      const start = offset;
      offset += shape[p.axis]!;
      if (!wants[i]) return null;
      const starts = zerosFrom(shape.length);
      starts[p.axis] = start;
      const stops = [...ct.shape];
      stops[p.axis] = start + shape[p.axis]!;
      return slice(ct, starts, stops);
    });
  },
};

/**
 * Makes a tangent of a value of shape `from` broadcast correctly against values of shape `to`
 * under batched forward mode (NumPy aligns from the right, so the tangent axis needs singleton
 * axes after it).
 * @example
 * ```ts
 * import { alignTangent, JvpContext, tensor } from "@ostl/autodiff";
 * console.log(alignTangent(new JvpContext(2), tensor([[1, 2, 3], [4, 5, 6]]), [3], [4, 3]).shape); // [2, 1, 3]
 * ```
 */
export function alignTangent(ctx: JvpContext, t: Tensor, from: readonly number[], to: readonly number[]): Tensor {
  if (ctx.batch === null || from.length === to.length) return t;
  return reshape(t, [ctx.batch, ...new Array<number>(to.length - from.length).fill(1), ...from]);
}

function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

function checkAxis(op: string, axis: number, ndim: number, shape: readonly number[]): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new ShapeError(op, `axis ${axis} is out of range for shape [${shape.join(",")}]`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * A view of `x` with a new shape of the same size; one entry may be -1.
 * @example
 * ```ts
 * import { reshape, tensor } from "@ostl/autodiff";
 * console.log(reshape(tensor([1, 2, 3, 4]), [2, -1]).toNested()); // [[1, 2], [3, 4]]
 * ```
 */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const from = shapeOf(x);
  const resolved = resolveShape("reshape", shape, from);
  return bind(reshapeOp, [x], { shape: resolved });
}

/**
 * Permutes the axes of `x` (default: reverses them).
 * @example
 * ```ts
 * import { transpose, tensor } from "@ostl/autodiff";
 * console.log(transpose(tensor([[1, 2]])).toNested()); // [[1], [2]]
 * ```
 */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  const ndim = shapeOf(x).length;
  const p = perm ?? Array.from({ length: ndim }, (_, i) => ndim - 1 - i);
  const sorted = [...p].sort((a, b) => a - b);
  if (p.length !== ndim || sorted.some((a, i) => a !== i)) {
    throw new ShapeError("transpose", `permutation [${p.join(",")}] does not fit shape [${shapeOf(x).join(",")}]`);
  }
  return bind(transposeOp, [x], { perm: p });
}

/**
 * Broadcasts `x` to `shape` by NumPy rules.
 * @example
 * ```ts
 * import { broadcastTo, tensor } from "@ostl/autodiff";
 * console.log(broadcastTo(tensor([1, 2]), [2, 2]).toNested()); // [[1, 2], [1, 2]]
 * ```
 */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  core.broadcastShapes(shapeOf(x), shape);
  return bind(broadcastToOp, [x], { shape: [...shape] });
}

/**
 * Sums `x` down to `shape`, undoing a broadcast (the reverse rule of every broadcasting op).
 * @example
 * ```ts
 * import { sumTo, tensor } from "@ostl/autodiff";
 * console.log(sumTo(tensor([[1, 2], [3, 4]]), [2]).toNested()); // [4, 6]
 * ```
 */
export function sumTo(x: TensorLike, shape: readonly number[]): Tensor {
  return bind(sumToOp, [x], { shape: [...shape] });
}

/**
 * The sub-array `[starts, stops)` with `steps` (one entry per axis; default steps 1).
 * @example
 * ```ts
 * import { slice, tensor } from "@ostl/autodiff";
 * console.log(slice(tensor([0, 1, 2, 3, 4]), [1], [5], [2]).toNested()); // [1, 3]
 * ```
 */
export function slice(x: TensorLike, starts: readonly number[], stops: readonly number[], steps?: readonly number[]): Tensor {
  const ndim = shapeOf(x).length;
  return bind(sliceOp, [x], { starts: [...starts], stops: [...stops], steps: steps ? [...steps] : onesFrom(ndim) });
}

/**
 * Zeros of `shape` with `x` written at the positions a slice with `starts` and `steps` would read
 * (the transpose of {@link slice}).
 * @example
 * ```ts
 * import { padSlice, tensor } from "@ostl/autodiff";
 * console.log(padSlice(tensor([7, 8]), [5], [1], [2]).toNested()); // [0, 7, 0, 8, 0]
 * ```
 */
export function padSlice(x: TensorLike, shape: readonly number[], starts: readonly number[], steps?: readonly number[]): Tensor {
  return bind(padSliceOp, [x], { shape: [...shape], starts: [...starts], steps: steps ? [...steps] : onesFrom(shape.length) });
}

/**
 * Joins tensors along an existing axis.
 * @example
 * ```ts
 * import { concat, tensor } from "@ostl/autodiff";
 * console.log(concat([tensor([1]), tensor([2, 3])]).toNested()); // [1, 2, 3]
 * ```
 */
export function concat(xs: readonly TensorLike[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError("concat", "needs at least one input");
  const first = shapeOf(xs[0]!);
  const a = checkAxis("concat", axis, first.length, first);
  return bind(concatOp, xs, { axis: a });
}

/**
 * Joins tensors of one shape along a new axis.
 * @example
 * ```ts
 * import { stack, tensor } from "@ostl/autodiff";
 * console.log(stack([tensor([1, 2]), tensor([3, 4])], 1).toNested()); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(xs: readonly TensorLike[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError("stack", "needs at least one input");
  const shape = shapeOf(xs[0]!);
  for (const x of xs) {
    if (shapeOf(x).join(",") !== shape.join(",")) {
      throw new ShapeError("stack", `all inputs need one shape, got [${shape.join(",")}] and [${shapeOf(x).join(",")}]`);
    }
  }
  const a = checkAxis("stack", axis, shape.length + 1, shape);
  const expanded = [...shape.slice(0, a), 1, ...shape.slice(a)];
  return concat(xs.map((x) => reshape(x, expanded)), a);
}

/**
 * Inserts an axis of length 1 at `axis`.
 * @example
 * ```ts
 * import { expandDims, tensor } from "@ostl/autodiff";
 * console.log(expandDims(tensor([1, 2]), 0).shape); // [1, 2]
 * ```
 */
export function expandDims(x: TensorLike, axis: number): Tensor {
  const shape = shapeOf(x);
  const a = checkAxis("expandDims", axis, shape.length + 1, shape);
  return reshape(x, [...shape.slice(0, a), 1, ...shape.slice(a)]);
}

