/**
 * The row driver behind every elementwise kernel and reduction.
 *
 * A {@link RowLoop} processes one row: `n` elements of each operand, each operand read from its own
 * offset with its own stride. {@link eachRow} walks an iteration shape, merging axes that are
 * laid out contiguously in every operand so a dense array is a single row, and calls the loop
 * once per row.
 *
 * Loops only ever see Float64Array: V8 specializes a function on the array classes it has seen,
 * and a loop that has seen both Float32Array and Float64Array runs polymorphic for both. Float32
 * operands are therefore staged: each row is processed in blocks gathered into float64 scratch
 * buffers (exactly what JavaScript arithmetic on Float32Array elements computes anyway), and the
 * result block is rounded back into the float32 destination.
 *
 * @module
 */
import { allocate, type TypedArray } from "./dtype.js";
import { DTypeError } from "./errors.js";
import { type NDArray, view } from "./ndarray.js";
import { broadcastStrides, shapeSize, shapesEqual } from "./shape.js";

/**
 * One row of work: slot 0 is the destination (written, never read), slots 1.. are inputs.
 * `d[j][p[j] + k * s[j]]` is element `k` of slot `j`; `c` is an optional scalar parameter.
 * To read the destination (accumulation), pass it again as an input slot.
 */
export type RowLoop = (n: number, d: readonly Float64Array[], p: readonly number[], s: readonly number[], c: number) => void;

type F64 = Float64Array;
/** A row loop with no inputs: `o[io + k*so] = f(c)`. */
export type Loop0 = (n: number, o: F64, io: number, so: number, c: number) => void;
/** A row loop with one input `x`. */
export type Loop1 = (n: number, o: F64, io: number, so: number, x: F64, ix: number, sx: number, c: number) => void;
/** A row loop with two inputs `a`, `b`. */
export type Loop2 = (n: number, o: F64, io: number, so: number, a: F64, ia: number, sa: number, b: F64, ib: number, sb: number, c: number) => void;
/** A row loop with three inputs. */
export type Loop3 = (
  n: number, o: F64, io: number, so: number, a: F64, ia: number, sa: number, b: F64, ib: number, sb: number, e: F64, ie: number, se: number, c: number,
) => void;
/** A row loop with four inputs. */
export type Loop4 = (
  n: number, o: F64, io: number, so: number, a: F64, ia: number, sa: number, b: F64, ib: number, sb: number,
  e: F64, ie: number, se: number, f: F64, jf: number, sf: number, c: number,
) => void;

// Adapters from the positional loops (short to write, one per op) to the slot arrays of eachRow.
// They are called once per row, so the indirect call is not on the element path.
/** Adapts a {@link Loop0} to {@link eachRow}. */
export const row0 = (f: Loop0): RowLoop => (n, d, p, s, c) => f(n, d[0], p[0], s[0], c);
/** Adapts a {@link Loop1} to {@link eachRow}. */
export const row1 = (f: Loop1): RowLoop => (n, d, p, s, c) => f(n, d[0], p[0], s[0], d[1], p[1], s[1], c);
/** Adapts a {@link Loop2} to {@link eachRow}. */
export const row2 = (f: Loop2): RowLoop => (n, d, p, s, c) => f(n, d[0], p[0], s[0], d[1], p[1], s[1], d[2], p[2], s[2], c);
/** Adapts a {@link Loop3} to {@link eachRow}. */
export const row3 = (f: Loop3): RowLoop => (n, d, p, s, c) =>
  f(n, d[0], p[0], s[0], d[1], p[1], s[1], d[2], p[2], s[2], d[3], p[3], s[3], c);
/** Adapts a {@link Loop4} to {@link eachRow}. */
export const row4 = (f: Loop4): RowLoop => (n, d, p, s, c) =>
  f(n, d[0], p[0], s[0], d[1], p[1], s[1], d[2], p[2], s[2], d[3], p[3], s[3], d[4], p[4], s[4], c);

