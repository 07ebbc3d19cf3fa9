import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import {
  PRNG,
  ShapeError,
  broadcastTo,
  copy,
  fromTyped,
  kernels,
  matmul,
  slice,
  tensor,
  transpose,
  zeros,
  type DType,
  type NDArray,
} from "@ostl/core";

/** The kernels that have an allocating twin of the same name (every binary and unary op), with its arity. */
const twins = Object.keys(kernels)
  .filter((name) => name !== "matmul" && typeof (core as Record<string, unknown>)[name] === "function")
  .map((name) => ({ name, arity: ((core as Record<string, unknown>)[name] as (...xs: NDArray[]) => NDArray).length }));

/** `op(...xs)` by the allocating op of that name. */
function allocating(name: string, xs: readonly NDArray[]): NDArray {
  return ((core as Record<string, unknown>)[name] as (...xs: NDArray[]) => NDArray)(...xs);
}

/** `kernels[name](out, ...xs)`. */
function intoKernel(name: string, out: NDArray, xs: readonly NDArray[]): NDArray {
  return (kernels as unknown as Record<string, (out: NDArray, ...xs: NDArray[]) => NDArray>)[name](out, ...xs);
}

/** Values in [0.5, 2): valid for every op (log, sqrt, pow) and distinct, so aliasing shows. */
function values(n: number, dtype: DType): Float64Array | Float32Array {
  const v = new PRNG(n).uniform([n], 0.5, 2).data;
  return dtype === "float64" ? new Float64Array(v) : new Float32Array(v);
}

/** Ways an input can alias the output; each gives the output and the inputs of an op of arity 1 or 2. */
const aliasings: { name: string; make: (dtype: DType, arity: number) => { out: NDArray; inputs: NDArray[] } }[] = [
  {
    name: "the output itself",
    make: (dtype, arity) => {
      const a = fromTyped(values(9, dtype), [3, 3]);
      return { out: a, inputs: arity === 1 ? [a] : [a, slice(a, [0, 0], [3, 3])] };
    },
  },
  {
    name: "a transposed view of the output",
    make: (dtype, arity) => {
      const a = fromTyped(values(9, dtype), [3, 3]);
      return { out: a, inputs: arity === 1 ? [transpose(a)] : [a, transpose(a)] };
    },
  },
  {
    name: "a view shifted by one element",
    make: (dtype, arity) => {
      const v = fromTyped(values(6, dtype), [6]);
      const out = slice(v, [1], [6]);
      const before = slice(v, [0], [5]);
      return { out, inputs: arity === 1 ? [before] : [before, out] };
    },
  },
  {
    name: "a row of the output broadcast over it",
    make: (dtype, arity) => {
      const a = fromTyped(values(9, dtype), [3, 3]);
      const row = slice(a, [0, 0], [1, 3]);
      return { out: a, inputs: arity === 1 ? [row] : [a, row] };
    },
  },
  {
    name: "another typed array over the output's buffer",
    make: (dtype, arity) => {
      const buf = values(10, dtype);
      const out = fromTyped(buf.subarray(1, 10), [3, 3]);
      const input = fromTyped(buf.subarray(0, 9), [3, 3]);
      return { out, inputs: arity === 1 ? [input] : [input, transpose(input)] };
    },
  },
];

