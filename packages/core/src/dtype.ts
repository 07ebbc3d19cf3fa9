/**
 * Element types. `float64` is the default everywhere (gradient research needs it); `float32` is
 * opt-in.
 *
 * @module
 */
import { AllocationError, DTypeError } from "./errors.js";
import { formatShape, shapeSize } from "./shape.js";
import { freshStorage } from "./storage.js";

/**
 * Element type of an {@link NDArray}.
 *
 * @example
 * ```ts
 * import { zeros, type DType } from "@ostl/core";
 * const dt: DType = "float32";
 * console.log(zeros([2], dt).dtype); // "float32"
 * ```
 */
export type DType = "float64" | "float32";

/**
 * Backing storage of an {@link NDArray}: one typed array per dtype.
 *
 * @example
 * ```ts
 * import { fromTyped, type TypedArray } from "@ostl/core";
 * const data: TypedArray = new Float32Array([1, 2, 3]);
 * console.log(fromTyped(data, [3]).dtype); // "float32"
 * ```
 */
export type TypedArray = Float64Array | Float32Array;

/**
 * Whether `x` is one of the supported dtype names.
 *
 * @example
 * ```ts
 * import { isDType } from "@ostl/core";
 * console.log(isDType("float32"), isDType("int32")); // true false
 * ```
 */
export function isDType(x: unknown): x is DType {
  return x === "float64" || x === "float32";
}

/**
 * Validates a dtype argument that may come from untyped code.
 *
 * @throws {@link DTypeError} naming `op` and the value when it is not a supported dtype.
 * @example
 * ```ts
 * import { checkDType } from "@ostl/core";
 * console.log(checkDType("zeros", "float32")); // "float32"
 * ```
 */
export function checkDType(op: string, dtype: unknown): DType {
  if (!isDType(dtype)) {
    throw new DTypeError(op, `unsupported dtype ${JSON.stringify(dtype)} (expected "float64" or "float32")`);
  }
  return dtype;
}

/**
 * The dtype of a typed array.
 *
 * @throws {@link DTypeError} naming `op` when `data` is not a Float64Array or Float32Array.
 * @example
 * ```ts
 * import { dtypeOfData } from "@ostl/core";
 * console.log(dtypeOfData("fromTyped", new Float64Array(2))); // "float64"
 * ```
 */
export function dtypeOfData(op: string, data: unknown): DType {
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Float32Array) return "float32";
  const name = (data as { constructor?: { name?: string } } | null | undefined)?.constructor?.name ?? typeof data;
  throw new DTypeError(op, `expected a Float64Array or Float32Array, got ${name}`);
}

/**
 * Allocates storage for an array of `shape` made by `op`: zero-filled, or converted from `source`
 * (which then has the shape's size). A small array is carved from a shared slab (see
 * `storage.ts`).
 *
 * @throws {@link AllocationError} naming `op`, the shape, the dtype and the bytes when the engine
 * cannot make the typed array (too many elements, or out of memory).
 * @example
 * ```ts
 * import { allocate } from "@ostl/core";
 * console.log(allocate("zeros", "float32", [3])); // Float32Array(3) [0, 0, 0]
 * console.log(allocate("astype", "float64", [2], new Float32Array([0.5, 1]))); // Float64Array(2) [0.5, 1]
 * try {
 *   allocate("zeros", "float64", [1e6, 1e6]);
 * } catch (e) {
 *   console.log((e as Error).message.split(": Invalid")[0]); // "zeros: cannot allocate [1000000,1000000] float64 (8e12 bytes)"
 * }
 * ```
 */
export function allocate(op: string, dtype: DType, shape: readonly number[], source?: TypedArray): TypedArray {
  try {
    const size = source === undefined ? shapeSize(shape) : source.length;
    const data = freshStorage(dtype === "float64", size);
    if (source !== undefined) data.set(source);
    return data;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const bytes = shapeSize(shape) * (dtype === "float64" ? 8 : 4);
    throw new AllocationError(op, `cannot allocate ${formatShape(shape)} ${dtype} (${formatBytes(bytes)}): ${e.message}`);
  }
}

/** `512 bytes`, `1.5e9 bytes`: exact below a million, three significant digits above. */
function formatBytes(bytes: number): string {
  if (bytes < 1e6) return `${bytes} bytes`;
  return `${Number(bytes.toPrecision(3)).toExponential().replace("e+", "e")} bytes`;
}

/**
 * The dtype shared by all operands of `op`.
 *
 * @throws {@link DTypeError} naming `op` and the dtypes when they differ.
 * @example
 * ```ts
 * import { commonDType } from "@ostl/core";
 * console.log(commonDType("add", ["float32", "float32"])); // "float32"
 * ```
 */
export function commonDType(op: string, dtypes: readonly DType[]): DType {
  const first = dtypes[0] ?? "float64";
  for (const dt of dtypes) {
    if (dt !== first) {
      throw new DTypeError(op, `cannot mix dtypes ${dtypes.join(", ")}; cast one operand with astype`);
    }
  }
  return first;
}
