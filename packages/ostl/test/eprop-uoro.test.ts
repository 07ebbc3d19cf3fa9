import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { type Tensor, type Tree, add, concat, grad, jacfwd, matmul, reshape } from "@ostl/autodiff";
import { Bptt, entriesOf, Eprop, layerKey, leakyOutput, type Network, Ostl, Rtrl, type TensorRecord, TreeLayout, Uoro } from "@ostl/ostl";
import { decaying, elman, leaky, mse, resetting, spiking } from "./cells.js";
import { allEntries, expectUnbiased, gradientsOf, recurrentEntries, relError, type Sequence, sequence, splitTraced, twoField, unbiasedness } from "./sequences.js";

/**
 * e-prop by its definition, with dense matrices from jacfwd: per layer, ε_t = (K ⊙ J_t) ε_{t-1} + I_t
 * and e_t = (K ⊙ J^y_t) ε_{t-1} + I^y_t, K keeping each unit's own entries (all fields of unit i to
 * all fields of unit i), and ∇θ_l = Σ_t (L^l_t)ᵀ e_t with the learning signal `signal(l, ḡ_t)`.
 * With `kappa`, the readout is leaky as in the paper: it reads ȳ_t = κ ȳ_{t−1} + y_t of the top layer,
 * whose traces are filtered, ē_t = κ ē_{t−1} + e_t, and the gradient is Σ_t (L_t)ᵀ ē_t.
 */
function epropByDefinition(s: Sequence, signal: (l: number, logitsCotangent: core.NDArray) => core.NDArray, kappa: number | null = null): number[] {
  const { network, params } = s;
  const depth = network.depth;
  let state = network.initialState();
  const traces: (core.NDArray | null)[] = new Array(depth).fill(null);
  const sums: number[][] = [];
  for (let l = 0; l < depth; l++) sums.push(new Array(new TreeLayout(params[layerKey(l)]! as Tree).size).fill(0));
  let filteredOutput: core.NDArray | null = null;
  let filteredTrace: core.NDArray | null = null;
  s.xs.forEach((x, t) => {
    let input: Tensor = x;
    const next: Record<string, TensorRecord> = {};
    const outputs: { e: core.NDArray; l: number }[] = [];
    for (let l = 0; l < depth; l++) {
      const p = params[layerKey(l)]!;
      const previous = state[layerKey(l)]!;
      const stateLayout = new TreeLayout(previous as Tree);
      const paramLayout = new TreeLayout(p as Tree);
      const n = network.spec.layers[l]!.hiddenSize;
      const layerInput = input;
      const outputOf = (sv: Tensor, pv: Tensor) => {
        const r = network.layerStep(l, splitTraced(paramLayout, pv), splitTraced(stateLayout, sv), layerInput);
        return concat([entriesOf(r.state as Tree), reshape(r.y, [-1])]);
      };
      const sv = entriesOf(previous as Tree) as core.NDArray;
      const pv = entriesOf(p as Tree) as core.NDArray;
      const J = core.contiguous(jacfwd(outputOf)(sv, pv) as core.NDArray); // [|s| + n, |s|]
      const I = core.contiguous(jacfwd(outputOf, { argnum: 1 })(sv, pv) as core.NDArray); // [|s| + n, P]
      const S = sv.size;
      const P = pv.size;
      const eps = traces[l] ?? core.zeros([S, P]);
      const rows = S + n;
      const updated = core.zeros([rows, P]);
      for (let r = 0; r < rows; r++) {
        for (let q = 0; q < P; q++) {
          let v = I.data[r * P + q]!;
          // own entries only: row r and column c belong to unit r mod n and c mod n
          for (let c = 0; c < S; c++) if (r % n === c % n) v += J.data[r * S + c]! * eps.data[c * P + q]!;
          updated.data[r * P + q] = v;
        }
      }
      traces[l] = core.contiguous(core.slice(updated, [0, 0], [S, P]));
      outputs.push({ e: core.contiguous(core.slice(updated, [S, 0], [rows, P])), l });
      const r = network.layerStep(l, p, previous, input);
      next[layerKey(l)] = r.state;
      input = r.y;
    }
    if (kappa !== null) {
      // the leaky readout's input and the top layer's filtered trace
      const top = outputs[depth - 1]!;
      filteredOutput = filteredOutput === null ? (input as core.NDArray) : core.add(core.mul(core.tensor(kappa), filteredOutput), input as core.NDArray);
      filteredTrace = filteredTrace === null ? top.e : core.add(core.mul(core.tensor(kappa), filteredTrace), top.e);
      outputs[depth - 1] = { e: core.contiguous(filteredTrace), l: top.l };
      input = filteredOutput;
    }
    const readout = params.readout as { W: core.NDArray; b: core.NDArray };
    const logitsCotangent = grad((logits: Tensor) => mse(logits, s.ts[t]!))(add(matmul(readout.W, input), readout.b)) as core.NDArray;
    for (const { e, l } of outputs) {
      const L = core.contiguous(signal(l, logitsCotangent));
      const P = e.shape[1]!;
      for (let q = 0; q < P; q++) for (let j = 0; j < L.size; j++) sums[l]![q]! += L.data[j]! * e.data[j * P + q]!;
    }
    state = next;
  });
  return sums.flat();
}

