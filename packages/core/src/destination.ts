/**
 * What a destination-first kernel may write into, and what happens when `out` overlaps an input.
 *
 * - `out` may not be a broadcast view (stride 0 along an axis of extent > 1): its elements alias
 *   each other, so writes would overwrite one another.
 * - An input that is exactly `out` (same storage, same first element, shape and strides) is read
 *   and written in the same pass: every row loop reads element k of all inputs before it writes
 *   element k, so in-place updates such as `kernels.add(g, g, dg)` need no copy.
 * - An input that overlaps `out` in any other way (a transposed or shifted view of it, a broadcast
 *   row of it, another typed array over the same buffer) is copied before anything is written.
 *
 * The test costs O(ndim) per input: storage identity, then whether the address ranges the two
 * views span intersect (conservative: views that interleave without sharing an element count as
 * overlapping and are copied), then the exact identity.
 *
 * @module
 */
import { copy } from "./create.js";
import { ShapeError } from "./errors.js";
import type { NDArray } from "./ndarray.js";
import { formatShape, shapesEqual } from "./shape.js";
import { shareBuffer } from "./storage.js";
import { runInto, type RowLoop } from "./strided.js";

/**
 * Rejects a destination whose elements alias each other: a stride of 0 along an axis of extent > 1.
 *
 * @throws {@link ShapeError} naming `op`, the shape and the strides of `out`.
 */
export function checkDestination(op: string, out: NDArray): void {
  const { shape, stride } = out;
  for (let ax = 0; ax < shape.length; ax++) {
    if (stride[ax] === 0 && shape[ax] > 1) {
      throw new ShapeError(
        op,
        `the output is a broadcast view (shape ${formatShape(shape)}, strides ${formatShape(stride)}) whose elements alias each other; write into a dense array`,
      );
    }
  }
}

/** Index in `x.data` of the element of `x` at the lowest address. */
function lowestIndex(x: NDArray): number {
  let at = x.offset;
  for (let ax = 0; ax < x.shape.length; ax++) if (x.stride[ax] < 0) at += (x.shape[ax] - 1) * x.stride[ax];
  return at;
}

/** Index in `x.data` of the element of `x` at the highest address. */
function highestIndex(x: NDArray): number {
  let at = x.offset;
  for (let ax = 0; ax < x.shape.length; ax++) if (x.stride[ax] > 0) at += (x.shape[ax] - 1) * x.stride[ax];
  return at;
}

/** Byte position in the shared buffer of element `index` of `x.data` (relative to `x.data` itself when both views share it). */
function bytePosition(x: NDArray, other: NDArray, index: number): number {
  const base = x.data === other.data ? 0 : x.data.byteOffset;
  return base + index * x.data.BYTES_PER_ELEMENT;
}

/**
 * Whether the address ranges spanned by `a` and `b` intersect: the same buffer, and neither is
 * empty. Exact for dense views; conservative for interleaved strided ones.
 */
export function overlaps(a: NDArray, b: NDArray): boolean {
  if (a.size === 0 || b.size === 0 || !shareBuffer(a.data, b.data)) return false;
  const aLo = bytePosition(a, b, lowestIndex(a));
  const aHi = bytePosition(a, b, highestIndex(a) + 1);
  const bLo = bytePosition(b, a, lowestIndex(b));
  const bHi = bytePosition(b, a, highestIndex(b) + 1);
  return aLo < bHi && bLo < aHi;
}

/** Whether `x` views exactly the elements of `out`, element for element (same dtype, first element, shape and strides). */
function sameElements(out: NDArray, x: NDArray): boolean {
  if (x === out) return true;
  if (x.dtype !== out.dtype || !shapesEqual(x.shape, out.shape)) return false;
  if (bytePosition(x, out, x.offset) !== bytePosition(out, x, out.offset)) return false;
  for (let ax = 0; ax < out.shape.length; ax++) if (out.shape[ax] > 1 && x.stride[ax] !== out.stride[ax]) return false;
  return true;
}

/**
 * Runs an elementwise `loop` into `out` after the destination checks: `out` must not be a broadcast
 * view, and any input that overlaps `out` without being exactly `out` is replaced by a copy.
 *
 * @throws {@link ShapeError} for a broadcast destination or inputs that do not broadcast to `out.shape`.
 * @throws {@link DTypeError} when an input's dtype differs from `out.dtype`.
 */
export function writeInto(op: string, loop: RowLoop, out: NDArray, inputs: readonly NDArray[], c = 0): NDArray {
  checkDestination(op, out);
  let copied: NDArray[] | null = null;
  for (let j = 0; j < inputs.length; j++) {
    const x = inputs[j];
    if (x !== out && overlaps(out, x) && !sameElements(out, x)) (copied ??= inputs.slice())[j] = copy(x);
  }
  return runInto(op, loop, out, copied ?? inputs, c);
}
