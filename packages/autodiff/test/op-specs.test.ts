import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import {
  type OpDef, type OpName, type Tensor, opTable, jvp, vjp, concreteOf, bind, NO_PARAMS,
  add, sub, mul, div, pow, maximum, minimum, neg, exp, log, log1p, tanh, sigmoid, softplus, relu, abs, sqrt, sign,
  greater, greaterEqual, less, lessEqual, equal, notEqual, where, stopGradient, heaviside, sigmoidDerivative,
  sum, max, matmul, reshape, transpose, broadcastTo, sumTo, slice, padSlice, concat,
} from "@ostl/autodiff";
import { checkGrads } from "@ostl/autodiff/testing";

type Sampler = (rng: core.PRNG) => core.NDArray;
const normal = (...shape: number[]): Sampler => (rng) => rng.normal(shape);
const positive = (...shape: number[]): Sampler => (rng) => rng.uniform(shape, 0.5, 2);
/** Values with |x| in [0.2, 2]: away from the kinks of relu, abs and sign. */
const awayFromZero = (...shape: number[]): Sampler => (rng) =>
  core.mul(rng.uniform(shape, 0.2, 2), core.sub(core.mul(core.greater(rng.uniform(shape), 0.5), 2), 1));

/**
 * One case of an op's spec. `twin` (when given) is a smooth function whose derivatives the op's
 * rules must reproduce exactly: used where finite differences cannot see the rule (zero-derivative
 * ops, stop-gradient, the Heaviside surrogate).
 */
interface OpCase {
  label: string;
  fn: (...xs: Tensor[]) => Tensor;
  args: Sampler[];
  twin?: (...xs: Tensor[]) => Tensor;
}

const binaryCases = (f: (a: Tensor, b: Tensor) => Tensor, sample: (...s: number[]) => Sampler = normal): OpCase[] => [
  { label: "same shape", fn: f, args: [sample(2, 3), sample(2, 3)] },
  { label: "[2,3] with [3]", fn: f, args: [sample(2, 3), sample(3)] },
  { label: "[2,1] with [1,3]", fn: f, args: [sample(2, 1), sample(1, 3)] },
  { label: "scalar with [2,2]", fn: f, args: [sample(), sample(2, 2)] },
];
const unaryCase = (f: (x: Tensor) => Tensor, sample: (...s: number[]) => Sampler = normal): OpCase[] => [
  { label: "[2,3]", fn: f, args: [sample(2, 3)] },
  { label: "broadcast stride-0 view", fn: (x) => f(broadcastTo(x, [3, 4])), args: [sample(4)] },
];
const comparisonCases = (f: (a: Tensor, b: Tensor) => Tensor): OpCase[] => [{ label: "[2,3] with [3]", fn: f, args: [normal(2, 3), normal(3)], twin: (a, b) => mul(0, add(a, b)) }];

