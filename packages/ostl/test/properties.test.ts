import { describe, expect, it } from "vitest";
import * as fc from "fast-check";
import * as core from "@ostl/core";
import { type Tensor, add, heaviside, matmul, mul, relu, sigmoid, sigmoidDerivative, softplus, sub, tanh, transpose } from "@ostl/autodiff";
import { Bptt, type Cell, type GradientAlgorithm, Network, type NetworkParams, Ostl, Rtrl, type TensorRecord, defineCell, planOstl } from "@ostl/ostl";
import { mse } from "./cells.js";

/** Elementwise ops that combine the running value v with a previous-state field p. */
const mixers: Record<string, (v: Tensor, p: Tensor) => Tensor> = {
  tanh: (v) => tanh(v),
  sigmoid: (v) => sigmoid(v),
  softplus: (v) => softplus(v),
  relu: (v) => relu(v),
  spike: (v) => heaviside(v, sigmoidDerivative(4)),
  gateByPrev: (v, p) => mul(v, sigmoid(p)),
  leak: (v, p) => add(v, mul(0.7, p)),
  reset: (v, p) => mul(v, sub(1, tanh(p))),
  product: (v, p) => mul(v, p),
};
const mixerNames = Object.keys(mixers);

interface CellRecipe {
  recurrentMatrix: boolean;
  twoFields: boolean;
  chainA: string[];
  chainB: string[];
  sigmoidOutput: boolean;
}

/** A random cell: a = W x (+ U h) + b, then random elementwise chains mixing in the previous state. */
function randomCell(r: CellRecipe): Cell {
  const apply = (chain: string[], v: Tensor, p: Tensor) => chain.reduce((acc, name) => mixers[name]!(acc, p), v);
  return defineCell({
    name: `random(${r.recurrentMatrix ? "U," : ""}${r.twoFields ? "2 fields," : ""}${r.chainA.join(">")}|${r.chainB.join(">")})`,
    init: (key, { inputSize: m, hiddenSize: n }) => ({
      params: {
        W: key.normal([n, m], 0, 0.7),
        b: key.normal([n], 0, 0.3),
        ...(r.recurrentMatrix ? { U: key.normal([n, n], 0, 0.5) } : {}),
      },
      state: (r.twoFields ? { h: core.zeros([n]), c: core.zeros([n]) } : { h: core.zeros([n]) }) as TensorRecord,
    }),
    step: (p, s, x) => {
      let a = add(matmul(x, transpose(p.W!)), p.b!);
      if (r.recurrentMatrix) a = add(a, matmul(s.h!, transpose(p.U!)));
      if (r.twoFields) {
        const c = apply(r.chainA, a, s.c!);
        const h = apply(r.chainB, c, s.h!);
        return { state: { h, c } as TensorRecord, y: r.sigmoidOutput ? sigmoid(h) : h };
      }
      const h = apply([...r.chainA, ...r.chainB], a, s.h!);
      return { state: { h } as TensorRecord, y: r.sigmoidOutput ? sigmoid(h) : h };
    },
  });
}

const recipeArb = fc.record({
  recurrentMatrix: fc.boolean(),
  twoFields: fc.boolean(),
  chainA: fc.array(fc.constantFrom(...mixerNames), { minLength: 1, maxLength: 4 }),
  chainB: fc.array(fc.constantFrom(...mixerNames), { minLength: 0, maxLength: 3 }),
  sigmoidOutput: fc.boolean(),
});

function gradients(algo: GradientAlgorithm, params: NetworkParams, xs: Tensor[], ts: Tensor[]): core.NDArray {
  algo.begin(params);
  xs.forEach((x, t) => algo.step(x, ts[t]!));
  const g = algo.gradients();
  return core.concat(Object.keys(g).sort().flatMap((k) => Object.keys(g[k]!).sort().map((n) => core.reshape(g[k]![n] as core.NDArray, [-1]))));
}

const rel = (a: core.NDArray, b: core.NDArray) => {
  const d = core.sub(a, b);
  return Math.sqrt(core.sum(core.mul(d, d)).item()) / Math.max(Math.sqrt(core.sum(core.mul(b, b)).item()), 1e-12);
};

describe("random small cells", () => {
  it("RTRL equals BPTT (1 and 2 layers) and one-layer OSTL equals BPTT, whatever structure the cell has", () => {
    let diagonalSeen = 0;
    let denseSeen = 0;
    fc.assert(
      fc.property(recipeArb, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 1e6 }), (recipe, m, n, T, seed) => {
        const cell = randomCell(recipe);
        const rng = new core.PRNG(seed);
        const xs = Array.from({ length: T }, () => rng.normal([m]));
        const ts = Array.from({ length: T }, () => rng.normal([2]));
        const one = new Network({ inputSize: m, layers: [{ cell, hiddenSize: n }], outputSize: 2, loss: mse });
        const params1 = one.init(rng.split());
        const bptt1 = gradients(new Bptt(one), params1, xs, ts);
        expect(rel(gradients(new Rtrl(one), params1, xs, ts), bptt1)).toBeLessThan(1e-9);
        expect(rel(gradients(new Ostl(one), params1, xs, ts), bptt1)).toBeLessThan(1e-9);
        if (planOstl(one)[0]!.traces === "diagonal") diagonalSeen++;
        else denseSeen++;
        const two = new Network({ inputSize: m, layers: [{ cell, hiddenSize: n }, { cell, hiddenSize: 2 }], outputSize: 2, loss: mse });
        const params2 = two.init(rng.split());
        expect(rel(gradients(new Rtrl(two), params2, xs, ts), gradients(new Bptt(two), params2, xs, ts))).toBeLessThan(1e-9);
      }),
      { numRuns: 40, seed: 424242 },
    );
    // both OSTL code paths were exercised
    expect(diagonalSeen).toBeGreaterThan(5);
    expect(denseSeen).toBeGreaterThan(5);
  }, 60_000);
});
