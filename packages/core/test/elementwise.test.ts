import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import {
  DTypeError,
  PRNG,
  ShapeError,
  add,
  broadcastTo,
  div,
  equal,
  greater,
  greaterEqual,
  less,
  lessEqual,
  maximum,
  minimum,
  mul,
  notEqual,
  ones,
  pow,
  relu,
  sigmoid,
  slice,
  softplus,
  sub,
  tensor,
  transpose,
  where,
  zeros,
  type DType,
  type NDArray,
} from "@ostl/core";

type Binary = (a: NDArray | number, b: NDArray | number) => NDArray;
type Unary = (x: NDArray) => NDArray;

/** Independent scalar references, written directly with JS operators and Math. */
const BINARY_REF: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  maximum: (a, b) => Math.max(a, b),
  minimum: (a, b) => Math.min(a, b),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  lessEqual: (a, b) => (a <= b ? 1 : 0),
  equal: (a, b) => (a === b ? 1 : 0),
  notEqual: (a, b) => (a !== b ? 1 : 0),
};

const UNARY_REF: Record<string, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => (x < 0 ? 0 : x),
  abs: Math.abs,
  sqrt: Math.sqrt,
  sign: Math.sign,
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  log1p: Math.log1p,
  expm1: Math.expm1,
  softplus: (x) => Math.log(1 + Math.exp(x)),
};

/** Ops whose implementation uses a different (stable) formula than the reference: compare to 1e-14. */
const INEXACT = new Set(["sigmoid", "softplus"]);

/**
 * [3,4] views with non-unit strides over seeded data in [low, high): transposed, stepped by 2,
 * broadcast along rows and along columns, and a 0-d scalar. The stepped and row-broadcast views
 * share the value 1 at [0,0] so comparisons see a tie.
 */
function views(dtype: DType, seed: number, low = 0.25, high = 2): Record<string, NDArray> {
  const rng = new PRNG(seed);
  const u = (shape: number[]) => rng.uniform(shape, low, high, dtype);
  const stepped = u([6, 8]);
  stepped.data[1] = 1;
  return {
    transposed: transpose(u([4, 3])),
    stepped: slice(stepped, [0, 1], [6, 8], [2, 2]),
    rowBroadcast: broadcastTo(tensor([1, 0.5, 1.5, 1], { dtype }), [3, 4]),
    colBroadcast: broadcastTo(u([3, 1]), [3, 4]),
    scalar: tensor(1, { dtype }),
  };
}

/** Elementwise expected values of `f` over operands broadcast to [3,4], rounded to the dtype. */
function expected(dtype: DType, f: (...v: number[]) => number, ...xs: NDArray[]): number[] {
  const flats = xs.map((x) => x.toFlat());
  const round = dtype === "float32" ? Math.fround : (v: number) => v;
  return Array.from({ length: 12 }, (_, i) => round(f(...flats.map((fl) => (fl.length === 1 ? fl[0] : fl[i])))));
}

function expectValues(actual: NDArray, want: number[], exact: boolean): void {
  if (exact) expect(actual.toFlat()).toEqual(want);
  else actual.toFlat().forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-14 * Math.abs(want[i]) + 1e-300));
}

const PAIRS: [string, string][] = [
  ["transposed", "stepped"],
  ["stepped", "rowBroadcast"],
  ["colBroadcast", "transposed"],
  ["scalar", "stepped"],
  ["rowBroadcast", "colBroadcast"],
];