/** The spec table: one entry per primitive, checked in both modes to order 2. A missing op fails to compile. */
const specs: { [K in OpName]: OpCase[] } = {
  add: binaryCases(add),
  sub: binaryCases(sub),
  mul: binaryCases(mul),
  div: binaryCases(div, awayFromZero),
  pow: [
    { label: "positive base, tensor exponent", fn: pow, args: [positive(2, 3), normal(2, 3)] },
    { label: "positive base, broadcast exponent", fn: pow, args: [positive(2, 3), normal(3)] },
    { label: "constant exponent", fn: (a) => pow(a, 3), args: [normal(4)] },
  ],
  maximum: binaryCases(maximum),
  minimum: binaryCases(minimum),
  neg: unaryCase(neg),
  exp: unaryCase(exp),
  log: unaryCase(log, positive),
  log1p: unaryCase(log1p, positive),
  tanh: unaryCase(tanh),
  sigmoid: unaryCase(sigmoid),
  softplus: unaryCase(softplus),
  relu: unaryCase(relu, awayFromZero),
  abs: unaryCase(abs, awayFromZero),
  sqrt: unaryCase(sqrt, positive),
  greater: comparisonCases(greater),
  greaterEqual: comparisonCases(greaterEqual),
  less: comparisonCases(less),
  lessEqual: comparisonCases(lessEqual),
  equal: comparisonCases(equal),
  notEqual: comparisonCases(notEqual),
  sign: [{ label: "[5]", fn: sign, args: [awayFromZero(5)], twin: (x) => mul(0, x) }],
  stopGradient: [{ label: "x * stopGradient(x)", fn: (x) => mul(x, stopGradient(x)), args: [normal(4)], twin: (x) => mul(x, concreteOf(x)!) }],
  where: [
    { label: "broadcast branches", fn: (a, b) => where(core.tensor([1, 0, 1]), a, b), args: [normal(2, 3), normal(3)] },
    { label: "scalar branch", fn: (a) => where(core.tensor([[1, 0], [0, 1]]), a, 0), args: [normal(2, 2)] },
  ],
  heaviside: [
    { label: "sigmoid' surrogate equals the slope-4 sigmoid's derivative", fn: (x) => heaviside(x, sigmoidDerivative(4)), args: [normal(5)], twin: (x) => sigmoid(mul(4, x)) },
  ],
  sum: [
    { label: "all axes", fn: (x) => sum(x), args: [normal(2, 3, 4)] },
    { label: "axis 1 keepdims", fn: (x) => sum(x, 1, true), args: [normal(2, 3, 4)] },
    { label: "axes [0,2]", fn: (x) => sum(x, [0, 2]), args: [normal(2, 3, 4)] },
    { label: "transposed view", fn: (x) => sum(transpose(x), 0), args: [normal(3, 5)] },
  ],
  max: [
    { label: "all axes", fn: (x) => max(x), args: [normal(2, 3)] },
    { label: "axis -1 keepdims", fn: (x) => max(x, -1, true), args: [normal(2, 3, 4)] },
  ],
  matmul: [
    { label: "[3,4]@[4,2]", fn: matmul, args: [normal(3, 4), normal(4, 2)] },
    { label: "[4]@[4,2]", fn: matmul, args: [normal(4), normal(4, 2)] },
    { label: "[3,4]@[4]", fn: matmul, args: [normal(3, 4), normal(4)] },
    { label: "[4]@[4]", fn: matmul, args: [normal(4), normal(4)] },
    { label: "batch [2,3,4]@[4,5]", fn: matmul, args: [normal(2, 3, 4), normal(4, 5)] },
    { label: "broadcast batch [2,1,3,4]@[3,4,2]", fn: matmul, args: [normal(2, 1, 3, 4), normal(3, 4, 2)] },
    { label: "[4]@[2,4,3]", fn: matmul, args: [normal(4), normal(2, 4, 3)] },
    { label: "transposed operand", fn: (a, b) => matmul(transpose(a), b), args: [normal(4, 3), normal(4, 2)] },
  ],
  reshape: [
    { label: "[2,3] to [3,2]", fn: (x) => reshape(x, [3, 2]), args: [normal(2, 3)] },
    { label: "transposed view to [-1]", fn: (x) => reshape(transpose(x), [-1]), args: [normal(2, 3)] },
  ],
  transpose: [{ label: "perm [2,0,1]", fn: (x) => transpose(x, [2, 0, 1]), args: [normal(2, 3, 4)] }],
  broadcastTo: [
    { label: "[3] to [2,3]", fn: (x) => broadcastTo(x, [2, 3]), args: [normal(3)] },
    { label: "[2,1] to [2,3]", fn: (x) => broadcastTo(x, [2, 3]), args: [normal(2, 1)] },
  ],
  sumTo: [
    { label: "[2,3] to [3]", fn: (x) => sumTo(x, [3]), args: [normal(2, 3)] },
    { label: "[2,3] to [2,1]", fn: (x) => sumTo(x, [2, 1]), args: [normal(2, 3)] },
  ],
  slice: [
    { label: "steps [1,2]", fn: (x) => slice(x, [0, 1], [2, 5], [1, 2]), args: [normal(3, 5)] },
  ],
  padSlice: [{ label: "into [3,5] at steps [1,2]", fn: (x) => padSlice(x, [3, 5], [1, 0], [1, 2]), args: [normal(2, 3)] }],
  concat: [
    { label: "axis 0, two inputs", fn: (a, b) => concat([a, b], 0), args: [normal(2, 3), normal(1, 3)] },
    { label: "axis 1, three inputs", fn: (a, b, c) => concat([a, b, c], 1), args: [normal(2, 1), normal(2, 3), normal(2, 2)] },
  ],
};

