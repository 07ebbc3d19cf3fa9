import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { ValueError } from "@ostl/core";
import { ALGORITHM_NAMES, algorithmByName, algorithms, type AlgorithmEntry, exactnessOf, type GradientAlgorithm, Network, type NetworkParams } from "@ostl/ostl";
import { elman, leaky, mse, spiking } from "./cells.js";

const network = (cells = [elman]) => new Network({ inputSize: 3, layers: cells.map((cell) => ({ cell, hiddenSize: 4 })), outputSize: 2, loss: mse });

function gradients(algo: GradientAlgorithm, params: NetworkParams): NetworkParams {
  const rng = new core.PRNG(7);
  algo.begin(params);
  for (let t = 0; t < 6; t++) algo.step(rng.normal([3]), rng.normal([2]));
  return algo.gradients();
}

/** max over parameters of ||a - b|| / ||b|| in the groups named. */
function relError(a: NetworkParams, b: NetworkParams, groups = Object.keys(b)): number {
  let worst = 0;
  for (const group of groups) {
    for (const [name, ref] of Object.entries(b[group]!)) {
      const d = core.sub(a[group]![name] as core.NDArray, ref as core.NDArray);
      const norm = (x: core.NDArray) => Math.sqrt(core.sum(core.mul(x, x)).item());
      worst = Math.max(worst, norm(d) / Math.max(norm(ref as core.NDArray), 1e-12));
    }
  }
  return worst;
}

describe("the algorithm registry", () => {
  it("lists bptt, rtrl, ostl, eprop, snap, uoro, kfrtrl and rflo, each entry under its own algorithm's name", () => {
    expect(ALGORITHM_NAMES).toEqual(["bptt", "rtrl", "ostl", "eprop", "snap", "uoro", "kfrtrl", "rflo"]);
    const net = network();
    for (const name of ALGORITHM_NAMES) expect(algorithms[name].create(net).name).toBe(name);
  });

  it("every exact entry gives BPTT's gradients on one layer; exact-top-layer ones on the top layer of two", () => {
    const one = network();
    const two = network([leaky, spiking]);
    const params1 = one.init(new core.PRNG(3));
    const params2 = two.init(new core.PRNG(4));
    const bptt1 = gradients(algorithms.bptt.create(one), params1);
    const bptt2 = gradients(algorithms.bptt.create(two), params2);
    const exactSomewhere = (Object.values(algorithms) as AlgorithmEntry[]).filter((e) => e.exactness === "exact" || e.exactness === "exact-top-layer");
    expect(exactSomewhere.map((e) => e.name)).toEqual(["bptt", "rtrl", "ostl"]);
    for (const entry of exactSomewhere) {
      expect(relError(gradients(entry.create(one), params1), bptt1), entry.name).toBeLessThan(1e-10);
      const stacked = gradients(entry.create(two), params2);
      expect(relError(stacked, bptt2, ["layer1", "readout"]), entry.name).toBeLessThan(1e-10);
      if (entry.exactness === "exact") expect(relError(stacked, bptt2), entry.name).toBeLessThan(1e-10);
      else expect(relError(stacked, bptt2, ["layer0"]), entry.name).toBeGreaterThan(1e-6);
    }
  });

  it("every listed value of every option constructs, and approximating values make the algorithm say so", () => {
    const net = network();
    for (const entry of Object.values(algorithms) as AlgorithmEntry[]) {
      for (const option of entry.options) {
        const values = typeof option.values === "string" ? ["3"] : option.values;
        for (const value of values) {
          const given = { [option.name]: typeof option.values === "string" ? Number(value) : value };
          const algo = entry.create(net, given);
          const approximating = option.approximates === "positive integer" || option.approximates.includes(value);
          expect(exactnessOf(entry.name, given), `${entry.name} ${option.name}=${value}`).toBe(approximating ? "approximate" : entry.exactness);
          // an approximation the network's structure needs (a dense Jacobian) is named in every output
          if (approximating) expect(algo.approximation, `${entry.name} ${option.name}=${value}`).not.toBeNull();
        }
      }
    }
  });

  it("plans the floats each algorithm carries, as it then holds them (RTRL, SnAp, UORO, KF-RTRL) or as the analysis counts its traces", () => {
    const net = network([elman]);
    const params = net.init(new core.PRNG(5));
    for (const [name, options] of [["rtrl", {}], ["snap", { n: 1 }], ["snap", { n: 2 }], ["uoro", {}], ["kfrtrl", {}]] as const) {
      const algo = algorithms[name].create(net, options);
      gradients(algo, params);
      expect(algorithms[name].plannedFloats(net, options), `${name} ${JSON.stringify(options)}`).toBe(algo.memoryFloats());
    }
    // e-prop and RFLO: OSTL's diagonal traces, and the random feedback matrices (4 x 2) when the feedback is random
    const traces = algorithms.ostl.plannedFloats(net, { approximation: "diagonal" })!;
    expect(algorithms.eprop.plannedFloats(net)).toBe(traces);
    expect(algorithms.eprop.plannedFloats(net, { feedback: "random" })).toBe(traces + 8);
    expect(algorithms.rflo.plannedFloats(net)).toBe(traces + 8);
    // BPTT's tape grows with the sequence: no plan
    expect(algorithms.bptt.plannedFloats(net)).toBeNull();
    // SnAp-1 of an RNN keeps one entry per parameter: U, W, b of 4 units with 3 inputs
    expect(algorithms.snap.plannedFloats(net, { n: 1 })).toBe(16 + 12 + 4);
  });

  it("rejects an unknown name, listing the known ones", () => {
    expect(() => algorithmByName("snap1")).toThrow(ValueError);
    expect(() => algorithmByName("snap1")).toThrow("algorithmByName: unknown algorithm 'snap1' (known: bptt, rtrl, ostl, eprop, snap, uoro, kfrtrl, rflo)");
    // a name inherited from Object.prototype is no algorithm either
    expect(() => algorithmByName("toString")).toThrow("unknown algorithm 'toString'");
  });

  it("rejects an unknown option or value, naming the algorithm and the known ones", () => {
    const net = network();
    expect(() => algorithms.rtrl.create(net, { window: 3 })).toThrow("rtrl: unknown option 'window' (known: none)");
    expect(() => algorithms.ostl.create(net, { approximation: "Diagonal" })).toThrow("ostl: unknown approximation 'Diagonal' (known: none, diagonal)");
    expect(() => algorithms.bptt.create(net, { window: 0 })).toThrow("bptt: window must be a positive integer, got 0");
  });
});
