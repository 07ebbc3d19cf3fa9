import { describe, expect, it } from "vitest";
import {
  PRNG,
  ShapeError,
  ValueError,
  argmax,
  broadcastTo,
  max,
  mean,
  min,
  reshape,
  arange,
  slice,
  sum,
  tensor,
  transpose,
  zeros,
  type NDArray,
} from "@ostl/core";

/** Reference reduction over one axis of a nested 2-D array, by plain loops. */
function reduceRef(rows: number[][], axis: 0 | 1, f: (v: number[]) => number): number[] {
  return axis === 1 ? rows.map(f) : rows[0].map((_, j) => f(rows.map((r) => r[j])));
}
const total = (v: number[]) => v.reduce((s, x) => s + x, 0);

describe("sum", () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  it("over all axes, one axis, negative axes, several axes, keepdims", () => {
    expect(sum(a).item()).toBe(21);
    expect(sum(a).shape).toEqual([]);
    expect(sum(a, 0).toFlat()).toEqual([5, 7, 9]);
    expect(sum(a, -1).toFlat()).toEqual([6, 15]);
    expect(sum(a, [0, 1]).item()).toBe(21);
    expect(sum(a, 1, true).toNested()).toEqual([[6], [15]]);
    expect(sum(a, undefined, true).toNested()).toEqual([[21]]);
    expect(sum(a, []).toNested()).toEqual(a.toNested());
    const b = reshape(arange(24), [2, 3, 4]);
    expect(sum(b, [0, 2]).toFlat()).toEqual([60, 92, 124]);
    expect(sum(b, 1).toNested()).toEqual([[12, 15, 18, 21], [48, 51, 54, 57]]);
  });

  it("of scalars and empty arrays", () => {
    expect(sum(tensor(4)).item()).toBe(4);
    expect(sum(zeros([0, 3])).item()).toBe(0);
    expect(sum(zeros([0, 3]), 0).toFlat()).toEqual([0, 0, 0]);
    expect(sum(zeros([3, 0]), 0).shape).toEqual([0]);
  });

  it("rejects repeated axes", () => {
    expect(() => sum(a, [1, -1])).toThrow("sum: repeated axis 1 in [1,-1]");
  });
});

describe("mean, max, min", () => {
  const a = tensor([[1, 5, -2], [7, 2, 0.5]]);
  it("hand-computed values", () => {
    expect(mean(a).item()).toBe(13.5 / 6);
    expect(mean(a, 0).toFlat()).toEqual([4, 3.5, -0.75]);
    expect(mean(a, 1, true).toNested()).toEqual([[4 / 3], [9.5 / 3]]);
    expect(max(a).item()).toBe(7);
    expect(max(a, 0).toFlat()).toEqual([7, 5, 0.5]);
    expect(max(a, -1, true).toNested()).toEqual([[5], [7]]);
    expect(min(a).item()).toBe(-2);
    expect(min(a, 1).toFlat()).toEqual([-2, 0.5]);
    expect(max(tensor(-3)).item()).toBe(-3);
  });

  it("propagate NaN", () => {
    const n = tensor([[1, Number.NaN], [3, 4]]);
    expect(max(n, 1).toFlat()).toEqual([Number.NaN, 4]);
    expect(min(n, 0).toFlat()).toEqual([1, Number.NaN]);
    expect(sum(n).item()).toBeNaN();
  });

  it("reject reductions over zero elements that have no identity", () => {
    expect(() => max(zeros([0, 3]), 0)).toThrow("max: zero-size reduction over axes [0] of shape [0,3] has no identity");
    expect(() => min(zeros([0]))).toThrow(ValueError);
    expect(() => mean(zeros([2, 0]), 1)).toThrow(ValueError);
    expect(max(zeros([0, 3]), 1).shape).toEqual([0]);
  });

  it("name the op, axis and shape for an out-of-range axis", () => {
    expect(() => mean(zeros([2]), 1)).toThrow("mean: axis 1 is out of range for shape [2] (ndim 1)");
    expect(() => max(zeros([2]), -2)).toThrow(ShapeError);
  });
});

describe("reductions of strided views", () => {
  const rng = new PRNG(5);
  const base = rng.uniform([6, 8], -1, 1);
  const layouts: [string, NDArray][] = [
    ["transposed", transpose(rng.uniform([5, 3], -1, 1))],
    ["stepped", slice(base, [0, 1], [6, 8], [2, 3])],
    ["row broadcast", broadcastTo(tensor([1, -2, 3.5]), [4, 3])],
    ["column broadcast", broadcastTo(tensor([[1], [-2], [0.25]]), [3, 5])],
  ];
  it.each(layouts)("%s: sum/mean/max/min over each axis match loops over toNested", (_, x) => {
    const rows = x.toNested() as number[][];
    for (const axis of [0, 1] as const) {
      const n = axis === 0 ? rows.length : rows[0].length;
      expect(sum(x, axis).toFlat()).toEqual(reduceRef(rows, axis, total));
      expect(mean(x, axis).toFlat()).toEqual(reduceRef(rows, axis, (v) => total(v) / n));
      expect(max(x, axis).toFlat()).toEqual(reduceRef(rows, axis, (v) => Math.max(...v)));
      expect(min(x, axis).toFlat()).toEqual(reduceRef(rows, axis, (v) => Math.min(...v)));
    }
    expect(sum(x).item()).toBeCloseTo(total(rows.flat()), 12);
  });

  it("float32 inputs are accumulated in float64 and rounded once", () => {
    const f = tensor([[1e8, 1, -1e8], [0.1, 0.2, 0.3]], { dtype: "float32" });
    const s = sum(f, 1);
    expect(s.dtype).toBe("float32");
    expect(s.toFlat()).toEqual([1, Math.fround(Math.fround(0.1) + Math.fround(0.2) + Math.fround(0.3))]);
    expect(max(transpose(f), 0).toFlat()).toEqual([1e8, Math.fround(0.3)]);
    expect(mean(f, 0).dtype).toBe("float32");
  });

  it("sums a long float32 row across staging blocks", () => {
    const n = 5000;
    const f = tensor(Float32Array.from({ length: n }, (_, i) => i % 7));
    let want = 0;
    for (let i = 0; i < n; i++) want += i % 7;
    expect(sum(f).item()).toBe(want);
    expect(sum(slice(f, [1], [n], [3])).item()).toBe(Array.from({ length: n }, (_, i) => i % 7).filter((_, i) => i >= 1 && (i - 1) % 3 === 0).reduce((s, v) => s + v, 0));
  });
});

describe("argmax", () => {
  it("returns first-occurrence indices as floats", () => {
    const a = tensor([[1, 9, 3], [8, 2, 8]]);
    expect(argmax(a, 1).toFlat()).toEqual([1, 0]);
    expect(argmax(a, 0).toFlat()).toEqual([1, 0, 1]);
    expect(argmax(a, -1).dtype).toBe("float64");
    expect(argmax(transpose(a), 0).toFlat()).toEqual([1, 0]);
    expect(argmax(tensor([3, Number.NaN, 5]), 0).item()).toBe(1);
    expect(argmax(tensor([[1, 2]], { dtype: "float32" }), 1).dtype).toBe("float32");
    expect(argmax(tensor([4, 9, 1]), 0).shape).toEqual([]);
  });

  it("rejects an empty axis and an out-of-range axis", () => {
    expect(() => argmax(zeros([0]), 0)).toThrow(ValueError);
    expect(() => argmax(zeros([2, 3]), 2)).toThrow("argmax: axis 2 is out of range for shape [2,3] (ndim 2)");
  });
});
