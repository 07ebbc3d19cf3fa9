import ndarray from "ndarray";
import { describe, expect, it } from "vitest";
import {
  DTypeError,
  NDArray,
  ShapeError,
  ValueError,
  arange,
  astype,
  contiguous,
  copy,
  eye,
  fromTyped,
  full,
  fullLike,
  isNDArray,
  ones,
  onesLike,
  slice,
  tensor,
  transpose,
  zeros,
  zerosLike,
} from "@ostl/core";

describe("NDArray", () => {
  const a = new NDArray(ndarray(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]));

  it("exposes the view and infers the dtype", () => {
    expect(a.dtype).toBe("float64");
    expect(a.shape).toEqual([2, 3]);
    expect(a.stride).toEqual([3, 1]);
    expect(a.offset).toBe(0);
    expect(a.size).toBe(6);
    expect(a.ndim).toBe(2);
    expect(new NDArray(ndarray(new Float32Array(2), [2])).dtype).toBe("float32");
    expect(() => new NDArray(ndarray(new Int32Array(2) as never, [2]))).toThrow(DTypeError);
  });

  it("reads elements and converts to JS values", () => {
    expect(a.get(1, 2)).toBe(6);
    expect(a.toNested()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(a.toFlat()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(transpose(a).toFlat()).toEqual([1, 4, 2, 5, 3, 6]);
    expect(() => a.get(2, 0)).toThrow(ShapeError);
    expect(() => a.get(0)).toThrow(/index \[0\] is out of range for shape \[2,3\]/);
  });

  it("item requires exactly one element", () => {
    expect(tensor(5).item()).toBe(5);
    expect(tensor([[7]]).item()).toBe(7);
    expect(() => a.item()).toThrow(ValueError);
  });

  it("handles 0-d arrays", () => {
    const s = tensor(3.5);
    expect(s.shape).toEqual([]);
    expect(s.size).toBe(1);
    expect(s.toNested()).toBe(3.5);
    expect(s.get()).toBe(3.5);
    expect(String(s)).toBe("NDArray(float64, []) 3.5");
  });

  it("prints small arrays in full and summarizes large ones", () => {
    expect(String(a)).toBe("NDArray(float64, [2,3]) [[1, 2, 3], [4, 5, 6]]");
    expect(String(arange(2000))).toBe("NDArray(float64, [2000]) [0, 1, 2, ..., 1997, 1998, 1999]");
  });

  it("knows contiguity for any offset", () => {
    expect(a.isContiguous()).toBe(true);
    expect(transpose(a).isContiguous()).toBe(false);
    expect(slice(a, [1, 0], [2, 3]).isContiguous()).toBe(true);
    expect(slice(a, [0, 0], [2, 2]).isContiguous()).toBe(false);
    expect(zeros([0, 3]).isContiguous()).toBe(true);
  });

  it("isNDArray", () => {
    expect(isNDArray(a)).toBe(true);
    expect(isNDArray({ shape: [1] })).toBe(false);
  });
});

describe("tensor", () => {
  it("builds from nested arrays, numbers and empty lists", () => {
    expect(tensor([[1, 2], [3, 4]]).toNested()).toEqual([[1, 2], [3, 4]]);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
    expect(tensor([[[1], [2]]]).shape).toEqual([1, 2, 1]);
  });

  it("accepts non-finite data", () => {
    const t = tensor([Number.NaN, Infinity, -Infinity]);
    expect(t.toFlat()).toEqual([Number.NaN, Infinity, -Infinity]);
  });

  it("applies dtype and shape options", () => {
    const t = tensor([1, 2, 3, 4, 5, 6], { dtype: "float32", shape: [3, 2] });
    expect(t.dtype).toBe("float32");
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.toNested()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(tensor(0.1, { dtype: "float32" }).item()).toBe(Math.fround(0.1));
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(ShapeError);
    expect(() => tensor([1], { dtype: "int32" as never })).toThrow(DTypeError);
  });

  it("copies typed arrays, keeping their dtype unless told otherwise", () => {
    const src = new Float32Array([1, 2, 3, 4]);
    const t = tensor(src, { shape: [2, 2] });
    src[0] = 100;
    expect(t.dtype).toBe("float32");
    expect(t.get(0, 0)).toBe(1);
    expect(tensor(src, { dtype: "float64" }).data).toBeInstanceOf(Float64Array);
    expect(() => tensor(new Float64Array(5), { shape: [2, 2] })).toThrow(/size 5\) does not fit shape \[2,2\]/);
    expect(() => tensor(new Int32Array(2) as never)).toThrow(DTypeError);
  });

  it("copies NDArrays, casting and reshaping", () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor(transpose(a), { dtype: "float32", shape: [4] });
    expect(b.dtype).toBe("float32");
    expect(b.toFlat()).toEqual([1, 3, 2, 4]);
    a.data[0] = 9;
    expect(tensor(a).data).not.toBe(a.data);
  });

  it("rejects non-numeric entries", () => {
    expect(() => tensor([1, "2"] as never)).toThrow(/expected a number at index \[1\], got string/);
    expect(() => tensor("abc" as never)).toThrow(ValueError);
  });
});