/** The random feedback matrices e-prop draws: B^l ~ N(0, 1/K) of shape [n_l, K], from one PRNG of the seed, layer by layer. */
function feedbackMatrices(network: Network, seed: number): core.NDArray[] {
  const rng = new core.PRNG(seed);
  return network.spec.layers.map((layer) => rng.normal([layer.hiddenSize, network.spec.outputSize], 0, 1 / Math.sqrt(network.spec.outputSize)));
}

describe("e-prop", () => {
  it("symmetric, on one layer of a cell whose temporal Jacobian is diagonal, equals BPTT", () => {
    for (const cell of [spiking, resetting, decaying, leaky]) {
      const s = sequence([cell], [4]);
      expect(relError(allEntries(gradientsOf(new Eprop(s.network), s)), allEntries(gradientsOf(new Bptt(s.network), s))), cell.name).toBeLessThan(1e-12);
    }
  });

  it("symmetric equals OSTL's diagonal approximation (the same traces and signals), on dense and diagonal layers", () => {
    const s = sequence([twoField, spiking, elman], [4, 3, 3]);
    const eprop = allEntries(gradientsOf(new Eprop(s.network), s));
    expect(relError(eprop, allEntries(gradientsOf(new Ostl(s.network, { approximation: "diagonal" }), s)))).toBeLessThan(1e-12);
    // and is an approximation there: the dense layers' gradients differ from BPTT's
    expect(relError(eprop, allEntries(gradientsOf(new Bptt(s.network), s)))).toBeGreaterThan(1e-3);
  });

  it("symmetric, on one dense layer, equals the definition: each unit's own block of the Jacobian, L = W_roᵀ ∂E/∂logits", () => {
    for (const cell of [twoField, elman]) {
      const s = sequence([cell], [4]);
      const W = (s.params.readout as { W: core.NDArray }).W;
      const reference = epropByDefinition(s, (_l, g) => core.matmul(core.transpose(W), g));
      expect(relError(recurrentEntries(gradientsOf(new Eprop(s.network), s)), reference), cell.name).toBeLessThan(1e-12);
    }
  });

  it("random feedback equals the definition on every layer, L^l = B^l ∂E/∂logits, and the readout's gradient stays exact", () => {
    const s = sequence([twoField, spiking], [4, 3]);
    const B = feedbackMatrices(s.network, 5);
    const reference = epropByDefinition(s, (l, g) => core.matmul(B[l]!, g));
    const random = gradientsOf(new Eprop(s.network, { feedback: "random", seed: 5 }), s);
    expect(relError(recurrentEntries(random), reference)).toBeLessThan(1e-12);
    const exact = gradientsOf(new Bptt(s.network), s);
    expect(relError(allEntries({ readout: random.readout! }), allEntries({ readout: exact.readout! }))).toBeLessThan(1e-12);
    // another seed draws other matrices
    expect(relError(recurrentEntries(gradientsOf(new Eprop(s.network, { feedback: "random", seed: 6 }), s)), reference)).toBeGreaterThan(1e-3);
  });

  it("with a leaky readout (leakyOutput on the top layer) has the paper's filtered traces ē_t = κ ē_{t−1} + e_t, with either feedback", () => {
    for (const cell of [twoField, elman]) {
      const plain = sequence([cell], [4]);
      const leaky = sequence([leakyOutput(cell, 0.7)], [4]);
      // the same params: the wrapped cell's init is the cell's
      expect(allEntries(leaky.params)).toEqual(allEntries(plain.params));
      const W = (plain.params.readout as { W: core.NDArray }).W;
      const symmetric = epropByDefinition(plain, (_l, g) => core.matmul(core.transpose(W), g), 0.7);
      expect(relError(recurrentEntries(gradientsOf(new Eprop(leaky.network), leaky)), symmetric), cell.name).toBeLessThan(1e-12);
      const B = feedbackMatrices(plain.network, 3);
      const random = epropByDefinition(plain, (l, g) => core.matmul(B[l]!, g), 0.7);
      expect(relError(recurrentEntries(gradientsOf(new Eprop(leaky.network, { feedback: "random", seed: 3 }), leaky)), random), cell.name).toBeLessThan(1e-12);
    }
    // on one diagonal layer the filtered traces are exact: e-prop equals BPTT on the leaky-readout model
    const s = sequence([leakyOutput(spiking, 0.8)], [4]);
    expect(relError(allEntries(gradientsOf(new Eprop(s.network), s)), allEntries(gradientsOf(new Bptt(s.network), s)))).toBeLessThan(1e-12);
  });

  it("gives the same numbers fed whole, step by step or in chunks", () => {
    const s = sequence([twoField, spiking], [4, 3]);
    for (const options of [{}, { feedback: "random" as const, seed: 2 }]) {
      const whole = allEntries(gradientsOf(new Eprop(s.network, options), s));
      expect(allEntries(gradientsOf(new Eprop(s.network, options), s, "steps"))).toEqual(whole);
      expect(allEntries(gradientsOf(new Eprop(s.network, options), s, [[0, 3], [3, 4], [4, 7]]))).toEqual(whole);
    }
  });

  it("rejects an unknown option, feedback or seed, naming it", () => {
    const { network } = sequence([spiking], [3]);
    expect(() => new Eprop(network, { feedback: "Random" as "random" })).toThrow("eprop: unknown feedback 'Random' (known: symmetric, random)");
    expect(() => new Eprop(network, { seed: -1 })).toThrow("eprop: seed must be a non-negative integer, got -1");
    expect(() => new Eprop(network, { approximation: "none" } as object)).toThrow("eprop: unknown option 'approximation'");
  });
});

