/**
 * Array creation: from JavaScript data, constant fills, ranges, copies and dtype casts.
 * `float64` is the default dtype.
 *
 * @module
 */
import { allocate, checkDType, dtypeOfData, type DType, type TypedArray } from "./dtype.js";
import { ShapeError, ValueError } from "./errors.js";
import { copy as copyLoop } from "./loops/unary.js";
import { isNDArray, NDArray, view, type NestedArray } from "./ndarray.js";
import { checkCount, checkShape, contiguousStrides, formatShape, shapeSize } from "./shape.js";
import { markExternal } from "./storage.js";
import { eachRow, row1 } from "./strided.js";

const copyRow = row1(copyLoop);

/**
 * Options of {@link tensor}.
 *
 * @example
 * ```ts
 * import { tensor, type TensorOptions } from "@ostl/core";
 * const opts: TensorOptions = { dtype: "float32", shape: [2, 2] };
 * console.log(tensor([1, 2, 3, 4], opts).toNested()); // [[1, 2], [3, 4]]
 * ```
 */
export interface TensorOptions {
  /** Element type; defaults to the input's dtype for typed arrays and NDArrays, else `"float64"`. */
  dtype?: DType;
  /** Shape of the result; the data's size must match. Defaults to the data's own shape. */
  shape?: readonly number[];
}

/**
 * Creates a new array from a number, nested arrays, a typed array (copied) or an NDArray (copied,
 * cast to `opts.dtype` if given). Any numbers are accepted, including NaN and infinities.
 *
 * @throws {@link ValueError} for ragged nested arrays or non-number entries.
 * @throws {@link ShapeError} when `opts.shape` does not match the data's size.
 * @throws {@link DTypeError} for typed arrays other than Float64Array/Float32Array.
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * const a = tensor([[1, 2, 3], [4, 5, 6]]);
 * console.log(a.shape, tensor(7).shape, tensor([1, 2, 3, 4], { shape: [2, 2], dtype: "float32" }).dtype);
 * // [2, 3] [] "float32"
 * ```
 */
export function tensor(data: number | NestedArray | NDArray | TypedArray, opts: TensorOptions = {}): NDArray {
  const op = "tensor";
  let dtype: DType;
  let values: TypedArray;
  let shape: number[];
  if (isNDArray(data)) {
    dtype = checkDType(op, opts.dtype ?? data.dtype);
    const c = castFor(op, data, dtype);
    return opts.shape === undefined ? c : reshapeData(op, c.data, c.shape, opts.shape);
  } else if (ArrayBuffer.isView(data)) {
    dtype = checkDType(op, opts.dtype ?? dtypeOfData(op, data));
    shape = [(data as TypedArray).length];
    values = allocate(op, dtype, shape, data as TypedArray);
  } else if (typeof data === "number" || Array.isArray(data)) {
    dtype = checkDType(op, opts.dtype ?? "float64");
    shape = inferShape(data);
    values = allocate(op, dtype, shape);
    flatten(data, shape, 0, values, 0, []);
  } else {
    throw new ValueError(op, `expected a number, nested array, typed array or NDArray, got ${typeof data}`);
  }
  return reshapeData(op, values, shape, opts.shape ?? shape);
}

/** Wraps dense `data` of shape `from` as shape `to`, checking that the sizes agree. */
function reshapeData(op: string, data: TypedArray, from: readonly number[], to: readonly number[]): NDArray {
  const shape = checkShape(op, to);
  if (shapeSize(shape) !== data.length) {
    throw new ShapeError(op, `data of shape ${formatShape(from)} (size ${data.length}) does not fit shape ${formatShape(shape)}`);
  }
  return view(data, shape, contiguousStrides(shape), 0);
}

/** The shape of nested arrays, read along the first element of every level. */
function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