describe("fromTyped", () => {
  it("wraps without copying", () => {
    const buf = new Float64Array([1, 2, 3, 4, 5, 6]);
    const a = fromTyped(buf, [3, 2]);
    expect(a.data).toBe(buf);
    buf[3] = 40;
    expect(a.get(1, 1)).toBe(40);
    expect(() => fromTyped(buf, [4, 2])).toThrow(ShapeError);
  });
});

describe("constant creation", () => {
  it("zeros, ones, full and the -like variants", () => {
    expect(zeros([2, 2]).toNested()).toEqual([[0, 0], [0, 0]]);
    expect(ones([3], "float32").data).toBeInstanceOf(Float32Array);
    expect(full([2], -1.5).toFlat()).toEqual([-1.5, -1.5]);
    const f = ones([2, 1], "float32");
    expect(zerosLike(f).dtype).toBe("float32");
    expect(onesLike(zeros([2])).toFlat()).toEqual([1, 1]);
    expect(fullLike(f, 7).toNested()).toEqual([[7], [7]]);
    expect(zeros([]).shape).toEqual([]);
    expect(zeros([3, 0]).size).toBe(0);
    expect(() => zeros([2, -1])).toThrow(ShapeError);
    expect(() => zeros([1.5])).toThrow(/invalid shape \[1.5\]/);
  });

  it("arange", () => {
    expect(arange(4).toFlat()).toEqual([0, 1, 2, 3]);
    expect(arange(2, 5).toFlat()).toEqual([2, 3, 4]);
    expect(arange(1, 2, 0.25).toFlat()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(5, 0, -2).toFlat()).toEqual([5, 3, 1]);
    expect(arange(3, 1).size).toBe(0);
    expect(arange(3, undefined, 1, "float32").dtype).toBe("float32");
    expect(() => arange(0, 1, 0)).toThrow(ValueError);
    expect(() => arange(0, Infinity)).toThrow(ValueError);
  });

  it("eye", () => {
    expect(eye(3).toNested()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(eye(0).shape).toEqual([0, 0]);
    expect(() => eye(-1)).toThrow(ValueError);
  });
});

describe("copy, astype, contiguous", () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);

  it("copy makes a dense copy of any view", () => {
    const t = copy(transpose(a));
    expect(t.toNested()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(t.stride).toEqual([2, 1]);
    expect(t.data).not.toBe(a.data);
    const s = copy(slice(a, [0, 0], [2, 3], [1, 2]));
    expect(s.toNested()).toEqual([[1, 3], [4, 6]]);
    expect(s.data.length).toBe(4);
  });

  it("astype rounds to float32 and widens back", () => {
    const f = astype(tensor([0.1, 1 / 3]), "float32");
    expect(f.toFlat()).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
    expect(astype(transpose(astype(a, "float32")), "float64").toNested()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(astype(transpose(a), "float32").toNested()).toEqual([[1, 4], [2, 5], [3, 6]]);
  });

  it("contiguous returns the array itself only when dense from offset 0", () => {
    expect(contiguous(a)).toBe(a);
    const t = contiguous(transpose(a));
    expect(t).not.toBe(a);
    expect(t.isContiguous()).toBe(true);
    const tail = slice(a, [1, 0], [2, 3]);
    expect(contiguous(tail)).not.toBe(tail);
    expect(contiguous(tail).offset).toBe(0);
  });
});