describe("binary ops on hand-computed values", () => {
  const a = tensor([[1, 2], [3, 4]]);
  const b = tensor([[2, 2], [1, 8]]);
  it.each<[string, Binary, number[][]]>([
    ["add", add, [[3, 4], [4, 12]]],
    ["sub", sub, [[-1, 0], [2, -4]]],
    ["mul", mul, [[2, 4], [3, 32]]],
    ["div", div, [[0.5, 1], [3, 0.5]]],
    ["pow", pow, [[1, 4], [3, 65536]]],
    ["maximum", maximum, [[2, 2], [3, 8]]],
    ["minimum", minimum, [[1, 2], [1, 4]]],
    ["greater", greater, [[0, 0], [1, 0]]],
    ["greaterEqual", greaterEqual, [[0, 1], [1, 0]]],
    ["less", less, [[1, 0], [0, 1]]],
    ["lessEqual", lessEqual, [[1, 1], [0, 1]]],
    ["equal", equal, [[0, 1], [0, 0]]],
    ["notEqual", notEqual, [[1, 0], [1, 1]]],
  ])("%s", (_, f, want) => {
    expect(f(a, b).toNested()).toEqual(want);
  });

  it("maximum/minimum propagate NaN, division follows IEEE", () => {
    expect(maximum(tensor([Number.NaN, 1]), tensor([0, Number.NaN])).toFlat()).toEqual([Number.NaN, Number.NaN]);
    expect(minimum(tensor([Number.NaN]), 0).toFlat()).toEqual([Number.NaN]);
    expect(div(tensor([1, -1, 0]), 0).toFlat()).toEqual([Infinity, -Infinity, Number.NaN]);
  });
});

describe("unary ops on hand-computed values", () => {
  it.each<[string, number[], number[]]>([
    ["neg", [1, -2, 0], [-1, 2, -0]],
    ["exp", [0, 1, -Infinity], [1, Math.E, 0]],
    ["log", [1, Math.E, 0], [0, 1, -Infinity]],
    ["tanh", [0, 100, -100], [0, 1, -1]],
    ["sigmoid", [0, 800, -800], [0.5, 1, 0]],
    ["relu", [-1, 0, 2.5], [0, 0, 2.5]],
    ["abs", [-1.5, 0, 2], [1.5, 0, 2]],
    ["sqrt", [4, 0, 2.25], [2, 0, 1.5]],
    ["sign", [-3, 0, 0.1], [-1, 0, 1]],
    ["square", [-3, 0.5, 2], [9, 0.25, 4]],
    ["reciprocal", [2, -4, 0], [0.5, -0.25, Infinity]],
    ["log1p", [0, 1e-20, Math.E - 1], [0, 1e-20, 1]],
    ["expm1", [0, 1e-20, 1], [0, 1e-20, Math.E - 1]],
    ["softplus", [0, 1000, -1000], [Math.LN2, 1000, 0]],
  ])("%s", (name, input, want) => {
    const f = (core as unknown as Record<string, Unary>)[name];
    expect(f(tensor(input)).toFlat()).toEqual(want);
  });

  it("sigmoid and softplus keep precision in the tails", () => {
    expect(sigmoid(tensor([-40])).item()).toBeCloseTo(Math.exp(-40), 30);
    expect(sigmoid(tensor([-40])).item() / Math.exp(-40)).toBeCloseTo(1, 14);
    expect(softplus(tensor([-40])).item() / Math.exp(-40)).toBeCloseTo(1, 14);
    expect(softplus(tensor([40])).item()).toBe(40 + Math.log1p(Math.exp(-40)));
    expect(relu(tensor([Number.NaN])).item()).toBeNaN();
  });
});

describe.each<DType>(["float64", "float32"])("strided views fed to every op (%s)", (dtype) => {
  it.each(Object.keys(BINARY_REF))("%s matches the scalar reference on every layout pair", (name) => {
    const f = (core as unknown as Record<string, Binary>)[name];
    const v = views(dtype, 7);
    for (const [l, r] of PAIRS) {
      const got = f(v[l], v[r]);
      expect(got.shape).toEqual([3, 4]);
      expect(got.dtype).toBe(dtype);
      expectValues(got, expected(dtype, BINARY_REF[name], v[l], v[r]), true);
    }
  });

  it.each(Object.keys(UNARY_REF))("%s matches the scalar reference on every layout", (name) => {
    const f = (core as unknown as Record<string, Unary>)[name];
    const v = views(dtype, 11, -2, 2);
    for (const x of [v.transposed, v.stepped, v.rowBroadcast, v.colBroadcast]) {
      const got = f(x);
      expect(got.dtype).toBe(dtype);
      expect(got.shape).toEqual([3, 4]);
      expectValues(got, expected(dtype, UNARY_REF[name], x), !INEXACT.has(name));
    }
  });

  it("where picks from broadcast operands", () => {
    const v = views(dtype, 3);
    const cond = greater(v.stepped, 1);
    const got = where(cond, v.transposed, v.rowBroadcast);
    expectValues(got, expected(dtype, (c, a, b) => (c !== 0 ? a : b), cond, v.transposed, v.rowBroadcast), true);
  });
});