/** Writes nested `data` in row-major order into `out` from `pos`, checking it is rectangular. */
function flatten(data: NestedArray, shape: readonly number[], depth: number, out: TypedArray, pos: number, path: number[]): number {
  const where = () => `at index ${formatShape(path)}`;
  if (depth === shape.length) {
    if (typeof data !== "number") {
      const got = Array.isArray(data) ? `an array of length ${data.length}` : typeof data;
      throw new ValueError("tensor", `ragged nested array: expected a number ${where()}, got ${got}`);
    }
    out[pos] = data;
    return pos + 1;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    const got = Array.isArray(data) ? `length ${data.length}` : `a ${typeof data}`;
    throw new ValueError("tensor", `ragged nested array: expected length ${shape[depth]} ${where()}, got ${got}`);
  }
  for (let i = 0; i < data.length; i++) {
    path.push(i);
    pos = flatten(data[i], shape, depth + 1, out, pos, path);
    path.pop();
  }
  return pos;
}

/**
 * Wraps a typed array as a dense row-major array of `shape` without copying: writes through
 * either are visible in both.
 *
 * @throws {@link ShapeError} when `data.length` differs from the size of `shape`.
 * @example
 * ```ts
 * import { fromTyped } from "@ostl/core";
 * const buf = new Float64Array([1, 2, 3, 4, 5, 6]);
 * const a = fromTyped(buf, [2, 3]);
 * buf[5] = 60;
 * console.log(a.get(1, 2)); // 60
 * ```
 */
export function fromTyped(data: TypedArray, shape: readonly number[]): NDArray {
  dtypeOfData("fromTyped", data);
  markExternal(data);
  return reshapeData("fromTyped", data, [data.length], shape);
}

/**
 * A new array of zeros made for `op`, which validation and allocation errors name. The building
 * block of every op that allocates its result.
 */
export function zerosFor(op: string, shape: readonly number[], dtype: DType): NDArray {
  const s = checkShape(op, shape);
  return view(allocate(op, checkDType(op, dtype), s), s, contiguousStrides(s), 0);
}

/** A new array of `shape` filled with `value`, made for `op` (see {@link zerosFor}). */
export function fullFor(op: string, shape: readonly number[], value: number, dtype: DType): NDArray {
  const out = zerosFor(op, shape, dtype);
  out.data.fill(value);
  return out;
}

/**
 * A new array of zeros.
 *
 * @throws {@link ShapeError} for dimensions that are not non-negative integers.
 * @throws {@link AllocationError} naming the shape and bytes when it cannot be allocated.
 * @example
 * ```ts
 * import { zeros } from "@ostl/core";
 * console.log(zeros([2, 2]).toNested()); // [[0, 0], [0, 0]]
 * ```
 */
export function zeros(shape: readonly number[], dtype: DType = "float64"): NDArray {
  return zerosFor("zeros", shape, dtype);
}

/**
 * A new array of ones.
 *
 * @example
 * ```ts
 * import { ones } from "@ostl/core";
 * console.log(ones([3], "float32").toFlat()); // [1, 1, 1]
 * ```
 */
export function ones(shape: readonly number[], dtype: DType = "float64"): NDArray {
  return fullFor("ones", shape, 1, dtype);
}

/**
 * A new array with every element equal to `value`.
 *
 * @example
 * ```ts
 * import { full } from "@ostl/core";
 * console.log(full([2], 0.5).toFlat()); // [0.5, 0.5]
 * ```
 */
export function full(shape: readonly number[], value: number, dtype: DType = "float64"): NDArray {
  return fullFor("full", shape, value, dtype);
}

/**
 * Zeros with the shape and dtype of `x`.
 *
 * @example
 * ```ts
 * import { zerosLike, ones } from "@ostl/core";
 * console.log(zerosLike(ones([2], "float32")).dtype); // "float32"
 * ```
 */
export function zerosLike(x: NDArray): NDArray {
  return zerosFor("zerosLike", x.shape, x.dtype);
}

/**
 * Ones with the shape and dtype of `x`.
 *
 * @example
 * ```ts
 * import { onesLike, zeros } from "@ostl/core";
 * console.log(onesLike(zeros([2])).toFlat()); // [1, 1]
 * ```
 */
