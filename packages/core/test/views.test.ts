import { describe, expect, it } from "vitest";
import {
  ShapeError,
  arange,
  broadcastShapes,
  broadcastTo,
  expandDims,
  ones,
  padSlice,
  reshape,
  slice,
  squeeze,
  sumTo,
  tensor,
  transpose,
  zeros,
} from "@ostl/core";

const m34 = () => reshape(arange(12), [3, 4]);

describe("reshape", () => {
  it("makes a view of contiguous data, inferring one -1", () => {
    const a = arange(6);
    const r = reshape(a, [2, -1]);
    expect(r.shape).toEqual([2, 3]);
    expect(r.data).toBe(a.data);
    expect(reshape(a, [-1]).shape).toEqual([6]);
    expect(reshape(tensor([5]), []).shape).toEqual([]);
    expect(reshape(tensor(5), [1, 1]).toNested()).toEqual([[5]]);
  });

  it("keeps the offset of a contiguous view", () => {
    const tail = slice(m34(), [1, 0], [3, 4]);
    expect(reshape(tail, [8]).toFlat()).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it("copies a non-contiguous array", () => {
    const t = transpose(m34());
    const r = reshape(t, [12]);
    expect(r.data).not.toBe(t.data);
    expect(r.toFlat()).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  });

  it("handles empty arrays", () => {
    expect(reshape(zeros([0, 3]), [3, 0]).shape).toEqual([3, 0]);
    expect(() => reshape(zeros([0, 3]), [-1, 0])).toThrow(ShapeError);
  });
});

describe("transpose", () => {
  it("reverses axes by default and permutes on request, sharing data", () => {
    const a = reshape(arange(24), [2, 3, 4]);
    const t = transpose(a);
    expect(t.shape).toEqual([4, 3, 2]);
    expect(t.get(3, 2, 1)).toBe(a.get(1, 2, 3));
    expect(t.data).toBe(a.data);
    const p = transpose(a, [1, 0, 2]);
    expect(p.shape).toEqual([3, 2, 4]);
    expect(p.get(2, 1, 3)).toBe(a.get(1, 2, 3));
    expect(transpose(tensor(1)).shape).toEqual([]);
  });
});

describe("slice", () => {
  it("takes ranges with steps as views", () => {
    const a = m34();
    const s = slice(a, [0, 1], [3, 4], [2, 2]);
    expect(s.toNested()).toEqual([[1, 3], [9, 11]]);
    expect(s.stride).toEqual([8, 2]);
    expect(s.data).toBe(a.data);
    expect(slice(a, [1, 1], [2, 3]).toNested()).toEqual([[5, 6]]);
    expect(slice(a, [3, 0], [3, 4]).shape).toEqual([0, 4]);
    expect(slice(a, [0, 0], [3, 4], [1, 3]).toNested()).toEqual([[0, 3], [4, 7], [8, 11]]);
  });

  it("composes with transpose", () => {
    const s = slice(transpose(m34()), [1, 0], [4, 3], [2, 1]);
    expect(s.toNested()).toEqual([[1, 5, 9], [3, 7, 11]]);
  });
});

describe("padSlice", () => {
  it("writes x into zeros at the slice positions (adjoint of slice)", () => {
    expect(padSlice(tensor([1, 2]), [5], [1], [2]).toFlat()).toEqual([0, 1, 0, 2, 0]);
    const x = tensor([[1, 2], [3, 4]]);
    const p = padSlice(x, [3, 4], [1, 0], [1, 3]);
    expect(p.toNested()).toEqual([[0, 0, 0, 0], [1, 0, 0, 2], [3, 0, 0, 4]]);
    expect(slice(p, [1, 0], [3, 4], [1, 3]).toNested()).toEqual(x.toNested());
  });

  it("satisfies <slice(y), x> = <y, padSlice(x)>", () => {
    const y = reshape(arange(20), [4, 5]);
    const x = tensor([[1, -1], [2, 0.5]]);
    const lhs = slice(y, [1, 0], [4, 5], [2, 3]).toFlat().reduce((s, v, i) => s + v * x.toFlat()[i], 0);
    const rhs = padSlice(x, [4, 5], [1, 0], [2, 3]).toFlat().reduce((s, v, i) => s + v * y.toFlat()[i], 0);
    expect(lhs).toBe(rhs);
  });

  it("accepts transposed input and rejects positions outside the shape", () => {
    expect(padSlice(transpose(tensor([[1, 2]])), [3, 1], [1, 0]).toNested()).toEqual([[0], [1], [2]]);
    expect(() => padSlice(tensor([1, 2]), [3], [2])).toThrow(ShapeError);
    expect(() => padSlice(tensor([1, 2]), [3, 3], [0])).toThrow(/one entry per axis/);
  });
});

describe("expandDims and squeeze", () => {
  it("add and remove size-1 axes", () => {
    const a = zeros([2, 3]);
    expect(expandDims(a, 0).shape).toEqual([1, 2, 3]);
    expect(expandDims(a, 2).shape).toEqual([2, 3, 1]);
    expect(expandDims(a, -1).shape).toEqual([2, 3, 1]);
    expect(expandDims(tensor(4), 0).toFlat()).toEqual([4]);
    expect(() => expandDims(a, 3)).toThrow(ShapeError);
    const b = zeros([1, 2, 1]);
    expect(squeeze(b).shape).toEqual([2]);
    expect(squeeze(b, -1).shape).toEqual([1, 2]);
    expect(squeeze(b, [0, 2]).shape).toEqual([2]);
    expect(squeeze(tensor([[5]])).shape).toEqual([]);
    expect(() => squeeze(b, 1)).toThrow("squeeze: cannot squeeze axis 1 of size 2 in shape [1,2,1]");
  });
});

describe("broadcasting", () => {
  it("broadcastShapes follows NumPy rules and names all shapes on failure", () => {
    expect(broadcastShapes([4, 1, 3], [5, 1], [])).toEqual([4, 5, 3]);
    expect(broadcastShapes([0], [1])).toEqual([0]);
    expect(broadcastShapes()).toEqual([]);
    expect(() => broadcastShapes([2, 3], [3, 2], [1])).toThrow("broadcastShapes: cannot broadcast shapes [2,3] and [3,2] and [1]");
  });

  it("broadcastTo makes stride-0 views", () => {
    const b = broadcastTo(tensor([[1], [2]]), [3, 2, 4]);
    expect(b.stride).toEqual([0, 1, 0]);
    expect(b.get(2, 1, 3)).toBe(2);
    expect(broadcastTo(tensor(7), [2]).toFlat()).toEqual([7, 7]);
    expect(() => broadcastTo(zeros([3]), [4])).toThrow("broadcastTo: cannot broadcast shape [3] to [4]");
    expect(() => broadcastTo(zeros([2, 3]), [3])).toThrow(ShapeError);
  });

  it("sumTo sums over broadcast axes and undoes broadcastTo", () => {
    const x = reshape(arange(24), [2, 3, 4]);
    expect(sumTo(x, [4]).toFlat()).toEqual([60, 66, 72, 78]);
    expect(sumTo(x, [3, 1]).toNested()).toEqual([[60], [92], [124]]);
    expect(sumTo(x, [2, 1, 1]).toNested()).toEqual([[[66]], [[210]]]);
    expect(sumTo(x, []).item()).toBe(276);
    expect(sumTo(broadcastTo(tensor([1, 2]), [3, 2]), [2]).toFlat()).toEqual([3, 6]);
    expect(sumTo(x, [2, 3, 4])).toBe(x);
    expect(sumTo(ones([2, 3], "float32"), [1, 3]).dtype).toBe("float32");
    expect(() => sumTo(x, [3])).toThrow("sumTo: cannot sum shape [2,3,4] to [3]: [3] does not broadcast to it");
    expect(() => sumTo(zeros([3]), [2, 3])).toThrow(ShapeError);
  });
});
