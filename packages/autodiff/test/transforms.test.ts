import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import {
  type Tensor, add, concreteOf, exp, grad, jacfwd, jacrev, jvp, matmul, mul, sum, tanh, tensor, valueAndGrad, vjp,
} from "@ostl/autodiff";

const close = (a: Tensor, b: Tensor, tol = 1e-12) => expect(core.maxAbsDiff(concreteOf(a)!, concreteOf(b)!)).toBeLessThanOrEqual(tol);

describe("forward and reverse mode", () => {
  it("jvp of x*x at 3 along 1 is 6, and the primal is 9", () => {
    const [y, dy] = jvp((x: Tensor) => mul(x, x), [tensor(3)], [tensor(1)]);
    expect((y as core.NDArray).item()).toBe(9);
    expect((dy as core.NDArray).item()).toBe(6);
  });

  it("grad of sum(x^2 * y) returns one gradient per selected argument", () => {
    const f = (x: Tensor, y: Tensor) => sum(mul(mul(x, x), y));
    const x = tensor([1, 2]);
    const y = tensor([3, 4]);
    expect((grad(f)(x, y) as core.NDArray).toNested()).toEqual([6, 16]);
    const [gx, gy] = grad(f, { argnums: [0, 1] })(x, y) as core.NDArray[];
    expect(gx!.toNested()).toEqual([6, 16]);
    expect(gy!.toNested()).toEqual([1, 4]);
  });

  it("grad over a pytree of params returns the same structure", () => {
    const params = { W: tensor([[1, 2], [3, 4]]), b: tensor([0.5, -0.5]), extra: [tensor(2)] };
    const loss = (p: typeof params, x: core.NDArray) => sum(mul(tanh(add(matmul(p.W, x), p.b)), p.extra[0]!));
    const [value, g] = valueAndGrad(loss)(params, tensor([1, -1]));
    const gp = g as typeof params;
    expect(Object.keys(gp).sort()).toEqual(["W", "b", "extra"]);
    expect(gp.W.shape).toEqual([2, 2]);
    expect(gp.extra[0]!.shape).toEqual([]);
    // d/db_i = 2 * (1 - tanh(a_i)^2), a = W x + b = [-1 + 0.5, -1 - 0.5]
    const a = [-0.5, -1.5];
    expect(gp.b.toFlat()[0]).toBeCloseTo(2 * (1 - Math.tanh(a[0]!) ** 2), 14);
    expect(gp.b.toFlat()[1]).toBeCloseTo(2 * (1 - Math.tanh(a[1]!) ** 2), 14);
    expect((value as core.NDArray).item()).toBeCloseTo(2 * (Math.tanh(a[0]!) + Math.tanh(a[1]!)), 14);
  });

  it("gives zero gradients for inputs the output does not depend on", () => {
    const g = grad((p: { a: Tensor; b: Tensor }) => sum(exp(p.a)))({ a: tensor([0, 0]), b: tensor([1, 2, 3]) }) as { b: core.NDArray };
    expect(g.b.toNested()).toEqual([0, 0, 0]);
  });

  it("batched tangents give the same result as one pass per direction", () => {
    const rng = new core.PRNG(7);
    const W = rng.normal([4, 3]);
    const f = (x: Tensor) => tanh(matmul(W, mul(x, x)));
    const x = rng.normal([3]);
    const seeds = rng.normal([5, 3]);
    const [, batched] = jvp(f, [x], [seeds], { batch: 5 });
    for (let k = 0; k < 5; k++) {
      const seed = core.reshape(core.slice(seeds, [k, 0], [k + 1, 3]), [3]);
      const [, single] = jvp(f, [x], [seed]);
      close(core.reshape(core.slice(batched as core.NDArray, [k, 0], [k + 1, 4]), [4]), single as core.NDArray);
    }
  });

  it("jacfwd and jacrev agree and have shape [...out, ...in]", () => {
    const rng = new core.PRNG(3);
    const W = rng.normal([2, 3, 4]);
    const f = (x: Tensor) => exp(mul(0.1, matmul(W, x)));
    const x = rng.normal([4, 2]);
    const jf = jacfwd(f)(x);
    const jr = jacrev(f)(x);
    expect(jf.shape).toEqual([2, 3, 2, 4, 2]);
    close(jf, jr);
  });

  it("a pullback can be called many times and is linear", () => {
    const [, pullback] = vjp((x: Tensor) => mul(tanh(x), 3), tensor([0.1, 0.2]));
    const [a] = pullback(tensor([1, 0]));
    const [b] = pullback(tensor([0, 1]));
    const [c] = pullback(tensor([2, 5]));
    close(c, core.add(core.mul(a as core.NDArray, 2), core.mul(b as core.NDArray, 5)));
  });

  it("float32 flows through both modes in float32", () => {
    const x = tensor([0.5, 1.5], { dtype: "float32" });
    const g = grad((v: Tensor) => sum(tanh(v)))(x) as core.NDArray;
    expect(g.dtype).toBe("float32");
    expect(g.toFlat()[0]).toBeCloseTo(1 - Math.tanh(0.5) ** 2, 6);
  });
});

