import { describe, expect, it } from "vitest";
import {
  DTypeError,
  PRNG,
  ShapeError,
  broadcastTo,
  kernels,
  matmul,
  matmulInto,
  outer,
  slice,
  tensor,
  transpose,
  zeros,
  type NDArray,
} from "@ostl/core";

/**
 * Naive reference with NumPy matmul semantics, written over nested JS arrays: promotes 1-D
 * operands, broadcasts batch dimensions, and sums products in index order.
 */
function reference(a: NDArray, b: NDArray): number[] | number | unknown[] {
  const A = a.ndim === 1 ? [a.toNested()] : a.toNested();
  const B = b.ndim === 1 ? (b.toNested() as number[]).map((v) => [v]) : b.toNested();
  const mm = (x: number[][], y: number[][]) =>
    x.map((row) => y[0].map((_, j) => row.reduce((s, v, p) => s + v * y[p][j], 0)));
  const depth = (v: unknown): number => (Array.isArray(v) ? 1 + depth(v[0]) : 0);
  const rec = (x: unknown, y: unknown): unknown => {
    const [dx, dy] = [depth(x), depth(y)];
    if (dx === 2 && dy === 2) return mm(x as number[][], y as number[][]);
    if (dx > dy) return (x as unknown[]).map((xi) => rec(xi, y));
    if (dy > dx) return (y as unknown[]).map((yi) => rec(x, yi));
    const [xs, ys] = [x as unknown[], y as unknown[]];
    const n = Math.max(xs.length, ys.length);
    return Array.from({ length: n }, (_, i) => rec(xs.length === 1 ? xs[0] : xs[i], ys.length === 1 ? ys[0] : ys[i]));
  };
  let out = rec(A, B);
  const squeezeLast = (v: unknown): unknown => (depth(v) === 2 ? (v as number[][]).map((r) => r[0]) : (v as unknown[]).map(squeezeLast));
  const squeezeRow = (v: unknown): unknown => (depth(v) === 2 ? (v as number[][])[0] : (v as unknown[]).map(squeezeRow));
  if (b.ndim === 1) out = squeezeLast(out);
  if (a.ndim === 1) out = b.ndim === 1 ? (out as number[])[0] : squeezeRow(out);
  return out as number[];
}

function expectNear(got: NDArray, want: unknown, tol = 1e-12): void {
  const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
  const w = flat(want);
  const g = got.toFlat();
  expect(g.length).toBe(w.length);
  g.forEach((v, i) => expect(Math.abs(v - w[i])).toBeLessThanOrEqual(tol));
}