describe("destination kernels whose output overlaps an input", () => {
  it("the issue's example: kernels.add(a, a, transpose(a))", () => {
    const a = tensor([[1, 2], [3, 4]]);
    kernels.add(a, a, transpose(a));
    expect(a.toNested()).toEqual([[2, 5], [5, 8]]);
  });

  for (const dtype of ["float64", "float32"] as const) {
    for (const { name, make } of aliasings) {
      it(`every binary and unary kernel gives the allocating op's result when an input is ${name} (${dtype})`, () => {
        for (const { name: op, arity } of twins) {
          const { out, inputs } = make(dtype, arity);
          const expected = broadcastTo(allocating(op, inputs.map(copy)), out.shape);
          expect(intoKernel(op, out, inputs).toNested(), `kernels.${op}`).toEqual(expected.toNested());
        }
      });
    }
  }

  it("axpy, scale, mulAddMul and assign read an overlapping input before writing", () => {
    const v = tensor([1, 2, 3, 4, 5]);
    kernels.axpy(slice(v, [1], [5]), 10, slice(v, [0], [4]));
    expect(v.toFlat()).toEqual([1, 12, 23, 34, 45]);
    const s = tensor([1, 2, 3, 4, 5]);
    kernels.scale(slice(s, [1], [5]), 2, slice(s, [0], [4]));
    expect(s.toFlat()).toEqual([1, 2, 4, 6, 8]);
    const m = tensor([[1, 2], [3, 4]]);
    kernels.mulAddMul(m, transpose(m), m, m, tensor(1));
    expect(m.toNested()).toEqual([[2, 8], [9, 20]]);
    const a = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    kernels.assign(a, transpose(a));
    expect(a.toNested()).toEqual([[1, 4, 7], [2, 5, 8], [3, 6, 9]]);
    const b = tensor([[1, 2], [3, 4]]);
    kernels.assign(slice(b, [1, 0], [2, 2]), slice(b, [0, 0], [1, 2]));
    kernels.add(b, b, slice(b, [0, 0], [1, 2]));
    expect(b.toNested()).toEqual([[2, 4], [2, 4]]);
  });

  it("matmul forms the product in a temporary when the output overlaps an operand", () => {
    const A = tensor([[1, 2], [3, 4]]);
    const buf = new Float64Array([5, 6]);
    const x = fromTyped(buf, [2, 1]);
    // the same elements as x, through a second typed array over its buffer
    kernels.matmul(fromTyped(buf.subarray(0), [2, 1]), transpose(A), x);
    expect(Array.from(buf)).toEqual([1 * 5 + 3 * 6, 2 * 5 + 4 * 6]);
    const B = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    const square = matmul(copy(B), copy(B)).toNested();
    expect(kernels.matmul(B, B, B).toNested()).toEqual(square);
    const wide = fromTyped(new Float64Array([1, 2, 3, 4, 5, 6, 7]), [7]);
    const rows = core.reshape(slice(wide, [0], [6]), [3, 2]);
    const expected = matmul(copy(rows), tensor([[1, 0], [1, 1]])).toNested();
    kernels.matmul(core.reshape(slice(wide, [1], [7]), [3, 2]), rows, tensor([[1, 0], [1, 1]]));
    expect(core.reshape(slice(wide, [1], [7]), [3, 2]).toNested()).toEqual(expected);
  });

  it("a kernel that writes into disjoint parts of one buffer needs no temporary and stays correct", () => {
    const buf = new Float64Array([1, 2, 3, 10, 20, 30, 0, 0, 0]);
    const [x, y, out] = [0, 3, 6].map((at) => fromTyped(buf.subarray(at, at + 3), [3]));
    kernels.add(out!, x!, y!);
    expect(Array.from(buf.subarray(6))).toEqual([11, 22, 33]);
  });
});

describe("destination kernels reject a broadcast view as output", () => {
  const broadcastOut = () => broadcastTo(zeros([1, 2]), [3, 2]);
  const message = (op: string) => `${op}: the output is a broadcast view (shape [3,2], strides [0,1]) whose elements alias each other; write into a dense array`;

  it("every binary and unary kernel", () => {
    for (const { name, arity } of twins) {
      const inputs = arity === 1 ? [tensor([[1, 2], [3, 4], [5, 6]])] : [tensor([[1, 2], [3, 4], [5, 6]]), tensor(1)];
      expect(() => intoKernel(name, broadcastOut(), inputs), name).toThrow(ShapeError);
      expect(() => intoKernel(name, broadcastOut(), inputs), name).toThrow(message(`kernels.${name}`));
    }
  });

  it("axpy, scale, mulAddMul, fill, assign and matmul", () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    expect(() => kernels.axpy(broadcastOut(), 1, x)).toThrow(message("kernels.axpy"));
    expect(() => kernels.scale(broadcastOut(), 2, x)).toThrow(message("kernels.scale"));
    expect(() => kernels.mulAddMul(broadcastOut(), x, x, x, x)).toThrow(message("kernels.mulAddMul"));
    expect(() => kernels.fill(broadcastOut(), 1)).toThrow(message("kernels.fill"));
    expect(() => kernels.assign(broadcastOut(), x)).toThrow(message("kernels.assign"));
    expect(() => kernels.matmul(broadcastOut(), x, tensor([[1, 0], [0, 1]]))).toThrow(message("kernels.matmul"));
  });

  it("while a stride of 0 along an axis of extent 1 is an ordinary destination", () => {
    const out = broadcastTo(zeros([2]), [1, 2]);
    expect(kernels.add(out, tensor([[1, 2]]), tensor(1)).toNested()).toEqual([[2, 3]]);
  });
});
