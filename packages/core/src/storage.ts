/**
 * Which typed arrays may share an `ArrayBuffer` with another typed array object.
 *
 * Every array that `@ostl/core` allocates owns a fresh buffer, and its views (`reshape`,
 * `transpose`, `slice`, `broadcastTo`, ...) share the very same typed array object. Two *distinct*
 * typed arrays can therefore only overlap when at least one of them came from outside: wrapped by
 * `fromTyped` or by the `NDArray` constructor (a `subarray`, or a second typed array over one
 * buffer). Those are registered here, so that the destination kernels read `.buffer` only for them:
 * in V8 that getter costs about 0.1 µs, and on a small array it first moves the elements off the
 * heap (about 1 µs), which would double the cost of a kernel call on a few elements.
 *
 * @module
 */
import type { TypedArray } from "./dtype.js";

/** Typed arrays handed to core from outside: the only ones that may share a buffer with another object. */
const external = new WeakSet<TypedArray>();

/** Records that `data` came from outside core and may share its buffer with other typed arrays. */
export function markExternal(data: TypedArray): void {
  external.add(data);
}

/**
 * Whether `a` and `b` are views of one buffer: the same object, or distinct objects of which one
 * came from outside (nothing else can share) over the same buffer.
 */
export function shareBuffer(a: TypedArray, b: TypedArray): boolean {
  if (a === b) return true;
  return (external.has(a) || external.has(b)) && a.buffer === b.buffer;
}