describe("matmul", () => {
  it("hand-computed 2-D, matrix-vector and vector-matrix products", () => {
    const a = tensor([[1, 2], [3, 4]]);
    expect(matmul(a, a).toNested()).toEqual([[7, 10], [15, 22]]);
    expect(matmul(a, tensor([1, 1])).toFlat()).toEqual([3, 7]);
    expect(matmul(tensor([1, 1]), a).toFlat()).toEqual([4, 6]);
    expect(matmul(tensor([1, 2]), tensor([3, 4])).shape).toEqual([]);
    expect(matmul(tensor([1, 2]), tensor([3, 4])).item()).toBe(11);
  });

  const rng = new PRNG(99);
  const u = (shape: number[]) => rng.uniform(shape, -1, 1);
  it.each<[string, number[], number[]]>([
    ["5x7 @ 7x3 (partial tiles)", [5, 7], [7, 3]],
    ["9x13 @ 13x6", [9, 13], [13, 6]],
    ["batch 2x5x7 @ 7x3", [2, 5, 7], [7, 3]],
    ["broadcast batch 3x1x5x7 @ 4x7x3", [3, 1, 5, 7], [4, 7, 3]],
    ["1-D @ batch: 7 @ 2x7x3", [7], [2, 7, 3]],
    ["batch @ 1-D: 2x5x7 @ 7", [2, 5, 7], [7]],
    ["matrix-vector column 6x5 @ 5x1", [6, 5], [5, 1]],
    ["row-vector 1x5 @ 5x6", [1, 5], [5, 6]],
    ["1-D @ 1-D", [7], [7]],
    ["outer product 6x1 @ 1x5", [6, 1], [1, 5]],
    ["batched outer products 3x6x1 @ 1x5", [3, 6, 1], [1, 5]],
  ])("%s matches the naive reference", (_, sa, sb) => {
    const [a, b] = [u(sa), u(sb)];
    const got = matmul(a, b);
    const want = reference(a, b);
    expectNear(got, want);
    expect(got.isContiguous()).toBe(true);
  });

  it("accepts strided operands: transposed, stepped, broadcast (stride 0)", () => {
    const t = transpose(u([7, 5]));
    const s = slice(u([14, 9]), [0, 1], [14, 9], [2, 3]);
    const bc = broadcastTo(u([3]), [7, 3]);
    const pairs: [NDArray, NDArray][] = [
      [t, s],
      [t, bc],
      [s, transpose(s)],
      [transpose(s), u([7, 1])],
      [u([1, 7]), transpose(u([6, 7]))],
      [transpose(u([1, 7])), u([1, 4])],
      [transpose(u([1, 7])), transpose(u([4, 1]))],
      [slice(u([9, 1]), [1, 0], [9, 1], [2, 1]), broadcastTo(u([1]), [1, 3])],
      [broadcastTo(u([7]), [5, 7]), transpose(u([2, 7]))],
      [u([4, 5, 7]), broadcastTo(u([1, 7, 3]), [4, 7, 3])],
    ];
    for (const [a, b] of pairs) expectNear(matmul(a, b), reference(a, b));
  });

  it("float32 operands give the float64 product of their values, rounded once", () => {
    const a = tensor(u([5, 7]), { dtype: "float32" });
    const b = tensor(u([7, 3]), { dtype: "float32" });
    const f = matmul(a, b);
    expect(f.dtype).toBe("float32");
    const wide = reference(tensor(a, { dtype: "float64" }), tensor(b, { dtype: "float64" })) as number[][];
    expect(f.toNested()).toEqual(wide.map((r) => r.map(Math.fround)));
  });

  it("handles empty dimensions", () => {
    expect(matmul(zeros([2, 0]), zeros([0, 3])).toNested()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(matmul(zeros([0, 4]), zeros([4, 3])).shape).toEqual([0, 3]);
    expect(matmul(zeros([0, 2, 4]), zeros([4, 3])).shape).toEqual([0, 2, 3]);
  });

  it("rejects 0-d operands, inner mismatch, batch mismatch and mixed dtypes", () => {
    expect(() => matmul(tensor(1), zeros([2]))).toThrow("matmul: operands must be at least 1-D, got [] @ [2]");
    expect(() => matmul(zeros([3]), zeros([2]))).toThrow(ShapeError);
    expect(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5]))).toThrow("matmul: batch dimensions do not broadcast in [2,3,4] @ [3,4,5]");
    expect(() => matmul(zeros([2, 2], "float32"), zeros([2, 2]))).toThrow(DTypeError);
  });
});

describe("matmulInto / kernels.matmul", () => {
  const rng = new PRNG(3);
  it("writes into a preallocated, possibly strided destination", () => {
    const [a, b] = [rng.uniform([5, 7]), rng.uniform([7, 6])];
    const out = zeros([5, 6]);
    expect(kernels.matmul(out, a, b)).toBe(out);
    expectNear(out, reference(a, b));
    const big = zeros([6, 5]);
    const outT = transpose(big);
    matmulInto(outT, a, b);
    expectNear(outT, reference(a, b));
    const v = zeros([5, 1]);
    matmulInto(v, a, rng.uniform([7, 1]));
    expect(v.toFlat().every((x) => x !== 0)).toBe(true);
  });

  it("is safe when out is an operand", () => {
    const a = tensor([[1, 2], [3, 4]]);
    kernels.matmul(a, a, a);
    expect(a.toNested()).toEqual([[7, 10], [15, 22]]);
  });

  it("supports float32 destinations", () => {
    const a = tensor([[1, 2], [3, 4]], { dtype: "float32" });
    const out = zeros([2, 2], "float32");
    kernels.matmul(out, a, a);
    expect(out.toNested()).toEqual([[7, 10], [15, 22]]);
  });

  it("rejects wrong shapes and dtypes", () => {
    expect(() => kernels.matmul(zeros([2, 2]), zeros([2, 3]), zeros([3, 3]))).toThrow(
      "kernels.matmul: need [n,k] @ [k,m] into [n,m], got [2,3] @ [3,3] into [2,2]",
    );
    expect(() => kernels.matmul(zeros([2]), zeros([2, 2]), zeros([2]))).toThrow(ShapeError);
    expect(() => kernels.matmul(zeros([2, 2], "float32"), zeros([2, 2]), zeros([2, 2]))).toThrow(DTypeError);
  });
});

describe("outer", () => {
  it("computes a[i] * b[j] and requires vectors", () => {
    expect(outer(tensor([1, 2]), tensor([3, 4, 5])).toNested()).toEqual([[3, 4, 5], [6, 8, 10]]);
    expect(() => outer(zeros([2, 1]), zeros([2]))).toThrow("outer: operands must be 1-D, got [2,1] and [2]");
  });
});
