/**
 * The float64 matrix-product core `O = A B` for strided 2-D operands.
 *
 * General shapes use a 4x4 register tile: A is packed into panels of 4 rows and B into panels of
 * 4 columns (both zero-padded to a multiple of 4, so edge tiles need no separate code), then each
 * output tile keeps its 16 sums in locals while streaming the two panels, 8 loads per 16
 * multiply-adds. Matrix-vector shapes (m = 1 or n = 1) skip packing: four dot products at a time
 * for row-major A, otherwise column updates `o += A[:, p:p+4] x[p:p+4]`. Outer products (k = 1)
 * are one multiply per output.
 *
 * @module
 */
import { allocate } from "./dtype.js";
import { copy, fill } from "./loops/unary.js";

/** A float64 matrix view: element (i, j) is `data[off + i * s0 + j * s1]`. */
export interface Mat {
  readonly data: Float64Array;
  readonly off: number;
  readonly s0: number;
  readonly s1: number;
}

/** Packed A panels, packed B panels and one output tile, grown on demand and reused. */
let packA: Float64Array = new Float64Array(0);
let packB: Float64Array = new Float64Array(0);
const tileOut = new Float64Array(16);

/**
 * Packs the `rows` x `k` matrix `x` (element (r, p) at `x.data[x.off + r*rs + p*ps]`) into panels
 * of 4 rows: panel `q` holds rows 4q..4q+3 interleaved, element (4q + i, p) at `(q*k + p)*4 + i`.
 * Rows past `rows` are zeros.
 */
function pack(dst: Float64Array, x: Float64Array, off: number, rs: number, ps: number, rows: number, k: number): void {
  const padded = Math.ceil(rows / 4) * 4;
  for (let r = 0; r < padded; r++) {
    const at = (r >> 2) * k * 4 + (r & 3);
    if (r < rows) copy(k, dst, at, 4, x, off + r * rs, ps, 0);
    else fill(k, dst, at, 4, 0);
  }
}

/** Grows a scratch buffer to at least `n` elements (the packed copy of an operand of `matmul`). */
function ensure(buf: Float64Array, n: number): Float64Array {
  return buf.length >= n ? buf : (allocate("matmul", "float64", [Math.max(n, 2 * buf.length)]) as Float64Array);
}

/** `O = A B` with the packed 4x4 register tile, for any n, k, m (edges are zero-padded). */
function gemmTiled(o: Mat, a: Mat, b: Mat, n: number, k: number, m: number): void {
  const nbI = Math.ceil(n / 4);
  const nbJ = Math.ceil(m / 4);
  packA = ensure(packA, nbI * 4 * k);
  packB = ensure(packB, nbJ * 4 * k);
  const ap = packA;
  const bp = packB;
  pack(ap, a.data, a.off, a.s0, a.s1, n, k);
  pack(bp, b.data, b.off, b.s1, b.s0, m, k);
  const t = tileOut;
  const od = o.data;
  for (let jb = 0; jb < nbJ; jb++) {
    const bo = jb * k * 4;
    for (let ib = 0; ib < nbI; ib++) {
      const ao = ib * k * 4;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let x = ao, y = bo, end = ao + 4 * k; x < end; x += 4, y += 4) {
        const a0 = ap[x], a1 = ap[x + 1], a2 = ap[x + 2], a3 = ap[x + 3];
        const b0 = bp[y], b1 = bp[y + 1], b2 = bp[y + 2], b3 = bp[y + 3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
      t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
      t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
      t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
      const rows = Math.min(4, n - ib * 4);
      const cols = Math.min(4, m - jb * 4);
      for (let i = 0, r = o.off + ib * 4 * o.s0 + jb * 4 * o.s1; i < rows; i++, r += o.s0) {
        for (let j = 0; j < cols; j++) od[r + j * o.s1] = t[i * 4 + j];
      }
    }
  }
}

/**
 * `o = A x` for an n x k matrix A and a k-vector x (`o` and `x` are strided vectors: element i at
 * `data[off + i * s0]`; `s1` is ignored).
 */
function gemv(o: Mat, a: Mat, x: Mat, n: number, k: number): void {
  const od = o.data;
  const ad = a.data;
  const xd = x.data;
  if (a.s1 !== 1) {
    // Column updates, four columns per pass over o; columns past k repeat column k-1 with weight 0.
    fill(n, od, o.off, o.s0, 0);
    for (let p = 0; p < k; p += 4) {
      const c0 = a.off + p * a.s1;
      const c1 = a.off + Math.min(p + 1, k - 1) * a.s1;
      const c2 = a.off + Math.min(p + 2, k - 1) * a.s1;
      const c3 = a.off + Math.min(p + 3, k - 1) * a.s1;
      const x0 = xd[x.off + p * x.s0];
      const x1 = p + 1 < k ? xd[x.off + (p + 1) * x.s0] : 0;
      const x2 = p + 2 < k ? xd[x.off + (p + 2) * x.s0] : 0;
      const x3 = p + 3 < k ? xd[x.off + (p + 3) * x.s0] : 0;
      for (let i = 0, oi = o.off, ai = 0; i < n; i++, oi += o.s0, ai += a.s0) {
        od[oi] += ad[c0 + ai] * x0 + ad[c1 + ai] * x1 + ad[c2 + ai] * x2 + ad[c3 + ai] * x3;
      }
    }
    return;
  }
  // Four dot products per pass over x; rows past n repeat row n-1 and are not stored.
  for (let i = 0; i < n; i += 4) {
    const r0 = a.off + i * a.s0;
    const r1 = a.off + Math.min(i + 1, n - 1) * a.s0;
    const r2 = a.off + Math.min(i + 2, n - 1) * a.s0;
    const r3 = a.off + Math.min(i + 3, n - 1) * a.s0;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let p = 0, xi = x.off; p < k; p++, xi += x.s0) {
      const v = xd[xi];
      s0 += ad[r0 + p] * v;
      s1 += ad[r1 + p] * v;
      s2 += ad[r2 + p] * v;
      s3 += ad[r3 + p] * v;
    }
    const at = o.off + i * o.s0;
    od[at] = s0;
    if (i + 1 < n) od[at + o.s0] = s1;
    if (i + 2 < n) od[at + 2 * o.s0] = s2;
    if (i + 3 < n) od[at + 3 * o.s0] = s3;
  }
}

/** `O = a bᵀ` for an n-vector a (column of A, stride `a.s0`) and an m-vector b (row of B, stride `b.s1`): the k = 1 product. */
function outerProduct(o: Mat, a: Mat, b: Mat, n: number, m: number): void {
  const od = o.data;
  const ad = a.data;
  const bd = b.data;
  for (let i = 0, ai = a.off, oi = o.off; i < n; i++, ai += a.s0, oi += o.s0) {
    const v = ad[ai];
    for (let j = 0, bj = b.off, oj = oi; j < m; j++, bj += b.s1, oj += o.s1) od[oj] = v * bd[bj];
  }
}

/** `O = A B` for float64 views: A is n x k, B is k x m, O is n x m and must not overlap A or B. */
export function matmul2d(o: Mat, a: Mat, b: Mat, n: number, k: number, m: number): void {
  if (m === 1) gemv(o, a, b, n, k);
  else if (k === 1) outerProduct(o, a, b, n, m);
  else if (n === 1) gemv({ ...o, s0: o.s1 }, { data: b.data, off: b.off, s0: b.s1, s1: b.s0 }, { ...a, s0: a.s1 }, m, k);
  else gemmTiled(o, a, b, n, k, m);
}
