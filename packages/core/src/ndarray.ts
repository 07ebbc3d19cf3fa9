/**
 * The array type: a strided view (`data`, `shape`, `stride`, `offset`) over a typed array,
 * wrapping a scijs `ndarray`.
 *
 * @module
 */
import ndarray from "ndarray";
import { dtypeOfData, type DType, type TypedArray } from "./dtype.js";
import { ShapeError, ValueError } from "./errors.js";
import { formatShape } from "./shape.js";
import { markExternal } from "./storage.js";

/**
 * A nested JavaScript array of numbers, e.g. `[[1, 2], [3, 4]]`; a plain number is a scalar.
 *
 * @example
 * ```ts
 * import { tensor, type NestedArray } from "@ostl/core";
 * const rows: NestedArray = [[1, 2], [3, 4]];
 * console.log(tensor(rows).shape); // [2, 2]
 * ```
 */
export type NestedArray = number | NestedArray[];

/** Largest number of elements `toString` prints in full; larger arrays are summarized. */
const PRINT_FULL_SIZE = 1000;
/** Elements shown at each end of a summarized axis. */
const PRINT_EDGE = 3;

/**
 * An n-dimensional float64 or float32 array: a view (`data`, `shape`, `stride`, `offset`) over a
 * typed array. Views made by `reshape`, `transpose`, `slice` and `broadcastTo` share `data`.
 * Operations never modify their inputs; only the destination-first `kernels` write, into `out`.
 *
 * @example
 * ```ts
 * import { NDArray, tensor } from "@ostl/core";
 * import ndarray from "ndarray";
 * const a = new NDArray(ndarray(new Float64Array([1, 2, 3, 4]), [2, 2]));
 * console.log(a.get(1, 0), a.toNested(), tensor([1, 2]).dtype); // 3 [[1, 2], [3, 4]] "float64"
 * ```
 */
export class NDArray {
  /** Element type, inferred from the class of `data`. */
  readonly dtype: DType;
  /** Backing typed array (shared with every view of it). */
  readonly data: TypedArray;
  /** Dimensions, outermost first; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** Element distance between neighbours along each axis (0 along broadcast axes). */
  readonly stride: readonly number[];
  /** Index in `data` of the first element. */
  readonly offset: number;
  /** Number of elements (1 for a scalar). */
  readonly size: number;
  /** The scijs view, made on first use when the array was built from raw parts. */
  private scijs: ndarray.NdArray<TypedArray> | null;

  /**
   * @param nd - a scijs ndarray over a Float64Array or Float32Array.
   * @throws {@link DTypeError} when `nd.data` is another kind of array.
   */
  constructor(nd: ndarray.NdArray<TypedArray>) {
    this.dtype = dtypeOfData("NDArray", nd.data);
    this.data = nd.data;
    this.shape = nd.shape;
    this.stride = nd.stride;
    this.offset = nd.offset;
    let size = 1;
    for (let i = 0; i < nd.shape.length; i++) size *= nd.shape[i];
    this.size = size;
    this.scijs = typeof (nd as { pick?: unknown }).pick === "function" ? nd : null;
    // a scijs array comes from outside core, and its data may be a view of another array's buffer
    if (this.scijs !== null) markExternal(this.data);
  }

  /** The scijs view of the same elements (`data`, `shape`, `stride`, `offset`). */
  get nd(): ndarray.NdArray<TypedArray> {
    return (this.scijs ??= ndarray(this.data, this.shape.slice(), this.stride.slice(), this.offset));
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Whether the elements are laid out densely in row-major order (at any offset). */
  isContiguous(): boolean {
    const { shape, stride } = this;
    let expected = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      const d = shape[i];
      if (d === 0) return true;
      if (d !== 1 && stride[i] !== expected) return false;
      expected *= d;
    }
    return true;
  }

  /** The elements as nested JavaScript arrays; a 0-d array gives a number. */
  toNested(): NestedArray {
    const { data, shape, stride } = this;
    const build = (axis: number, off: number): NestedArray => {
      if (axis === shape.length) return data[off];
      const out: NestedArray[] = new Array<NestedArray>(shape[axis]);
      for (let i = 0; i < out.length; i++) out[i] = build(axis + 1, off + i * stride[axis]);
      return out;
    };
    return build(0, this.offset);
  }

  /** A row-major copy of the elements as a plain array. */
  toFlat(): number[] {
    const { data, shape, stride } = this;
    const out: number[] = [];
    const visit = (axis: number, off: number): void => {
      if (axis === shape.length) {
        out.push(data[off]);
        return;
      }
      for (let i = 0; i < shape[axis]; i++) visit(axis + 1, off + i * stride[axis]);
    };
    visit(0, this.offset);
    return out;
  }

  /**
   * The single element of a size-1 array.
   * @throws {@link ValueError} when `size !== 1`.
   */
  item(): number {
    if (this.size !== 1) {
      throw new ValueError("item", `only size-1 arrays convert to a number, got shape ${formatShape(this.shape)}`);
    }
    return this.data[this.offset];
  }

  /**
   * The element at `index` (one non-negative integer per axis).
   * @throws {@link ShapeError} naming the index and the shape when it is out of range.
   */
  get(...index: number[]): number {
    const { shape, stride } = this;
    let off = this.offset;
    const valid = index.length === shape.length && index.every((v, i) => Number.isInteger(v) && v >= 0 && v < shape[i]);
    if (!valid) throw new ShapeError("get", `index ${formatShape(index)} is out of range for shape ${formatShape(shape)}`);
    for (let i = 0; i < index.length; i++) off += index[i] * stride[i];
    return this.data[off];
  }

  /** `NDArray(float64, [2,2]) [[1, 2], [3, 4]]`; arrays over 1000 elements show 3 entries at each end of every axis. */
  toString(): string {
    const { data, shape, stride } = this;
    const summarize = this.size > PRINT_FULL_SIZE;
    const fmt = (axis: number, off: number): string => {
      if (axis === shape.length) return String(data[off]);
      const n = shape[axis];
      const parts: string[] = [];
      for (let i = 0; i < n; i++) {
        if (summarize && n > 2 * PRINT_EDGE && i === PRINT_EDGE) {
          parts.push("...");
          i = n - PRINT_EDGE - 1;
          continue;
        }
        parts.push(fmt(axis + 1, off + i * stride[axis]));
      }
      return `[${parts.join(", ")}]`;
    };
    return `NDArray(${this.dtype}, ${formatShape(shape)}) ${fmt(0, this.offset)}`;
  }
}

/**
 * Whether `x` is an {@link NDArray}.
 *
 * @example
 * ```ts
 * import { isNDArray, zeros } from "@ostl/core";
 * console.log(isNDArray(zeros([2])), isNDArray([0, 0])); // true false
 * ```
 */
export function isNDArray(x: unknown): x is NDArray {
  return x instanceof NDArray;
}

/**
 * Wraps raw strided parts into an {@link NDArray} without copying or validating them: the array
 * keeps `shape` and `stride` themselves, which callers pass fresh (or shared read-only).
 * Internal building block of the creation and view functions.
 */
export function view(data: TypedArray, shape: readonly number[], stride: readonly number[], offset: number): NDArray {
  // raw parts instead of a scijs view: the scijs object is made only if someone asks for `nd`
  return new NDArray({ data, shape, stride, offset } as unknown as ndarray.NdArray<TypedArray>);
}
