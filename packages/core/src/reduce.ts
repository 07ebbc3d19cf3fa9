/**
 * Reductions over axes: sum, mean, max, min, argmax.
 *
 * The result is accumulated in a float64 array laid over `x` with stride 0 along the reduced
 * axes, walking `x` once in its own memory order. Rows that run along a reduced axis are folded
 * to one number; rows along a kept axis are accumulated elementwise. Float32 inputs are widened
 * block by block and the float64 result is rounded once at the end.
 *
 * @module
 */
import { castFor, fullFor } from "./create.js";
import { ValueError } from "./errors.js";
import { add, div, maximum, minimum } from "./loops/binary.js";
import { view, type NDArray } from "./ndarray.js";
import { broadcastStrides, contiguousStrides, formatShape, normalizeAxes, normalizeAxis, shapeSize } from "./shape.js";
import { eachRow, row2, type Loop2, type RowLoop } from "./strided.js";

type Fold = (n: number, x: Float64Array, ix: number, sx: number, acc: number) => number;

/** acc + sum of the row */
const sumFold: Fold = (n, x, ix, sx, acc) => {
  for (let k = 0; k < n; k++, ix += sx) acc += x[ix];
  return acc;
};

/** max(acc, row), NaN-propagating */
const maxFold: Fold = (n, x, ix, sx, acc) => {
  for (let k = 0; k < n; k++, ix += sx) acc = Math.max(acc, x[ix]);
  return acc;
};

/** min(acc, row), NaN-propagating */
const minFold: Fold = (n, x, ix, sx, acc) => {
  for (let k = 0; k < n; k++, ix += sx) acc = Math.min(acc, x[ix]);
  return acc;
};

/**
 * The row loop of a reduction into slot 0 (float64, stride 0 along reduced axes) from slot 1:
 * a row along a reduced axis folds into one element, a row along a kept axis accumulates.
 */
function reducer(fold: Fold, combine: Loop2): RowLoop {
  return (n, d, p, s) => {
    const o = d[0];
    if (s[0] === 0) o[p[0]] = fold(n, d[1], p[1], s[1], o[p[0]]);
    else combine(n, o, p[0], s[0], o, p[0], s[0], d[1], p[1], s[1], 0);
  };
}

const SUM = { init: 0, row: reducer(sumFold, add) };
const MAX = { init: -Infinity, row: reducer(maxFold, maximum) };
const MIN = { init: Infinity, row: reducer(minFold, minimum) };

const divRow = row2(div);

/**
 * Shared driver of sum/mean/max/min. `emptyOk`: whether a reduction over zero elements has a
 * value; `average`: divide by the number of reduced elements (mean).
 */
function reduce(
  op: string,
  r: { init: number; row: RowLoop },
  x: NDArray,
  axes: number | readonly number[] | undefined,
  keepdims: boolean,
  emptyOk: boolean,
  average = false,
): NDArray {
  const ax = normalizeAxes(op, axes, x.shape);
  const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const count = shapeSize(ax.map((i) => x.shape[i]));
  if (count === 0 && !emptyOk && shapeSize(kept) > 0) {
    throw new ValueError(op, `zero-size reduction over axes ${formatShape(ax)} of shape ${formatShape(x.shape)} has no identity`);
  }
  const acc = fullFor(op, kept, r.init, "float64");
  eachRow(x.shape, [{ data: acc.data, offset: 0, stride: broadcastStrides(op, kept, acc.stride, x.shape) }, x], r.row);
  if (average) eachRow(kept, [acc, acc, { data: new Float64Array([count]), offset: 0, stride: kept.map(() => 0) }], divRow);
  const shape = keepdims ? kept : x.shape.filter((_, i) => !ax.includes(i));
  const out = x.dtype === "float64" ? acc : castFor(op, acc, x.dtype);
  return view(out.data, shape, contiguousStrides(shape), 0);
}