const cases = Object.entries(specs).flatMap(([op, list]) => list.map((c, i) => ({ op, index: i, ...c })));

describe("op spec table", () => {
  it("covers exactly the primitives of the op table, each named as its key", () => {
    expect(Object.keys(specs).sort()).toEqual(Object.keys(opTable).sort());
    for (const [key, op] of Object.entries(opTable)) expect(op.name).toBe(key);
  });

  it.each(cases.filter((c) => !c.twin))("$op ($label): forward, reverse and finite differences agree to order 2", (c) => {
    const rng = new core.PRNG(1000 + c.index);
    checkGrads(c.fn, c.args.map((s) => s(rng)), { order: 2, name: `${c.op} (${c.label})` });
  });

  it.each(cases.filter((c) => c.twin))("$op ($label): rules equal those of a smooth twin to order 2", (c) => {
    const rng = new core.PRNG(2000 + c.index);
    const args = c.args.map((s) => s(rng));
    const v = args.map((a) => rng.normal(a.shape));
    const firstOrder = (f: (...xs: Tensor[]) => Tensor) => (...xs: Tensor[]) => jvp(f, xs, v)[1];
    const reverse = (f: (...xs: Tensor[]) => Tensor) => (...xs: Tensor[]) => {
      const [y, pullback] = vjp(f, ...xs);
      return concat(pullback(core.onesLike(y as core.NDArray)).map((ct) => reshape(ct, [-1])));
    };
    for (const derive of [firstOrder, reverse]) {
      for (const order of [1, 2]) {
        const fd = order === 1 ? derive(c.fn) : firstOrder(derive(c.fn));
        const td = order === 1 ? derive(c.twin!) : firstOrder(derive(c.twin!));
        const got = fd(...args) as core.NDArray;
        const want = td(...args) as core.NDArray;
        expect(core.maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-12 * Math.max(1, core.maxAbsDiff(want, core.zerosLike(want))));
      }
    }
  });
});

describe("elementwise partials", () => {
  const withPartials = Object.entries(opTable).filter(([, op]) => typeof (op as OpDef<unknown>).partials === "function");
  const paramsOf = (name: string): unknown => (name === "heaviside" ? { surrogate: sigmoidDerivative(4) } : NO_PARAMS);

  it("are given by every elementwise op: arithmetic, comparisons, where, heaviside", () => {
    const elementwise = ["abs", "add", "div", "exp", "heaviside", "log", "log1p", "maximum", "minimum", "mul", "neg", "pow", "relu", "sigmoid", "softplus", "sqrt", "sub", "tanh"];
    const zeroDerivative = ["equal", "greater", "greaterEqual", "less", "lessEqual", "notEqual", "sign", "stopGradient"];
    expect(withPartials.map(([name]) => name).sort()).toEqual([...elementwise, ...zeroDerivative, "where"].sort());
  });

  it.each(withPartials.map(([name]) => name))("%s: Σ_k partials[k] ⊙ t_k equals the forward rule's tangent", (name) => {
    const op = opTable[name as OpName] as OpDef<unknown>;
    const rng = new core.PRNG(3000);
    // where's spec cases fix the condition inside the function; here it is the first argument
    const args = name === "where" ? [core.greater(rng.normal([2, 3]), 0), rng.normal([2, 3]), rng.normal([3])] : specs[name as OpName][0]!.args.map((s) => s(rng));
    const params = paramsOf(name);
    const f = (...xs: Tensor[]) => bind(op, xs, params);
    const tangents = args.map((a) => rng.normal(a.shape));
    let [out, tangent] = jvp(f, args, tangents);
    const partials = op.partials!(args, out as core.NDArray, params);
    let want = core.zerosLike(out as core.NDArray);
    partials.forEach((p, k) => {
      if (p !== null) want = core.add(want, core.mul(typeof p === "number" ? p : (p as core.NDArray), tangents[k]!));
    });
    // a zero forward rule gives no tangent: zeros
    if (tangent === null) tangent = core.zerosLike(out as core.NDArray);
    expect(core.maxAbsDiff(tangent as core.NDArray, want)).toBeLessThanOrEqual(1e-14);
  });
});