describe("outputs that share a value", () => {
  it("a value returned at two output positions gets the sum of both cotangents", () => {
    const [, pullback] = vjp((x: Tensor) => {
      const y = mul(x, 3);
      return { a: y, b: y };
    }, tensor([1, 2]));
    const [g] = pullback({ a: tensor([1, 0]), b: tensor([0, 1]) });
    expect((g as core.NDArray).toNested()).toEqual([3, 3]);
    const [g0] = pullback({ a: tensor([1, 1]), b: tensor([0, 0]) });
    expect((g0 as core.NDArray).toNested()).toEqual([3, 3]);
  });
});

describe("values used many times", () => {
  it("get their cotangents summed, leaving the seed, earlier results and other paths untouched", () => {
    const x = tensor([1, 2]);
    const [, pullback] = vjp((v: Tensor) => {
      let s = v;
      for (let i = 0; i < 5; i++) s = add(s, mul(v, v));
      // s reaches the output twice through one add: its two cotangents are the same array
      return { twice: add(s, s), v };
    }, x);
    const seed = { twice: tensor([1, 1]), v: tensor([0.5, 0.5]) };
    const [g1] = pullback(seed) as [core.NDArray];
    // d/dv [2 (v + 5 v²)] + 0.5 = 2.5 + 20 v
    expect(g1.toNested()).toEqual([22.5, 42.5]);
    const [g2] = pullback(seed) as [core.NDArray];
    expect(g2.toNested()).toEqual([22.5, 42.5]);
    expect(g1.toNested()).toEqual([22.5, 42.5]);
    expect(seed.twice.toNested()).toEqual([1, 1]);
    expect(seed.v.toNested()).toEqual([0.5, 0.5]);
  });
});

describe("zero cotangents", () => {
  it("the number 0 stands for a zero cotangent of any shape", () => {
    const [, pullback] = vjp((x: Tensor) => ({ a: mul(x, 2), b: exp(x) }), tensor([1, 2]));
    const [g] = pullback({ a: tensor([1, 1]), b: 0 });
    expect((g as core.NDArray).toNested()).toEqual([2, 2]);
    const [z] = pullback({ a: 0, b: 0 });
    expect((z as core.NDArray).toNested()).toEqual([0, 0]);
  });
});

describe("composite ops", () => {
  it("softmax, logSoftmax, logSumExp, mean and min have correct derivatives to order 2", async () => {
    const { checkGrads } = await import("@ostl/autodiff/testing");
    const { softmax, logSoftmax, logSumExp, mean, min } = await import("@ostl/autodiff");
    const rng = new core.PRNG(21);
    const x = rng.normal([3, 4]);
    checkGrads((v) => softmax(v, 1), [x], { order: 2, name: "softmax" });
    checkGrads((v) => logSoftmax(v, 0), [x], { order: 2, name: "logSoftmax" });
    checkGrads((v) => logSumExp(v, 1), [x], { order: 2, name: "logSumExp" });
    checkGrads((v) => mean(v, 0), [x], { order: 2, name: "mean" });
    checkGrads((v) => min(v, 1), [x], { order: 2, name: "min" });
  });
});