/** An operand of {@link eachRow}: storage, offset and strides aligned to the iteration shape. */
export interface Slot {
  readonly data: TypedArray;
  readonly offset: number;
  readonly stride: readonly number[];
}

/** Elements per staged block: the scratch buffers of all slots stay in L1 cache. */
const BLOCK = 1024;
/** Float64 scratch buffers for staged float32 slots, one per slot position, grown on demand. */
const scratch: Float64Array[] = [];

/** dst[k] = src[i + k*s] for k < n: widens float32 into a float64 block. */
function gather32(dst: Float64Array, src: Float32Array, i: number, s: number, n: number): void {
  if (s === 1) dst.set(src.subarray(i, i + n));
  else for (let k = 0; k < n; k++, i += s) dst[k] = src[i];
}

/** dst[i + k*s] = src[k] for k < n: rounds a float64 block into float32. */
function scatter32(dst: Float32Array, i: number, s: number, src: Float64Array, n: number): void {
  if (s === 1) dst.set(src.subarray(0, n), i);
  else for (let k = 0; k < n; k++, i += s) dst[i] = src[k];
}

/** Whether every slot is dense row-major over `shape` (strides of size-1 axes do not matter). */
function allDense(shape: readonly number[], slots: readonly Slot[]): boolean {
  for (const sl of slots) {
    let expected = 1;
    for (let ax = shape.length - 1; ax >= 0; ax--) {
      if (shape[ax] !== 1 && sl.stride[ax] !== expected) return false;
      expected *= shape[ax];
    }
  }
  return true;
}

/**
 * Merges the axes of `shape` that every slot traverses contiguously and drops size-1 axes.
 * Returns dimensions innermost first and, per slot, the matching strides.
 */
function coalesce(shape: readonly number[], slots: readonly Slot[]): { dims: number[]; strides: number[][] } {
  const k = slots.length;
  const dims: number[] = [];
  const strides: number[][] = slots.map(() => []);
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    const n = shape[ax];
    if (n === 1) continue;
    const last = dims.length - 1;
    let merge = last >= 0;
    for (let j = 0; j < k && merge; j++) merge = slots[j].stride[ax] === strides[j][last] * dims[last];
    if (merge) {
      dims[last] *= n;
      continue;
    }
    dims.push(n);
    for (let j = 0; j < k; j++) strides[j].push(slots[j].stride[ax]);
  }
  if (dims.length === 0) {
    dims.push(1);
    for (let j = 0; j < k; j++) strides[j].push(1);
  }
  return { dims, strides };
}

/**
 * Calls `loop` over `shape`, one call per row (per block of a row when a slot is float32).
 * Slot 0 is the destination; float32 input slots are widened and a float32 destination is
 * rounded back, so `loop` sees only Float64Array. Dense operands take a single call.
 */
export function eachRow(shape: readonly number[], slots: readonly Slot[], loop: RowLoop, c = 0): void {
  const size = shapeSize(shape);
  if (size === 0) return;
  const k = slots.length;
  const p = slots.map((sl) => sl.offset);
  const staged = slots.some((sl) => !(sl.data instanceof Float64Array));
  if (allDense(shape, slots)) {
    const s = p.map(() => 1);
    if (staged) stagedRow(slots, loop, c, size, s)(p);
    else loop(size, slots.map((sl) => sl.data as Float64Array), p, s, c);
    return;
  }
  const { dims, strides } = coalesce(shape, slots);
  const n = dims[0];
  const s = strides.map((st) => st[0]);
  const row = staged ? stagedRow(slots, loop, c, n, s) : directRow(slots, loop, c, n, s);
  const rows = size / n;
  const idx = new Array<number>(dims.length).fill(0);
  for (let r = 0; r < rows; r++) {
    row(p);
    for (let a = 1; a < dims.length; a++) {
      for (let j = 0; j < k; j++) p[j] += strides[j][a];
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
      for (let j = 0; j < k; j++) p[j] -= strides[j][a] * dims[a];
    }
  }
}