describe("broadcasting and scalars", () => {
  it("broadcasts shapes NumPy-style", () => {
    const col = tensor([[1], [2]]);
    const row = tensor([10, 20, 30]);
    expect(add(col, row).toNested()).toEqual([[11, 21, 31], [12, 22, 32]]);
    expect(mul(zeros([2, 1, 3]), zeros([4, 1])).shape).toEqual([2, 4, 3]);
  });

  it("accepts plain numbers on either side, taking the array's dtype", () => {
    const f = tensor([1, 2], { dtype: "float32" });
    expect(sub(1, f).toFlat()).toEqual([0, -1]);
    expect(sub(1, f).dtype).toBe("float32");
    expect(div(f, 4).toFlat()).toEqual([0.25, 0.5]);
    expect(add(0.1, f).toFlat()).toEqual([Math.fround(1.1), Math.fround(2.1)]);
  });

  it("works on 0-d arrays and two numbers", () => {
    const s = add(tensor(2), tensor(3));
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(5);
    expect(mul(2, 3).item()).toBe(6);
    expect(mul(2, 3).dtype).toBe("float64");
    expect(add(tensor(1), tensor([[1, 2]])).toNested()).toEqual([[2, 3]]);
  });

  it("handles empty dimensions", () => {
    expect(add(zeros([0, 3]), ones([3])).shape).toEqual([0, 3]);
    expect(core.exp(zeros([2, 0])).shape).toEqual([2, 0]);
  });

  it("where broadcasts all three operands and accepts numbers", () => {
    const x = tensor([-2, 0.5, 3]);
    expect(where(greater(x, 0), x, 0).toFlat()).toEqual([0, 0.5, 3]);
    expect(where(tensor([[1], [0]]), tensor([1, 2]), -1).toNested()).toEqual([[1, 2], [-1, -1]]);
    expect(where(tensor([Number.NaN]), 1, 2).item()).toBe(1);
  });

  it("rejects mixed dtypes and non-numeric operands", () => {
    expect(() => where(ones([2], "float32"), ones([2]), 0)).toThrow(DTypeError);
    expect(() => add(tensor([1]), "2" as never)).toThrow("add: operands must be NDArrays or numbers, got string");
    expect(() => where(zeros([2]), zeros([3]), 0)).toThrow(ShapeError);
  });

  it("results are new contiguous arrays", () => {
    const a = tensor([[1, 2], [3, 4]]);
    const r = add(transpose(a), 0);
    expect(r.isContiguous()).toBe(true);
    expect(r.data).not.toBe(a.data);
    expect(r.toNested()).toEqual([[1, 3], [2, 4]]);
  });
});

describe("the dense path (same-shape float64 operands and numbers)", () => {
  it("gives what the general path gives, in new arrays that alias no input", () => {
    const rng = new PRNG(5);
    const a = rng.normal([2, 3]);
    const b = rng.normal([2, 3]);
    const [a0, b0] = [a.toFlat(), b.toFlat()];
    // the same values through strided views take the general path
    const strided = (x: core.NDArray) => core.transpose(core.contiguous(core.transpose(x)));
    expect(strided(b).isContiguous()).toBe(false);
    for (const [dense, general] of [
      [add(a, b), add(a, strided(b))],
      [mul(2, a), mul(2, strided(a))],
      [sub(a, 0.5), sub(strided(a), 0.5)],
      [core.tanh(a), core.tanh(strided(a))],
    ] as const) {
      expect(dense.toFlat()).toEqual(general.toFlat());
      expect(dense.shape).toEqual([2, 3]);
      expect(dense.data).not.toBe(a.data);
      expect(dense.data).not.toBe(b.data);
    }
    expect([a.toFlat(), b.toFlat()]).toEqual([a0, b0]);
    expect(add(zeros([0, 3]), zeros([0, 3])).shape).toEqual([0, 3]);
  });
});
