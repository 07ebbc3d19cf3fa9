import { describe, expect, it } from "vitest";
import { ShapeError, allClose, maxAbsDiff, tensor, zeros } from "@ostl/core";

describe("allClose", () => {
  it("uses |a - b| <= atol + rtol * |b| elementwise", () => {
    expect(allClose(tensor([1, 2]), tensor([1, 2 + 1e-9]))).toBe(true);
    expect(allClose(tensor([1]), tensor([1.1]))).toBe(false);
    expect(allClose(tensor([1]), tensor([1.1]), 0.1)).toBe(true);
    expect(allClose(tensor([0]), tensor([1e-9]))).toBe(true);
    expect(allClose(tensor([0]), tensor([1e-9]), 0, 0)).toBe(false);
    expect(allClose(tensor([[1, 1]]), tensor([1]))).toBe(true);
  });

  it("treats equal infinities as close and NaN as never close; compares mixed dtypes in float64", () => {
    expect(allClose(tensor([Infinity]), tensor([Infinity]))).toBe(true);
    expect(allClose(tensor([Infinity]), tensor([-Infinity]))).toBe(false);
    expect(allClose(tensor([Number.NaN]), tensor([Number.NaN]))).toBe(false);
    expect(allClose(tensor([0.1], { dtype: "float32" }), tensor([0.1]))).toBe(true);
    expect(allClose(zeros([0]), zeros([0]))).toBe(true);
    expect(() => allClose(zeros([2]), zeros([3]))).toThrow("allClose: cannot broadcast shapes [2] and [3]");
  });
});

describe("maxAbsDiff", () => {
  it("returns the largest absolute difference", () => {
    expect(maxAbsDiff(tensor([1, 2, 3]), tensor([1, 2.5, 2]))).toBe(1);
    expect(maxAbsDiff(tensor([1, Number.NaN]), tensor([1, 1]))).toBeNaN();
    expect(maxAbsDiff(zeros([0]), zeros([0]))).toBe(0);
    expect(maxAbsDiff(tensor([0.5], { dtype: "float32" }), tensor([0.25]))).toBe(0.25);
    expect(() => maxAbsDiff(zeros([2]), zeros([3]))).toThrow(ShapeError);
  });
});