/** A row visitor for all-float64 slots: the loop runs on the slots' own storage. */
function directRow(slots: readonly Slot[], loop: RowLoop, c: number, n: number, s: readonly number[]): (p: readonly number[]) => void {
  const d = slots.map((sl) => sl.data as Float64Array);
  return (p) => loop(n, d, p, s, c);
}

/** A row visitor that widens float32 inputs into scratch blocks and rounds a float32 destination back. */
function stagedRow(slots: readonly Slot[], loop: RowLoop, c: number, n: number, s: readonly number[]): (p: readonly number[]) => void {
  const k = slots.length;
  const isStaged = slots.map((sl) => !(sl.data instanceof Float64Array));
  for (let j = scratch.length; j < k; j++) scratch.push(new Float64Array(BLOCK));
  const d = slots.map((sl, j) => (isStaged[j] ? scratch[j] : (sl.data as Float64Array)));
  const bs = s.map((st, j) => (isStaged[j] ? 1 : st));
  const bp = new Array<number>(k).fill(0);
  return (p) => {
    for (let k0 = 0; k0 < n; k0 += BLOCK) {
      const m = Math.min(BLOCK, n - k0);
      for (let j = 0; j < k; j++) {
        const at = p[j] + k0 * s[j];
        if (!isStaged[j]) bp[j] = at;
        else if (j > 0) gather32(d[j], slots[j].data as Float32Array, at, s[j], m);
      }
      loop(m, d, bp, bs, c);
      if (isStaged[0]) scatter32(slots[0].data as Float32Array, p[0] + k0 * s[0], s[0], d[0], m);
    }
  };
}

/**
 * The common case of an elementwise op, without the broadcasting bookkeeping: when every operand
 * is either a number or a dense float64 array (row-major from offset 0) of one shape, one call of
 * `loop` over all elements into a new array of that shape (sharing the first array's shape and
 * strides, which are never written). Numbers are read with stride 0. Null otherwise, and when
 * every operand is a number: the general path handles those. `op` names the operation in errors.
 */
export function denseElementwise(op: string, loop: RowLoop, operands: readonly (NDArray | number)[]): NDArray | null {
  let first: NDArray | null = null;
  for (const x of operands) {
    if (typeof x === "number") continue;
    if (typeof x !== "object" || x === null || x.dtype !== "float64" || x.offset !== 0 || x.data.length !== x.size || !x.isContiguous()) return null;
    if (first === null) first = x;
    else if (!shapesEqual(first.shape, x.shape)) return null;
  }
  if (first === null) return null;
  const out = view(allocate(op, "float64", first.shape), first.shape, first.stride, 0);
  const k = operands.length + 1;
  const d = new Array<Float64Array>(k);
  const p = new Array<number>(k).fill(0);
  const st = new Array<number>(k).fill(1);
  d[0] = out.data as Float64Array;
  for (let j = 1; j < k; j++) {
    const x = operands[j - 1]!;
    if (typeof x === "number") {
      d[j] = new Float64Array([x]);
      st[j] = 0;
    } else d[j] = x.data as Float64Array;
  }
  if (first.size > 0) loop(first.size, d, p, st, 0);
  return out;
}

/**
 * Runs an elementwise `loop` into `out`, broadcasting every input to `out.shape` (NumPy rules).
 *
 * @throws {@link DTypeError} when an input's dtype differs from `out.dtype`.
 * @throws {@link ShapeError} naming the input shape and `out.shape` when it does not broadcast.
 */
export function runInto(op: string, loop: RowLoop, out: NDArray, inputs: readonly NDArray[], c = 0): NDArray {
  const slots: Slot[] = [out];
  for (const x of inputs) {
    if (x.dtype !== out.dtype) throw new DTypeError(op, `cannot write ${x.dtype} operands into a ${out.dtype} destination`);
    slots.push(shapesEqual(x.shape, out.shape) ? x : { data: x.data, offset: x.offset, stride: broadcastStrides(op, x.shape, x.stride, out.shape) });
  }
  eachRow(out.shape, slots, loop, c);
  return out;
}