describe("UORO", () => {
  it("is unbiased: the mean of R estimates approaches RTRL's gradient like 1/√R, within the bound the samples' variance gives", () => {
    for (const s of [sequence([elman], [2], 4), sequence([twoField, elman], [3, 2], 6)]) expectUnbiased(s, (seed) => new Uoro(s.network, { seed }));
  }, 60_000);

  it("keeps the readout's gradient exact and holds |S| + P floats", () => {
    const s = sequence([twoField, elman], [3, 2], 6);
    const uoro = new Uoro(s.network, { seed: 1 });
    const g = gradientsOf(uoro, s);
    expect(relError(allEntries({ readout: g.readout! }), allEntries({ readout: gradientsOf(new Bptt(s.network), s).readout! }))).toBeLessThan(1e-12);
    // S: c, h (3 each) and h (2); P: 3·3 + 3·3 + 3 + 2·3 + 2·2 + 2
    expect(uoro.memoryFloats()).toBe(3 + 3 + 2 + (9 + 9 + 3 + 6 + 4 + 2));
  });

  it("gives the same numbers for the same seed, fed whole, step by step or in chunks; another seed gives others", () => {
    const s = sequence([twoField, spiking], [4, 3]);
    const whole = allEntries(gradientsOf(new Uoro(s.network, { seed: 9 }), s));
    expect(allEntries(gradientsOf(new Uoro(s.network, { seed: 9 }), s, "steps"))).toEqual(whole);
    expect(allEntries(gradientsOf(new Uoro(s.network, { seed: 9 }), s, [[0, 2], [2, 5], [5, 7]]))).toEqual(whole);
    expect(allEntries(gradientsOf(new Uoro(s.network, { seed: 10 }), s))).not.toEqual(whole);
  });

  it("runs batches as one joint state: unbiased for the batch's summed gradient", () => {
    const s = sequence([elman], [3], 5);
    const batch = (xs: core.NDArray[]) => xs.map((x) => core.stack([x, core.mul(x, core.tensor(-0.5))], 0));
    const b: Sequence = { ...s, xs: batch(s.xs), ts: batch(s.ts) };
    const exact = recurrentEntries(gradientsOf(new Rtrl(s.network), b));
    const samples = Array.from({ length: 400 }, (_, k) => recurrentEntries(gradientsOf(new Uoro(s.network, { seed: k }), b)));
    const { statistic, entries, mismatches } = unbiasedness(samples, samples, exact);
    expect(mismatches).toBe(0);
    expect(statistic).toBeLessThan(entries + 5 * Math.sqrt(2 * entries));
  }, 60_000);

  it("rejects an unknown option or a bad seed", () => {
    const { network } = sequence([elman], [3]);
    expect(() => new Uoro(network, { seed: 1.5 })).toThrow("uoro: seed must be a non-negative integer, got 1.5");
    expect(() => new Uoro(network, { window: 3 } as object)).toThrow("uoro: unknown option 'window' (known: seed)");
  });
});