export function onesLike(x: NDArray): NDArray {
  return fullFor("onesLike", x.shape, 1, x.dtype);
}

/**
 * An array with the shape and dtype of `x`, filled with `v`.
 *
 * @example
 * ```ts
 * import { fullLike, zeros } from "@ostl/core";
 * console.log(fullLike(zeros([2]), 3).toFlat()); // [3, 3]
 * ```
 */
export function fullLike(x: NDArray, v: number): NDArray {
  return fullFor("fullLike", x.shape, v, x.dtype);
}

/**
 * Evenly spaced values `start, start + step, ...` below `stop` (above it for a negative step).
 * With one argument, the range `[0, start)`.
 *
 * @throws {@link ValueError} for a zero or non-finite step, or non-finite bounds.
 * @example
 * ```ts
 * import { arange } from "@ostl/core";
 * console.log(arange(4).toFlat(), arange(1, 2, 0.25).toFlat()); // [0, 1, 2, 3] [1, 1.25, 1.5, 1.75]
 * ```
 */
export function arange(start: number, stop?: number, step = 1, dtype: DType = "float64"): NDArray {
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !Number.isFinite(step) || step === 0) {
    throw new ValueError("arange", `start, stop must be finite and step finite and nonzero, got start ${lo}, stop ${hi}, step ${step}`);
  }
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const out = zerosFor("arange", [n], dtype);
  for (let i = 0; i < n; i++) out.data[i] = lo + i * step;
  return out;
}

/**
 * The `n` x `n` identity matrix.
 *
 * @throws {@link ValueError} when `n` is not a non-negative integer.
 * @example
 * ```ts
 * import { eye } from "@ostl/core";
 * console.log(eye(2).toNested()); // [[1, 0], [0, 1]]
 * ```
 */
export function eye(n: number, dtype: DType = "float64"): NDArray {
  checkCount("eye", "n", n);
  const out = zerosFor("eye", [n, n], dtype);
  for (let i = 0; i < n; i++) out.data[i * n + i] = 1;
  return out;
}

/**
 * A new dense row-major copy of `x` (any view layout: transposed, stepped, broadcast).
 *
 * @example
 * ```ts
 * import { copy, tensor, transpose } from "@ostl/core";
 * const t = copy(transpose(tensor([[1, 2], [3, 4]])));
 * console.log(t.toNested(), t.isContiguous()); // [[1, 3], [2, 4]] true
 * ```
 */
export function copy(x: NDArray): NDArray {
  return castFor("copy", x, x.dtype);
}

/**
 * A new dense copy of `x` converted to `dtype` (float64 to float32 rounds to nearest).
 *
 * @example
 * ```ts
 * import { astype, tensor } from "@ostl/core";
 * console.log(astype(tensor([0.1]), "float32").item()); // 0.10000000149011612
 * ```
 */
export function astype(x: NDArray, dtype: DType): NDArray {
  return castFor("astype", x, dtype);
}

/** A new dense copy of `x` in `dtype`, made for `op` (see {@link zerosFor}). */
export function castFor(op: string, x: NDArray, dtype: DType): NDArray {
  checkDType(op, dtype);
  if (x.isContiguous()) {
    const data = allocate(op, dtype, x.shape, x.data.subarray(x.offset, x.offset + x.size));
    return view(data, x.shape, contiguousStrides(x.shape), 0);
  }
  const out = zerosFor(op, x.shape, dtype);
  eachRow(out.shape, [out, x], copyRow);
  return out;
}

/**
 * `x` itself when it is dense row-major, starts at offset 0 and spans its whole buffer (so
 * `data` holds exactly its elements in order); otherwise a dense copy.
 *
 * @example
 * ```ts
 * import { contiguous, tensor, transpose } from "@ostl/core";
 * const a = tensor([[1, 2], [3, 4]]);
 * console.log(contiguous(a) === a, contiguous(transpose(a)) === a); // true false
 * ```
 */
export function contiguous(x: NDArray): NDArray {
  return x.offset === 0 && x.data.length === x.size && x.isContiguous() ? x : copy(x);
}
