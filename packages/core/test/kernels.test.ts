import { describe, expect, it } from "vitest";
import {
  DTypeError,
  ShapeError,
  broadcastTo,
  kernels,
  ones,
  slice,
  tanh,
  tensor,
  transpose,
  zeros,
} from "@ostl/core";

describe("destination-first kernels", () => {
  it("binary kernels write into out and return it", () => {
    const out = zeros([2, 2]);
    const r = kernels.add(out, tensor([[1, 2], [3, 4]]), tensor([10, 20]));
    expect(r).toBe(out);
    expect(out.toNested()).toEqual([[11, 22], [13, 24]]);
    kernels.sub(out, out, ones([2, 2]));
    expect(out.toNested()).toEqual([[10, 21], [12, 23]]);
    kernels.mul(out, out, tensor(2));
    expect(out.toNested()).toEqual([[20, 42], [24, 46]]);
    kernels.div(out, out, tensor([[2], [4]]));
    expect(out.toNested()).toEqual([[10, 21], [6, 11.5]]);
    kernels.greater(out, out, tensor(10));
    expect(out.toNested()).toEqual([[0, 1], [0, 1]]);
  });

  it("unary kernels, in place and into strided destinations", () => {
    const x = tensor([[0.5, -1], [2, 0]]);
    const out = zeros([2, 2]);
    kernels.tanh(out, x);
    expect(out.toFlat()).toEqual(tanh(x).toFlat());
    kernels.exp(x, x);
    expect(x.toFlat()).toEqual([Math.exp(0.5), Math.exp(-1), Math.exp(2), 1]);
    const big = zeros([3, 4]);
    kernels.neg(slice(big, [0, 0], [3, 4], [2, 2]), tensor([[1, 2], [3, 4]]));
    expect(big.toNested()).toEqual([[-1, 0, -2, 0], [0, 0, 0, 0], [-3, 0, -4, 0]]);
    const t = zeros([2, 3]);
    kernels.square(transpose(t), tensor([[1, 2], [3, 4], [5, 6]]));
    expect(t.toNested()).toEqual([[1, 9, 25], [4, 16, 36]]);
  });

  it("axpy accumulates out += alpha * x", () => {
    const g = tensor([1, 1, 1]);
    kernels.axpy(g, 0.5, tensor([2, 4, 6]));
    expect(g.toFlat()).toEqual([2, 3, 4]);
    kernels.axpy(g, -1, broadcastTo(tensor(1), [3]));
    expect(g.toFlat()).toEqual([1, 2, 3]);
    const f = tensor([1, 2], { dtype: "float32" });
    kernels.axpy(f, 0.1, tensor([1, 1], { dtype: "float32" }));
    expect(f.toFlat()).toEqual([Math.fround(1 + 0.1 * 1), Math.fround(2 + 0.1)]);
  });

  it("scale, fill, assign", () => {
    const out = zeros([2, 2]);
    kernels.scale(out, 3, tensor([[1, 2], [3, 4]]));
    expect(out.toNested()).toEqual([[3, 6], [9, 12]]);
    kernels.fill(out, -1);
    expect(out.toNested()).toEqual([[-1, -1], [-1, -1]]);
    kernels.assign(out, tensor([5, 6]));
    expect(out.toNested()).toEqual([[5, 6], [5, 6]]);
    const f = zeros([2, 3], "float32");
    kernels.fill(transpose(f), 0.1);
    expect(f.toFlat()).toEqual(new Array(6).fill(Math.fround(0.1)));
    kernels.fill(zeros([0]), 1);
  });

  it("mulAddMul computes a*b + c*d in one pass", () => {
    const out = zeros([3]);
    kernels.mulAddMul(out, tensor([1, 2, 3]), tensor([4, 5, 6]), tensor([0.5, 0.5, 0.5]), tensor([2, 4, 8]));
    expect(out.toFlat()).toEqual([5, 12, 22]);
    kernels.mulAddMul(out, out, tensor(1), tensor(2), slice(tensor([1, 0, 2, 0, 3]), [0], [5], [2]));
    expect(out.toFlat()).toEqual([7, 16, 28]);
  });

  it("work on float32 arrays", () => {
    const a = tensor([1.5, 2.5], { dtype: "float32" });
    const out = zeros([2], "float32");
    kernels.mul(out, a, a);
    expect(out.toFlat()).toEqual([2.25, 6.25]);
    kernels.sigmoid(out, tensor([0, 800], { dtype: "float32" }));
    expect(out.toFlat()).toEqual([0.5, 1]);
  });

  it("reject a destination of the wrong shape or dtype", () => {
    expect(() => kernels.add(zeros([3]), zeros([2]), zeros([2]))).toThrow("kernels.add: cannot broadcast shape [2] to [3]");
    expect(() => kernels.add(zeros([2]), zeros([2, 2]), zeros([2]))).toThrow(ShapeError);
    expect(() => kernels.tanh(zeros([2], "float32"), zeros([2]))).toThrow(
      "kernels.tanh: cannot write float64 operands into a float32 destination",
    );
    expect(() => kernels.axpy(zeros([2]), 1, zeros([2], "float32"))).toThrow(DTypeError);
  });

  it("let inputs broadcast into a larger destination (NumPy out= semantics)", () => {
    const out = zeros([2, 3]);
    kernels.add(out, tensor([1, 2, 3]), tensor(1));
    expect(out.toNested()).toEqual([[2, 3, 4], [2, 3, 4]]);
  });
});
