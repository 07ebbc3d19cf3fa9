import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import {
  type Tensor, add, grad, hessian, hvp, jvp, logSumExp, matmul, mul, sigmoid, slice, sum, tanh, tensor, vjp, reshape, sub,
} from "@ostl/autodiff";

/** Hessian by central differences of the (reverse-mode) gradient, column by column. */
function hessianByDifferences(f: (x: Tensor) => Tensor, x: core.NDArray, eps = 1e-5): core.NDArray {
  const n = x.size;
  const g = (v: core.NDArray) => core.reshape(grad(f)(v) as core.NDArray, [n]);
  const columns: core.NDArray[] = [];
  for (let j = 0; j < n; j++) {
    const e = core.zeros([n]);
    e.data[j] = eps;
    const step = core.reshape(e, x.shape);
    columns.push(core.div(core.sub(g(core.add(x, step)), g(core.sub(x, step))), 2 * eps));
  }
  return core.reshape(core.stack(columns, 1), [...x.shape, ...x.shape]);
}

function expectHessianMatchesDifferences(f: (x: Tensor) => Tensor, x: core.NDArray) {
  const h = hessian(f)(x) as core.NDArray;
  const fd = hessianByDifferences(f, x);
  expect(h.shape).toEqual([...x.shape, ...x.shape]);
  const scale = Math.max(1, core.maxAbsDiff(fd, core.zerosLike(fd)));
  expect(core.maxAbsDiff(h, fd) / scale).toBeLessThan(1e-7);
  // symmetric
  const n = x.size;
  const m = core.reshape(h, [n, n]);
  expect(core.maxAbsDiff(m, core.transpose(m))).toBeLessThan(1e-12);
}

describe("nested derivatives", () => {
  const rng = new core.PRNG(11);

  it("hessian of log-sum-exp matches finite differences of its gradient", () => {
    expectHessianMatchesDifferences((x) => logSumExp(x), rng.normal([6]));
  });

  it("hessian of a small MLP loss (w.r.t. the first weight matrix) matches finite differences", () => {
    const x = rng.normal([5, 3]);
    const W2 = rng.normal([4, 2]);
    const target = rng.normal([5, 2]);
    const loss = (W1: Tensor) => {
      const h = tanh(matmul(x, W1));
      const err = sub(matmul(h, W2), target);
      return mul(0.5, sum(mul(err, err)));
    };
    expectHessianMatchesDifferences(loss, rng.normal([3, 4], 0, 0.5));
  });

  it("hessian of an LSTM cell output (w.r.t. the stacked input) matches finite differences", () => {
    const n = 3;
    const m = 2;
    const W = rng.normal([4 * n, m], 0, 0.5);
    const U = rng.normal([4 * n, n], 0, 0.5);
    const h0 = rng.normal([n]);
    const c0 = rng.normal([n]);
    const gate = (z: Tensor, k: number) => slice(z, [k * n], [(k + 1) * n]);
    const lstmOutput = (x: Tensor) => {
      const z = add(matmul(W, x), matmul(U, h0));
      const c = add(mul(sigmoid(gate(z, 1)), c0), mul(sigmoid(gate(z, 0)), tanh(gate(z, 2))));
      return sum(mul(sigmoid(gate(z, 3)), tanh(c)));
    };
    expectHessianMatchesDifferences(lstmOutput, rng.normal([m]));
  });

  it("hvp equals the hessian times the vector", () => {
    const f = (x: Tensor) => logSumExp(mul(x, x));
    const x = rng.normal([4]);
    const v = rng.normal([4]);
    const hv = hvp(f, x, v) as core.NDArray;
    const h = hessian(f)(x) as core.NDArray;
    expect(core.maxAbsDiff(hv, core.matmul(h, v))).toBeLessThan(1e-12);
  });

  it("does not confuse perturbations: d/dx [x · d/dy (x + y)] = 1", () => {
    // A confused implementation sees the outer perturbation of x inside the inner derivative and returns 2.
    const inner = (x: Tensor) => jvp((y: Tensor) => add(x, y), [tensor(1)], [tensor(1)])[1] as Tensor;
    const [, outerDerivative] = jvp((x: Tensor) => mul(x, inner(x)), [tensor(1)], [tensor(1)]);
    expect((outerDerivative as core.NDArray).item()).toBe(1);
    // the same with reverse mode inside and outside
    const innerRev = (x: Tensor) => grad((y: Tensor) => mul(x, y))(tensor(2)) as Tensor; // = x
    expect((grad((x: Tensor) => mul(x, innerRev(x)))(tensor(3)) as core.NDArray).item()).toBe(6);
  });

  it("vjp of vjp and jvp of vjp give the second derivative", () => {
    const f = (x: Tensor) => sum(mul(mul(x, x), x)); // f'' = 6x on the diagonal
    const x = tensor([1, 2]);
    const gradFn = (v: Tensor) => vjp(f, v)[1](tensor(1))[0] as Tensor;
    const [, pullback] = vjp(gradFn, x);
    expect((pullback(tensor([1, 0]))[0] as core.NDArray).toNested()).toEqual([6, 0]);
    const [, tangent] = jvp(gradFn, [x], [tensor([0, 1])]);
    expect((tangent as core.NDArray).toNested()).toEqual([0, 12]);
  });

  it("third derivative through nested reverse over forward over reverse", () => {
    const f = (x: Tensor) => sum(mul(mul(x, x), mul(x, x))); // x^4 -> 24 x
    const second = (x: Tensor) => reshape(jvp((v: Tensor) => grad(f)(v) as Tensor, [x], [tensor([1])])[1] as Tensor, [1]);
    const third = grad((x: Tensor) => sum(second(x)))(tensor([0.5])) as core.NDArray;
    expect(third.toFlat()[0]).toBeCloseTo(12, 12);
  });
});
