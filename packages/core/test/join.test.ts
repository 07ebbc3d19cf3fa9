import { describe, expect, it } from "vitest";
import { DTypeError, ShapeError, ValueError, concat, ones, stack, tensor, transpose, zeros } from "@ostl/core";

describe("concat", () => {
  const a = tensor([[1, 2], [3, 4]]);
  it("joins along an existing axis, including strided inputs", () => {
    expect(concat([a, tensor([[5, 6]])]).toNested()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(concat([a, transpose(a)], 1).toNested()).toEqual([[1, 2, 1, 3], [3, 4, 2, 4]]);
    expect(concat([a, a], -1).shape).toEqual([2, 4]);
    expect(concat([tensor([1]), zeros([0]), tensor([2, 3])]).toFlat()).toEqual([1, 2, 3]);
    expect(concat([ones([2], "float32")]).dtype).toBe("float32");
  });

  it("rejects bad input", () => {
    expect(() => concat([])).toThrow(ValueError);
    expect(() => concat([a, zeros([2, 3])])).toThrow("concat: shapes [2,2] and [2,3] differ outside axis 0");
    expect(() => concat([a, a], 2)).toThrow(ShapeError);
    expect(() => concat([tensor(1), tensor(2)])).toThrow(/0-d/);
    expect(() => concat([a, ones([2, 2], "float32")])).toThrow(DTypeError);
  });
});

describe("stack", () => {
  it("joins along a new axis", () => {
    const x = tensor([1, 2]);
    const y = tensor([3, 4]);
    expect(stack([x, y]).toNested()).toEqual([[1, 2], [3, 4]]);
    expect(stack([x, y], 1).toNested()).toEqual([[1, 3], [2, 4]]);
    expect(stack([x, y], -1).toNested()).toEqual([[1, 3], [2, 4]]);
    expect(stack([tensor(1), tensor(2)]).toFlat()).toEqual([1, 2]);
  });

  it("rejects bad input", () => {
    expect(() => stack([])).toThrow(ValueError);
    expect(() => stack([zeros([2]), zeros([3])])).toThrow("stack: all arrays need one shape, got [2] and [3]");
    expect(() => stack([zeros([2])], 2)).toThrow(ShapeError);
  });
});
