import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { type Tensor, add, grad, matmul, mul, tanh } from "@ostl/autodiff";
import { type Cell, defineCell, Eprop, Rflo } from "@ostl/ostl";
import { mse, spiking } from "./cells.js";
import { allEntries, gradientsOf, relError, type Sequence, sequence } from "./sequences.js";

const ALPHA = 0.3;

/** Murray's leaky RNN: h_t = (1 − α) h_{t−1} + α tanh(W_rec h_{t−1} + W_in x_t + b). */
const leakyRnn: Cell = defineCell({
  name: "leaky-rnn",
  init: (key, { inputSize: m, hiddenSize: n }) => ({
    params: { W_in: key.normal([n, m], 0, 0.6), W_rec: key.normal([n, n], 0, 0.5), b: key.normal([n], 0, 0.2) },
    state: { h: core.zeros([n]) },
  }),
  step: (p, s, x) => {
    const a = add(add(matmul(p.W_rec!, s.h!), matmul(p.W_in!, x)), p.b!);
    const h = add(mul(1 - ALPHA, s.h!), mul(ALPHA, tanh(a)));
    return { state: { h }, y: h };
  },
});

/**
 * The paper's update, written out: P_t[i, j] = (1 − α) P_{t−1}[i, j] + α φ′(a_i) u_j for W_rec
 * (u = h_{t−1}), W_in (u = x_t) and b (u = 1), and ∇ = Σ_t L_t[i] P_t[i, j] with L_t = B ∂E_t/∂logits_t.
 * Returns the gradients in the params' flatten order (W_in, W_rec, b).
 */
function rfloByPaper(s: Sequence, B: core.NDArray): number[] {
  const p = s.params.layer0 as { W_in: core.NDArray; W_rec: core.NDArray; b: core.NDArray };
  const readout = s.params.readout as { W: core.NDArray; b: core.NDArray };
  const [n, m] = p.W_in.shape as [number, number];
  let h = core.zeros([n]);
  const P = { W_in: new Float64Array(n * m), W_rec: new Float64Array(n * n), b: new Float64Array(n) };
  const g = { W_in: new Float64Array(n * m), W_rec: new Float64Array(n * n), b: new Float64Array(n) };
  s.xs.forEach((x, t) => {
    const a = core.add(core.add(core.matmul(p.W_rec, h), core.matmul(p.W_in, x)), p.b);
    const next = core.add(core.mul(core.tensor(1 - ALPHA), h), core.mul(core.tensor(ALPHA), core.tanh(a)));
    const slope = (i: number) => ALPHA * (1 - Math.tanh(a.data[i]!) ** 2);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) P.W_rec[i * n + j] = (1 - ALPHA) * P.W_rec[i * n + j]! + slope(i) * h.data[j]!;
      for (let j = 0; j < m; j++) P.W_in[i * m + j] = (1 - ALPHA) * P.W_in[i * m + j]! + slope(i) * x.data[j]!;
      P.b[i] = (1 - ALPHA) * P.b[i]! + slope(i);
    }
    const logitsCotangent = grad((logits: Tensor) => mse(logits, s.ts[t]!))(core.add(core.matmul(readout.W, next), readout.b)) as core.NDArray;
    const L = core.contiguous(core.matmul(B, logitsCotangent));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) g.W_rec[i * n + j]! += L.data[i]! * P.W_rec[i * n + j]!;
      for (let j = 0; j < m; j++) g.W_in[i * m + j]! += L.data[i]! * P.W_in[i * m + j]!;
      g.b[i]! += L.data[i]! * P.b[i]!;
    }
    h = next;
  });
  return [...g.W_in, ...g.W_rec, ...g.b];
}

const layerEntries = (s: Sequence, algo: Rflo) => {
  const g = gradientsOf(algo, s).layer0 as Record<string, core.NDArray>;
  return ["W_in", "W_rec", "b"].flatMap((name) => [...core.contiguous(g[name]!).data]);
};

describe("RFLO", () => {
  it("on Murray's leaky RNN equals the paper's update, with random and with symmetric feedback", () => {
    const s = sequence([leakyRnn], [4], 8);
    // the feedback matrix RFLO draws for seed 3: N(0, 1/K), K = 2 outputs
    const random = new core.PRNG(3).normal([4, 2], 0, 1 / Math.sqrt(2));
    expect(relError(layerEntries(s, new Rflo(s.network, { seed: 3 })), rfloByPaper(s, random))).toBeLessThan(1e-12);
    const W = (s.params.readout as { W: core.NDArray }).W;
    expect(relError(layerEntries(s, new Rflo(s.network, { feedback: "symmetric" })), rfloByPaper(s, core.transpose(W)))).toBeLessThan(1e-12);
    // e-prop keeps more of the unit's dynamics (the path through W_rec's diagonal): another gradient
    expect(relError(allEntries(gradientsOf(new Eprop(s.network, { feedback: "random", seed: 3 }), s)), allEntries(gradientsOf(new Rflo(s.network, { seed: 3 }), s)))).toBeGreaterThan(1e-3);
  });

  it("equals e-prop on a cell whose temporal Jacobian is diagonal and has no product with a previous state", () => {
    const s = sequence([spiking, spiking], [4, 3]);
    for (const feedback of ["random", "symmetric"] as const) {
      expect(relError(allEntries(gradientsOf(new Rflo(s.network, { feedback, seed: 2 }), s)), allEntries(gradientsOf(new Eprop(s.network, { feedback, seed: 2 }), s))), feedback).toBeLessThan(1e-12);
    }
  });

  it("gives the same numbers fed whole, step by step or in chunks", () => {
    const s = sequence([leakyRnn], [3]);
    const whole = allEntries(gradientsOf(new Rflo(s.network), s));
    expect(allEntries(gradientsOf(new Rflo(s.network), s, "steps"))).toEqual(whole);
    expect(allEntries(gradientsOf(new Rflo(s.network), s, [[0, 4], [4, 5], [5, 7]]))).toEqual(whole);
  });

  it("names itself in its errors", () => {
    const s = sequence([leakyRnn], [3]);
    expect(() => new Rflo(s.network, { feedback: "fixed" as "random" })).toThrow("rflo: unknown feedback 'fixed' (known: symmetric, random)");
    expect(() => new Rflo(s.network, { seed: -1 })).toThrow("rflo: seed must be a non-negative integer, got -1");
  });
});
