import { describe, expect, it } from "vitest";
import {
  AllocationError,
  DTypeError,
  OstlError,
  PRNG,
  ShapeError,
  ValueError,
  add,
  astype,
  broadcastTo,
  concat,
  copy,
  eye,
  full,
  matmul,
  mul,
  ones,
  padSlice,
  reshape,
  slice,
  sum,
  tanh,
  tensor,
  transpose,
  zeros,
  zerosLike,
} from "@ostl/core";

/** Runs `fn`, expecting it to throw; returns the error. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

describe("error classes", () => {
  it("carry the op name, prefix the message and name themselves", () => {
    const e = new ShapeError("mul", "bad");
    expect(e).toBeInstanceOf(OstlError);
    expect(e).toBeInstanceOf(Error);
    expect(e.op).toBe("mul");
    expect(e.message).toBe("mul: bad");
    expect(e.name).toBe("ShapeError");
    expect(new DTypeError("x", "y").name).toBe("DTypeError");
    expect(new ValueError("x", "y").name).toBe("ValueError");
  });
});

describe("each error path throws a typed error naming the op and the offending input", () => {
  it("shape mismatch in a broadcasting op", () => {
    const e = thrown(() => mul(zeros([2, 3]), zeros([4])));
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as ShapeError).op).toBe("mul");
    expect((e as Error).message).toBe("mul: cannot broadcast shapes [2,3] and [4]");
  });

  it("matmul inner dimension mismatch", () => {
    const e = thrown(() => matmul(zeros([2, 3]), zeros([4, 5])));
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as Error).message).toBe("matmul: inner dimensions differ (3 vs 4) in [2,3] @ [4,5]");
  });

  it("wrong dtype mix", () => {
    const e = thrown(() => add(ones([2], "float32"), ones([2], "float64")));
    expect(e).toBeInstanceOf(DTypeError);
    expect((e as Error).message).toMatch(/^add: cannot mix dtypes float32, float64/);
  });

  it("out-of-range axis", () => {
    const e = thrown(() => sum(zeros([2, 3]), 2));
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as Error).message).toBe("sum: axis 2 is out of range for shape [2,3] (ndim 2)");
    expect(() => sum(zeros([2, 3]), -3)).toThrow(ShapeError);
  });

  it("non-finite or non-integer seed", () => {
    for (const seed of [Number.NaN, Infinity, 1.5, 2 ** 60]) {
      const e = thrown(() => new PRNG(seed));
      expect(e).toBeInstanceOf(ValueError);
      expect((e as Error).message).toBe(`PRNG: seed must be a finite safe integer, got ${seed}`);
    }
  });

  it("ragged nested array", () => {
    const e = thrown(() => tensor([[1, 2, 3], [4, 5]]));
    expect(e).toBeInstanceOf(ValueError);
    expect((e as Error).message).toBe("tensor: ragged nested array: expected length 3 at index [1], got length 2");
    expect(() => tensor([[1, 2], 3] as never)).toThrow(/expected length 2 at index \[1\], got a number/);
    expect(() => tensor([1, [2]] as never)).toThrow(/expected a number at index \[1\], got an array of length 1/);
  });

  it("bad reshape", () => {
    const e = thrown(() => reshape(zeros([2, 3]), [4, -1]));
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as Error).message).toBe("reshape: cannot reshape array of shape [2,3] (size 6) into shape [4,-1]");
    expect(() => reshape(zeros([2, 3]), [-1, -1])).toThrow(/at most one -1/);
  });

  it("bad permutation", () => {
    const e = thrown(() => transpose(zeros([2, 3]), [0, 0]));
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as Error).message).toBe("transpose: invalid permutation [0,0] for shape [2,3]");
    expect(() => transpose(zeros([2, 3]), [0])).toThrow(ShapeError);
  });

  it("bad slice", () => {
    const e = thrown(() => slice(zeros([2, 3]), [0, 0], [2, 4]));
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as Error).message).toBe("slice: axis 1 of shape [2,3] cannot take starts [0,0], stops [2,4], steps [1,1]");
    expect(() => slice(zeros([2, 3]), [0, 0], [2, 3], [1, 0])).toThrow(ShapeError);
    expect(() => slice(zeros([2, 3]), [0], [2])).toThrow(/one entry per axis/);
  });
});

describe("an allocation that cannot be made names the op, the shape, the dtype and the bytes", () => {
  // a broadcast view of 10^12 elements costs nothing; the ops that copy it must allocate
  const huge = broadcastTo(tensor(1), [1e6, 1e6]);
  const column = broadcastTo(tensor(1), [1e6, 1]);
  const cases: [string, () => unknown, string][] = [
    ["zeros", () => zeros([1e6, 1e6]), "[1000000,1000000] float64 (8e12 bytes)"],
    ["ones", () => ones([1e6, 1e6], "float32"), "[1000000,1000000] float32 (4e12 bytes)"],
    ["full", () => full([3e6, 1e6], 2), "[3000000,1000000] float64 (2.4e13 bytes)"],
    ["zerosLike", () => zerosLike(huge), "[1000000,1000000] float64 (8e12 bytes)"],
    ["eye", () => eye(1e6), "[1000000,1000000] float64 (8e12 bytes)"],
    ["uniform", () => new PRNG(0).uniform([1e6, 1e6]), "[1000000,1000000] float64 (8e12 bytes)"],
    ["add", () => add(huge, 1), "[1000000,1000000] float64 (8e12 bytes)"],
    ["tanh", () => tanh(huge), "[1000000,1000000] float64 (8e12 bytes)"],
    ["copy", () => copy(huge), "[1000000,1000000] float64 (8e12 bytes)"],
    ["astype", () => astype(huge, "float32"), "[1000000,1000000] float32 (4e12 bytes)"],
    ["reshape", () => reshape(huge, [-1]), "[1000000,1000000] float64 (8e12 bytes)"],
    ["padSlice", () => padSlice(tensor([[1]]), [1e6, 1e6], [0, 0]), "[1000000,1000000] float64 (8e12 bytes)"],
    ["matmul", () => matmul(column, transpose(column)), "[1000000,1000000] float64 (8e12 bytes)"],
    ["concat", () => concat([huge, huge]), "[2000000,1000000] float64 (1.6e13 bytes)"],
  ];
  for (const [op, make, what] of cases) {
    it(op, () => {
      const e = thrown(make);
      expect(e).toBeInstanceOf(AllocationError);
      expect((e as AllocationError).op).toBe(op);
      expect((e as Error).message.startsWith(`${op}: cannot allocate ${what}`), (e as Error).message).toBe(true);
    });
  }

  it("while dimensions that are not non-negative integers are a ShapeError before any allocation", () => {
    for (const bad of [Number.NaN, Infinity, -1, 1.5]) expect(() => zeros([2, bad])).toThrow(`zeros: invalid shape [2,${bad}]`);
  });
});