/**
 * Sum over `axes` (default: all; negative axes count from the end). A new array in `x`'s dtype,
 * accumulated in float64.
 *
 * @throws {@link ShapeError} naming the axis and shape for an out-of-range or repeated axis.
 * @example
 * ```ts
 * import { sum, tensor } from "@ostl/core";
 * const a = tensor([[1, 2, 3], [4, 5, 6]]);
 * console.log(sum(a).item(), sum(a, 0).toFlat(), sum(a, -1, true).toNested()); // 21 [5, 7, 9] [[6], [15]]
 * ```
 */
export function sum(x: NDArray, axes?: number | readonly number[], keepdims = false): NDArray {
  return reduce("sum", SUM, x, axes, keepdims, true);
}

/**
 * Mean over `axes` (default: all).
 *
 * @throws {@link ValueError} for a mean over zero elements.
 * @throws {@link ShapeError} for an out-of-range axis.
 * @example
 * ```ts
 * import { mean, tensor } from "@ostl/core";
 * console.log(mean(tensor([[1, 2], [3, 4]]), 1).toFlat()); // [1.5, 3.5]
 * ```
 */
export function mean(x: NDArray, axes?: number | readonly number[], keepdims = false): NDArray {
  return reduce("mean", SUM, x, axes, keepdims, false, true);
}

/**
 * Maximum over `axes` (default: all); NaN if any reduced element is NaN.
 *
 * @throws {@link ValueError} for a maximum over zero elements.
 * @throws {@link ShapeError} for an out-of-range axis.
 * @example
 * ```ts
 * import { max, tensor } from "@ostl/core";
 * console.log(max(tensor([[1, 5], [7, 2]]), 0).toFlat()); // [7, 5]
 * ```
 */
export function max(x: NDArray, axes?: number | readonly number[], keepdims = false): NDArray {
  return reduce("max", MAX, x, axes, keepdims, false);
}

/**
 * Minimum over `axes` (default: all); NaN if any reduced element is NaN.
 *
 * @throws {@link ValueError} for a minimum over zero elements.
 * @throws {@link ShapeError} for an out-of-range axis.
 * @example
 * ```ts
 * import { min, tensor } from "@ostl/core";
 * console.log(min(tensor([[1, 5], [7, 2]]), 1).toFlat()); // [1, 2]
 * ```
 */
export function min(x: NDArray, axes?: number | readonly number[], keepdims = false): NDArray {
  return reduce("min", MIN, x, axes, keepdims, false);
}

/**
 * Index of the maximum along `axis` (first occurrence; a NaN counts as the maximum), as float
 * values in `x`'s dtype. The axis is removed from the shape.
 *
 * @throws {@link ShapeError} for an out-of-range axis.
 * @throws {@link ValueError} when the axis is empty.
 * @example
 * ```ts
 * import { argmax, tensor } from "@ostl/core";
 * console.log(argmax(tensor([[1, 9, 3], [8, 2, 8]]), 1).toFlat()); // [1, 0]
 * ```
 */
export function argmax(x: NDArray, axis: number): NDArray {
  const a = normalizeAxis("argmax", axis, x.shape);
  const len = x.shape[a];
  const shape = x.shape.filter((_, i) => i !== a);
  if (len === 0 && shapeSize(shape) > 0) {
    throw new ValueError("argmax", `empty axis ${a} of shape ${formatShape(x.shape)} has no maximum`);
  }
  const x64 = x.dtype === "float64" ? x : castFor("argmax", x, "float64");
  const step = x64.stride[a];
  const out = fullFor("argmax", shape, 0, "float64");
  const rest = { data: x64.data, offset: x64.offset, stride: x64.stride.filter((_, i) => i !== a) };
  const scan: RowLoop = (n, d, p, s) => {
    const o = d[0];
    const v = d[1];
    for (let k = 0, io = p[0], iv = p[1]; k < n; k++, io += s[0], iv += s[1]) {
      let best = v[iv];
      let at = 0;
      for (let j = 1, i = iv + step; j < len && best === best; j++, i += step) {
        if (v[i] > best || v[i] !== v[i]) {
          best = v[i];
          at = j;
        }
      }
      o[io] = at;
    }
  };
  eachRow(shape, [out, rest], scan);
  return x.dtype === "float64" ? out : castFor("argmax", out, x.dtype);
}
