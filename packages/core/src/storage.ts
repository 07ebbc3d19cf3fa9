/**
 * Where the typed arrays of `@ostl/core` live, and which of them may share an `ArrayBuffer`.
 *
 * Small arrays (more than 64 bytes and at most 4 KiB: 9 to 512 float64 elements, 17 to 1,024
 * float32) are carved from shared 64 KiB slabs: V8 makes a typed array of that size off the JavaScript heap, with a
 * buffer of its own, for about 1.2 µs (150 float64 elements, Node 20), while a view over a slab
 * costs about 0.06 µs. Each slab region is handed out once, so the arrays are zero-filled and
 * never overlap. The price is that a slab lives while any of its arrays does: an array kept
 * among many dropped ones keeps up to 64 KiB alive, which the slab size bounds. Larger arrays,
 * and arrays of 64 bytes or fewer (which V8 keeps on its heap, cheaply), own their buffers.
 *
 * Two *distinct* typed arrays can therefore only overlap when at least one of them came from
 * outside: wrapped by `fromTyped` or by the `NDArray` constructor (a `subarray`, or a second
 * typed array over one buffer). Those are registered here, so that the destination kernels read
 * `.buffer` only for them: in V8 that getter costs about 0.1 µs, and on an array on the heap it
 * first moves the elements off the heap (about 1 µs), which would double the cost of a kernel
 * call on a few elements. Views of one array (`reshape`, `transpose`, `slice`, `broadcastTo`,
 * ...) share its very typed array object.
 *
 * @module
 */
import type { TypedArray } from "./dtype.js";

/** Typed arrays handed to core from outside: the only ones that may overlap another object. */
const external = new WeakSet<TypedArray>();

/** Records that `data` came from outside core and may share its buffer with other typed arrays. */
export function markExternal(data: TypedArray): void {
  external.add(data);
}

/**
 * Whether `a` and `b` may overlap: the same object, or distinct objects of which one came from
 * outside (nothing else can overlap) over the same buffer. Distinct arrays carved from one slab
 * answer false: they never overlap.
 */
export function shareBuffer(a: TypedArray, b: TypedArray): boolean {
  if (a === b) return true;
  return (external.has(a) || external.has(b)) && a.buffer === b.buffer;
}

const SLAB_BYTES = 1 << 16;
/** Arrays of more bytes than this own their buffers. */
const LARGEST_CARVED = 4096;
/** Arrays of at most this many bytes stay on V8's heap, where making them is cheap. */
const LARGEST_ON_HEAP = 64;

let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/**
 * A zero-filled float64 or float32 array of `size` elements: carved from the current slab when
 * small (see the module's notes), else with a buffer of its own.
 */
export function freshStorage(float64: boolean, size: number): TypedArray {
  const bytes = size * (float64 ? 8 : 4);
  if (bytes <= LARGEST_ON_HEAP || bytes > LARGEST_CARVED) return float64 ? new Float64Array(size) : new Float32Array(size);
  if (slabUsed + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const at = slabUsed;
  // regions start at 16-byte boundaries
  slabUsed += (bytes + 15) & ~15;
  return float64 ? new Float64Array(slab, at, size) : new Float32Array(slab, at, size);
}
