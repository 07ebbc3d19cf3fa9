import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { add, mul, tanh } from "@ostl/autodiff";
import { defineCell, KfRtrl, Network, recurrentParams, Rtrl, TreeLayout } from "@ostl/ostl";
import type { Tree } from "@ostl/autodiff";
import { elman, leaky, mse } from "./cells.js";
import { allEntries, expectUnbiased, gradientsOf, relError, sequence, twoField } from "./sequences.js";

describe("KF-RTRL", () => {
  it("is unbiased: the mean of R estimates approaches RTRL's gradient like 1/√R, within the bound the samples' variance gives", () => {
    for (const s of [sequence([elman], [2], 4), sequence([twoField], [2], 5)]) expectUnbiased(s, (seed) => new KfRtrl(s.network, { seed }));
  }, 60_000);

  it("is exact over two steps: the first step's influence is one Kronecker product, and the second step's gradient reads it", () => {
    for (const cell of [elman, twoField, leaky]) {
      const s = sequence([cell], [3], 2);
      expect(relError(allEntries(gradientsOf(new KfRtrl(s.network, { seed: 4 }), s)), allEntries(gradientsOf(new Rtrl(s.network), s))), cell.name).toBeLessThan(1e-12);
    }
    // from the third step on, the random mixing enters
    const s = sequence([elman], [3], 3);
    expect(relError(allEntries(gradientsOf(new KfRtrl(s.network, { seed: 4 }), s)), allEntries(gradientsOf(new Rtrl(s.network), s)))).toBeGreaterThan(1e-6);
  });

  it("holds A and ũ per factored weight and the other parameters' exact columns", () => {
    const s = sequence([twoField], [3]);
    const kf = new KfRtrl(s.network);
    gradientsOf(kf, s);
    // S = c, h (3 each) = 6; U, W factored: A 6 x 3 each, ũ of 3 (h) and 3 (x); b's 3 columns: 6 x 3
    expect(kf.memoryFloats()).toBe(2 * 18 + 3 + 3 + 18);
    const P = new TreeLayout(recurrentParams(s.network, s.params) as Tree).size;
    expect(kf.memoryFloats()).toBeLessThan(6 * P);
    expect(kf.approximation).toBe("KF-RTRL: unbiased Kronecker-factored estimate of the influence of W, U (random signs, seed 0)");
  });

  it("gives the same numbers for the same seed, fed whole, step by step or in chunks", () => {
    const s = sequence([twoField], [3]);
    const whole = allEntries(gradientsOf(new KfRtrl(s.network, { seed: 3 }), s));
    expect(allEntries(gradientsOf(new KfRtrl(s.network, { seed: 3 }), s, "steps"))).toEqual(whole);
    expect(allEntries(gradientsOf(new KfRtrl(s.network, { seed: 3 }), s, [[0, 2], [2, 3], [3, 7]]))).toEqual(whole);
    expect(allEntries(gradientsOf(new KfRtrl(s.network, { seed: 5 }), s))).not.toEqual(whole);
  });

  it("says why it refuses a stack, a cell with no product W u, a batch and a bad seed", () => {
    expect(() => new KfRtrl(sequence([elman, elman], [3, 2]).network)).toThrow("kfrtrl: KF-RTRL is defined for one recurrent layer (Mujika et al.), and this network has 2");
    const scaled = defineCell({
      name: "scaled",
      init: (key, { hiddenSize: n }) => ({ params: { a: key.normal([n], 0, 0.5) }, state: { h: core.zeros([n]) } }),
      step: (p, st, x) => {
        const h = tanh(add(mul(p.a!, st.h!), x));
        return { state: { h }, y: h };
      },
    });
    const net = new Network({ inputSize: 3, layers: [{ cell: scaled, hiddenSize: 3 }], outputSize: 1, loss: mse });
    expect(() => new KfRtrl(net)).toThrow("kfrtrl: no parameter of cell 'scaled' enters its step as a product W u with u the input or a previous state (the analysis found none), so there is nothing to factor: use rtrl");
    const s = sequence([elman], [3]);
    const kf = new KfRtrl(s.network);
    kf.begin(s.params);
    expect(() => kf.step(core.stack([s.xs[0]!, s.xs[1]!], 0), core.stack([s.ts[0]!, s.ts[1]!], 0))).toThrow("kfrtrl.step (t=0): input x has shape [2,3]: KF-RTRL runs one example at a time");
    expect(() => new KfRtrl(s.network, { seed: -2 })).toThrow("kfrtrl: seed must be a non-negative integer, got -2");
  });
});
