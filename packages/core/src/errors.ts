/**
 * Typed errors thrown by every `@ostl/core` operation.
 *
 * Each error carries the name of the operation that rejected its input in `op`, and its message
 * starts with `${op}: ` followed by the offending shapes, dtypes or values.
 *
 * @module
 */

/**
 * Base class of all errors thrown by `@ostl/core`.
 *
 * @example
 * ```ts
 * import { OstlError, tensor, add } from "@ostl/core";
 * try {
 *   add(tensor([1, 2, 3]), tensor([1, 2]));
 * } catch (e) {
 *   if (e instanceof OstlError) console.log(e.op); // "add"
 * }
 * ```
 */
export class OstlError extends Error {
  /** Name of the operation that rejected its input, e.g. `"matmul"`. */
  readonly op: string;

  /**
   * @param op - operation name; the message is prefixed with `${op}: `.
   * @param message - what was wrong, naming the offending shapes or values.
   */
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.op = op;
    this.name = new.target.name;
  }
}

/**
 * Incompatible or invalid shapes: broadcasting failures, bad reshapes, axis or index out of range.
 *
 * @example
 * ```ts
 * import { ShapeError, reshape, zeros } from "@ostl/core";
 * try {
 *   reshape(zeros([2, 3]), [4]);
 * } catch (e) {
 *   console.log(e instanceof ShapeError, (e as ShapeError).message);
 *   // true "reshape: cannot reshape array of shape [2,3] (size 6) into shape [4]"
 * }
 * ```
 */
export class ShapeError extends OstlError {}

/**
 * Operands whose dtypes cannot be combined (float32 with float64), or an unknown dtype.
 *
 * @example
 * ```ts
 * import { DTypeError, add, ones } from "@ostl/core";
 * try {
 *   add(ones([2], "float32"), ones([2], "float64"));
 * } catch (e) {
 *   console.log(e instanceof DTypeError); // true
 * }
 * ```
 */
export class DTypeError extends OstlError {}

/**
 * Invalid values: non-integer or non-finite seeds and sizes, ragged nested arrays, empty reductions.
 *
 * @example
 * ```ts
 * import { ValueError, PRNG } from "@ostl/core";
 * try {
 *   new PRNG(Number.NaN);
 * } catch (e) {
 *   console.log(e instanceof ValueError); // true
 * }
 * ```
 */
export class ValueError extends OstlError {}

/**
 * An array that cannot be allocated: more elements than a typed array can hold, or more memory
 * than the engine can give. The message names the operation, the shape, the dtype and the bytes.
 *
 * @example
 * ```ts
 * import { AllocationError, zeros } from "@ostl/core";
 * try {
 *   zeros([1e6, 1e6]);
 * } catch (e) {
 *   console.log(e instanceof AllocationError, (e as AllocationError).message.split(": cannot")[0]); // true "zeros"
 * }
 * ```
 */
export class AllocationError extends OstlError {}
