import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { add, concreteOf, customVjp, matmul, mul, sub, tanh, type Tensor, trace, type Tree, ValueReadError } from "@ostl/autodiff";
import {
  Bptt,
  type Cell,
  defineCell,
  DiagonalEligibility,
  type GradientAlgorithm,
  Network,
  type NetworkParams,
  type NetworkState,
  Ostl,
  planOstl,
  Rtrl,
  StepInputs,
  StepPrograms,
  addTrees,
  analyze,
  analyzeCell,
  TreeLayout,
} from "@ostl/ostl";
import { decaying, elman, elmanReadingValues, leaky, mse, resetting, spiking } from "./cells.js";

function relError(a: NetworkParams, b: NetworkParams): number {
  const fa = new TreeLayout(a).size;
  let diff = 0;
  let norm = 0;
  const la = Object.entries(a).flatMap(([k, rec]) => Object.entries(rec).map(([n, v]) => [`${k}.${n}`, v as core.NDArray] as const));
  for (const [path, v] of la) {
    const [k, n] = path.split(".") as [string, string];
    const w = b[k]![n] as core.NDArray;
    const d = core.sub(v, w);
    diff += core.sum(core.mul(d, d)).item();
    norm += core.sum(core.mul(w, w)).item();
  }
  expect(fa).toBeGreaterThan(0);
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12);
}

function sequence(seed: number, T: number, m: number, out: number, batch?: number) {
  const rng = new core.PRNG(seed);
  const shape = (k: number) => (batch === undefined ? [k] : [batch, k]);
  return { xs: Array.from({ length: T }, () => rng.normal(shape(m))), ts: Array.from({ length: T }, () => rng.normal(shape(out))) };
}

function run(algo: GradientAlgorithm, params: NetworkParams, xs: Tensor[], ts: Tensor[]): NetworkParams {
  algo.begin(params);
  xs.forEach((x, t) => algo.step(x, ts[t]!));
  return algo.gradients();
}

const net = (cells: Cell[], m = 3, n = 4, out = 2) => new Network({ inputSize: m, layers: cells.map((cell) => ({ cell, hiddenSize: n })), outputSize: out, loss: mse });

describe("BPTT, RTRL and OSTL", () => {
  for (const [label, cells] of [["elman", [elman]], ["spiking", [spiking]], ["resetting", [resetting]], ["decaying", [decaying]], ["leaky", [leaky]]] as const) {
    it(`one ${label} layer: RTRL and OSTL equal BPTT`, () => {
      const network = net([...cells]);
      const params = network.init(new core.PRNG(5));
      const { xs, ts } = sequence(6, 7, 3, 2);
      const bptt = run(new Bptt(network), params, xs, ts);
      expect(relError(run(new Rtrl(network), params, xs, ts), bptt)).toBeLessThan(1e-10);
      expect(relError(run(new Ostl(network), params, xs, ts), bptt)).toBeLessThan(1e-10);
    });
  }

  it("BPTT runs a cell that reads its traced values (which jit refuses) interpreted, with RTRL's gradients", () => {
    const reading = elmanReadingValues;
    const network = net([reading]);
    const params = network.init(new core.PRNG(5));
    const { xs, ts } = sequence(6, 7, 3, 2);
    expect(() => StepPrograms.of(network).stepLoss(params, network.initialState(), xs[0]!, ts[0]!)).toThrow(ValueReadError);
    const bptt = run(new Bptt(network), params, xs, ts);
    expect(relError(run(new Rtrl(network), params, xs, ts), bptt)).toBeLessThan(1e-10);
    expect(relError(run(new Bptt(net([elman])), params, xs, ts), bptt)).toBeLessThan(1e-14);
  });

  it("BPTT runs a cell whose forward step compiles but whose VJP rule reads values interpreted, with RTRL's gradients", () => {
    // tanh with a reverse rule that reads the output's values (as a rule that branches on them would)
    const readingTanh = customVjp(
      (v) => tanh(v),
      (v) => {
        const y = tanh(v);
        return [y, [y]];
      },
      ([y], ct) => {
        void concreteOf(y!);
        return [mul(ct, sub(1, mul(y!, y!)))];
      },
      "reading-tanh",
    );
    const reading = defineCell({ ...elman, name: "elman-reading-in-vjp", step: (p, s, x) => {
      const h = readingTanh(add(matmul(p.U!, s.h!), add(matmul(p.W!, x), p.b!)));
      return { state: { h }, y: h };
    } });
    const network = net([reading]);
    const params = network.init(new core.PRNG(5));
    const { xs, ts } = sequence(6, 7, 3, 2);
    // the forward step compiles; the step with its VJP does not
    expect(() => StepPrograms.of(network).stepLoss(params, network.initialState(), xs[0]!, ts[0]!)).not.toThrow();
    expect(StepPrograms.of(network).factoredVjp(params, network.initialState(), xs[0]!, ts[0]!)).toBeNull();
    const bptt = run(new Bptt(network), params, xs, ts);
    expect(relError(run(new Rtrl(network), params, xs, ts), bptt)).toBeLessThan(1e-10);
  });

  it("dense traces give the same gradients whether immediate terms come from reverse or forward passes", () => {
    const network = net([elman, elman]);
    const params = network.init(new core.PRNG(12));
    const { xs, ts } = sequence(13, 5, 3, 2);
    const reverse = run(new Ostl(network, { denseImmediate: "reverse" }), params, xs, ts);
    const forward = run(new Ostl(network, { denseImmediate: "forward" }), params, xs, ts);
    expect(relError(reverse, forward)).toBeLessThan(1e-12);
    expect(relError({ layer1: reverse.layer1! }, { layer1: run(new Bptt(network), params, xs, ts).layer1! })).toBeLessThan(1e-10);
  });

  it("two layers: RTRL equals BPTT; OSTL is exact for the top layer and the readout only", () => {
    const network = net([elman, spiking]);
    const params = network.init(new core.PRNG(8));
    const { xs, ts } = sequence(9, 6, 3, 2);
    const bptt = run(new Bptt(network), params, xs, ts);
    expect(relError(run(new Rtrl(network), params, xs, ts), bptt)).toBeLessThan(1e-10);
    const ostl = run(new Ostl(network), params, xs, ts);
    expect(relError({ layer1: ostl.layer1!, readout: ostl.readout! }, { layer1: bptt.layer1!, readout: bptt.readout! })).toBeLessThan(1e-10);
    expect(relError({ layer0: ostl.layer0! }, { layer0: bptt.layer0! })).toBeGreaterThan(1e-4);
  });

  it("feeding whole, step by step or in chunks gives the same gradients, and gradients() does not disturb", () => {
    const network = net([elman]);
    const params = network.init(new core.PRNG(1));
    const { xs, ts } = sequence(2, 9, 3, 2);
    for (const make of [() => new Bptt(network), () => new Rtrl(network), () => new Ostl(network)]) {
      const stepwise = run(make(), params, xs, ts);
      const whole = make();
      whole.begin(params);
      whole.feed(xs, ts);
      const chunked = make();
      chunked.begin(params);
      for (const [a, b] of [[0, 2], [2, 3], [3, 7], [7, 9]] as const) {
        chunked.feed(xs.slice(a, b), ts.slice(a, b));
        chunked.gradients();
      }
      expect(relError(whole.gradients(), stepwise)).toBeLessThan(1e-12);
      expect(relError(chunked.gradients(), stepwise)).toBeLessThan(1e-12);
    }
  });

  it("a batch gives the sum of the per-example gradients", () => {
    const network = net([spiking]);
    const params = network.init(new core.PRNG(4));
    const { xs, ts } = sequence(3, 5, 3, 2, 3);
    const rowOf = (a: core.NDArray, b: number) => core.reshape(core.slice(a, [b, 0], [b + 1, a.shape[1]!]), [a.shape[1]!]);
    for (const make of [() => new Bptt(network), () => new Rtrl(network), () => new Ostl(network)]) {
      const batched = run(make(), params, xs, ts);
      let sum: NetworkParams | null = null;
      for (let b = 0; b < 3; b++) {
        const g = run(make(), params, xs.map((x) => rowOf(x as core.NDArray, b)), ts.map((t) => rowOf(t as core.NDArray, b)));
        sum = sum === null ? g : addTrees(sum, g);
      }
      expect(relError(batched, sum!)).toBeLessThan(1e-12);
    }
  });

  it("OSTL memory does not grow with T; BPTT's does", () => {
    const network = net([spiking]);
    const params = network.init(new core.PRNG(4));
    const { xs, ts } = sequence(3, 100, 3, 2);
    const ostl = new Ostl(network);
    const bptt = new Bptt(network);
    ostl.begin(params);
    bptt.begin(params);
    const at: Record<string, number[]> = { ostl: [], bptt: [] };
    xs.forEach((x, t) => {
      ostl.step(x, ts[t]!);
      bptt.step(x, ts[t]!);
      if (t === 9 || t === 99) {
        at.ostl!.push(ostl.memoryFloats());
        at.bptt!.push(bptt.memoryFloats());
      }
    });
    expect(at.ostl![1]).toBe(at.ostl![0]);
    expect(at.bptt![1]! / at.bptt![0]!).toBeCloseTo(10, 10);
  });

  it("truncated BPTT (window k) is labelled and equals BPTT run window by window from the carried state", () => {
    const network = net([elman]);
    const params = network.init(new core.PRNG(2));
    const { xs, ts } = sequence(5, 7, 3, 2);
    const truncated = new Bptt(network, { window: 3 });
    expect(truncated.approximation).toBe("truncated BPTT (window 3)");
    expect(new Bptt(network).approximation).toBeNull();
    const g = run(truncated, params, xs, ts);
    // the same by hand: exact BPTT on [0,3), [3,6), [6,7), each starting from the state the previous window reached
    const exact = new Bptt(network);
    let total: NetworkParams | null = null;
    let state = network.initialState();
    for (const [a, b] of [[0, 3], [3, 6], [6, 7]] as const) {
      exact.begin(params, state);
      exact.feed(xs.slice(a, b), ts.slice(a, b));
      const w = exact.gradients();
      total = total === null ? w : addTrees(total, w);
      state = exact.state;
    }
    expect(relError(g, total!)).toBeLessThan(1e-12);
    expect(relError(g, run(new Bptt(network), params, xs, ts))).toBeGreaterThan(1e-6);
  });

  it("updates every k steps: takeGradients() splits the gradient without losing any", () => {
    const network = net([spiking]);
    const params = network.init(new core.PRNG(4));
    const { xs, ts } = sequence(3, 8, 3, 2);
    for (const make of [() => new Rtrl(network), () => new Ostl(network)]) {
      const whole = run(make(), params, xs, ts);
      const split = make();
      split.begin(params);
      xs.slice(0, 5).forEach((x, t) => split.step(x, ts[t]!));
      const first = split.takeGradients();
      xs.slice(5).forEach((x, t) => split.step(x, ts[t + 5]!));
      const second = split.takeGradients();
      expect(relError(addTrees(first, second), whole)).toBeLessThan(1e-12);
    }
  });
});

describe("diagonal layers", () => {
  const eligibility = (network: Network) => {
    const [plan] = planOstl(network);
    return new DiagonalEligibility(network, 0, plan!.structure, plan!.layouts, plan!.approximate);
  };

  it("derive by forward mode on own buffers where every op has elementwise partials, by reverse passes otherwise", () => {
    expect(eligibility(net([spiking])).derivativePath).toBe("forward");
    expect(eligibility(net([resetting])).derivativePath).toBe("forward");
    expect(eligibility(net([decaying])).derivativePath).toBe("reverse");
    expect(eligibility(net([leaky])).derivativePath).toBe("reverse");
  });

  it("large layers run the trace kernel in blocks of steps: equal to BPTT at any length, read or split anywhere", () => {
    const n = 128;
    for (const [cell, decayFloats] of [[spiking, 0], [decaying, 2 * n]] as const) {
      // 64 outputs: the readout's gradient is added in blocks of steps too (DeferredOuterSum)
      const network = net([cell], n, n, 64);
      const params = network.init(new core.PRNG(21));
      const { xs, ts } = sequence(22, 19, n, 64);
      const bptt = run(new Bptt(network), params, xs, ts);
      const ostl = new Ostl(network);
      ostl.begin(params);
      xs.slice(0, 6).forEach((x, t) => ostl.step(x, ts[t]!));
      // one trace of W (n·m floats), b's per state field (2n), the decay's ([1, n] per field), and eight held steps of (3n + m)
      expect(ostl.memoryFloats()).toBe(n * n + 2 * n + decayFloats + 8 * (3 * n + n));
      const early = run(new Bptt(network), params, xs.slice(0, 6), ts.slice(0, 6));
      expect(relError(ostl.gradients(), early)).toBeLessThan(1e-10);
      const first = ostl.takeGradients();
      xs.slice(6).forEach((x, t) => ostl.step(x, ts[t + 6]!));
      expect(relError(addTrees(first, ostl.takeGradients()), bptt)).toBeLessThan(1e-10);
    }
  });
});

describe("OSTL across sequences", () => {
  it("reuses its traces for the next sequence, reset: the same gradients as a new instance", () => {
    for (const [cell, n, outputs] of [[spiking, 128, 64], [elman, 4, 3], [decaying, 8, 3]] as const) {
      const network = net([cell], n, n, outputs);
      const params = network.init(new core.PRNG(31));
      const first = sequence(32, 11, n, outputs);
      const second = sequence(33, 9, n, outputs);
      const reused = new Ostl(network);
      reused.begin(params);
      // a partial block is still held when the first sequence ends unread
      first.xs.forEach((x, t) => reused.step(x, first.ts[t]!));
      const floats = reused.memoryFloats();
      const again = run(reused, params, second.xs, second.ts);
      expect(relError(again, run(new Ostl(network), params, second.xs, second.ts))).toBeLessThan(1e-14);
      expect(reused.memoryFloats()).toBe(floats);
      reused.reset();
      expect(reused.memoryFloats()).toBe(0);
    }
  });
});

describe("one init per layer", () => {
  it("the network runs each cell's init once to learn its shapes, and BPTT, RTRL, OSTL and analyze reuse it", () => {
    let inits = 0;
    const counted: Cell = { ...spiking, init: (key, config) => (inits++, spiking.init(key, config)) };
    const network = net([counted, counted]);
    const params = network.init(new core.PRNG(1));
    // the params themselves (one per layer), and the layers' shapes (one per layer)
    expect(inits).toBe(4);
    const { xs, ts } = sequence(2, 3, 3, 2);
    for (const algo of [new Bptt(network), new Rtrl(network), new Ostl(network), new Ostl(network, { approximation: "diagonal" })]) run(algo, params, xs, ts);
    analyze(network);
    expect(inits).toBe(4);
  });
});

describe("StepInputs", () => {
  it("names every input of a layer step and of a network step with its loss, and lines arguments up with them", () => {
    const network = net([spiking]);
    const params = network.init(new core.PRNG(3));
    const layer = StepInputs.of(analyzeCell(spiking, 2, 4, new core.PRNG(0)).graph);
    expect(layer.roles).toEqual([{ kind: "param", name: "W" }, { kind: "param", name: "b" }, { kind: "state", name: "s" }, { kind: "state", name: "y" }, { kind: "x" }]);
    expect([layer.param("b"), layer.state("y"), layer.x, layer.state("W")]).toEqual([1, 3, 4, -1]);
    expect(layer.values({ W: "w", b: "b" }, { s: "s", y: "y" }, "x")).toEqual(["w", "b", "s", "y", "x"]);
    const step = (p: NetworkParams, s: NetworkState, x: Tensor, target: Tensor) => {
      const out = network.step(p, s, x);
      return { loss: network.spec.loss(out.logits, target), state: out.state } as unknown as Tree;
    };
    const whole = StepInputs.of(trace(step, params, network.initialState(), core.zeros([3]), core.zeros([2])));
    expect(whole.roles.map((r) => ("name" in r ? `${r.kind}:${r.name}` : r.kind))).toEqual(["param:layer0.W", "param:layer0.b", "param:readout.W", "param:readout.b", "state:layer0.s", "state:layer0.y", "x", "target"]);
  });
});

describe("structure analysis", () => {
  it("proves the spiking cell diagonal with row-structured W and diag b, and the Elman cell dense", () => {
    const a = analyze(net([spiking, elman]));
    const [s, e] = a.layers as [typeof a.layers[0], typeof a.layers[0]];
    expect(s.temporalJacobian).toBe("diagonal");
    expect(Object.fromEntries(s.params.map((p) => [p.name, p.layout]))).toEqual({ W: "row", b: "diag" });
    // W's traces: one field (y follows from s elementwise); b's: both fields
    expect(s.traceFloats).toBe(4 * 3 + 2 * 4);
    expect(e.temporalJacobian).toBe("dense");
    expect(e.traces).toBe("dense");
    expect(e.traceFloats).toBe((4 * 4 + 4 * 4 + 4) * 4);
    expect(a.flopsPerStep.rtrl).toBeGreaterThan(a.flopsPerStep.ostl);
  });

  it("a trainable scalar inside an elementwise recurrence gets a dense trace, the rest stay structured", () => {
    const a = analyze(net([leaky]));
    expect(a.layers[0]!.temporalJacobian).toBe("diagonal");
    expect(Object.fromEntries(a.layers[0]!.params.map((p) => [p.name, p.layout]))).toEqual({ W: "row", b: "diag", decay: "dense" });
  });

  it("the diagonal approximation is opt-in, labelled, and changes the gradient of a dense cell", () => {
    const network = net([elman]);
    const exact = new Ostl(network);
    const approx = new Ostl(network, { approximation: "diagonal" });
    expect(exact.approximation).toBeNull();
    expect(approx.approximation).toMatch(/diagonal approximation/);
    const params = network.init(new core.PRNG(1));
    const { xs, ts } = sequence(2, 6, 3, 2);
    const bptt = run(new Bptt(network), params, xs, ts);
    const g = run(approx, params, xs, ts);
    const err = relError(g, bptt);
    expect(err).toBeGreaterThan(1e-6);
    expect(err).toBeLessThan(1);
  });
});

describe("bad input", () => {
  const network = net([elman]);
  const params = network.init(new core.PRNG(1));

  it("a target of the wrong shape names the algorithm, step and shapes", () => {
    const algo = new Bptt(network);
    algo.begin(params);
    expect(() => algo.step(core.zeros([3]), core.zeros([3]))).toThrow(/bptt.step \(t=0\): target has shape \[3\], expected \[2\]/);
    expect(() => algo.step(core.zeros([5]), core.zeros([2]))).toThrow(/input x has shape \[5\], expected \[3\] or \[batch, 3\]/);
  });

  it("NaN or Infinity in inputs is rejected", () => {
    const algo = new Ostl(network);
    algo.begin(params);
    expect(() => algo.step(core.tensor([0, NaN, 1]), core.zeros([2]))).toThrow(/ostl.step \(t=0\): input x contains NaN or Infinity/);
  });

  it("gradients() before any step is an error", () => {
    const algo = new Rtrl(network);
    expect(() => algo.gradients()).toThrow(/rtrl.gradients: no sequence has begun/);
    algo.begin(params);
    expect(() => algo.gradients()).toThrow(/no step has been taken/);
  });

  it("a cell whose step changes the state's fields or shapes names the layer and field", () => {
    const broken: Cell = { ...elman, name: "broken", step: (p, s, x) => ({ state: { h2: s.h! }, y: elman.step(p, s, x).y }) };
    const algo = new Bptt(net([broken]));
    algo.begin(params);
    expect(() => algo.step(core.zeros([3]), core.zeros([2]))).toThrow(/broken \(layer 0\): step returned state fields \{h2\}, expected \{h\}/);
    const growing: Cell = { ...elman, name: "growing", step: (p, s, x) => ({ state: { h: core.zeros([5]) }, y: elman.step(p, s, x).y }) };
    const algo2 = new Bptt(net([growing]));
    algo2.begin(params);
    expect(() => algo2.step(core.zeros([3]), core.zeros([2]))).toThrow(/growing \(layer 0\): step changed the shape of state 'h' from \[4\] to \[5\]/);
  });
});

describe("begin and setParams take the params' values at that call", () => {
  for (const make of [(n: Network) => new Bptt(n), (n: Network) => new Rtrl(n), (n: Network) => new Ostl(n)]) {
    it(`${make(net([elman])).name}: writing into the caller's arrays after begin or setParams changes nothing`, () => {
      const network = net([elman, spiking], 3, 6);
      const params = network.init(new core.PRNG(7));
      const later = network.init(new core.PRNG(9));
      const { xs, ts } = sequence(8, 5, 3, 2);
      const scribble = (p: NetworkParams, value: number) => {
        for (const record of Object.values(p)) for (const v of Object.values(record)) (v as core.NDArray).data.fill(value);
      };
      // the same calls twice, once with the caller's arrays overwritten after each begin and setParams
      const gradients = (overwrite: boolean) => {
        const algo = make(network);
        const [first, second] = [network.ownParams(params), network.ownParams(later)];
        algo.begin(first);
        if (overwrite) scribble(first, 0.25);
        xs.forEach((x, t) => algo.step(x, ts[t]!));
        const before = algo.takeGradients();
        algo.setParams(second);
        if (overwrite) scribble(second, -1);
        xs.forEach((x, t) => algo.step(x, ts[t]!));
        return [before, algo.gradients()];
      };
      const [kept, overwritten] = [gradients(false), gradients(true)];
      expect(relError(overwritten[0]!, kept[0]!)).toBe(0);
      expect(relError(overwritten[1]!, kept[1]!)).toBe(0);
      // and the first stretch is the gradient of the params as given
      expect(relError(kept[0]!, run(make(network), params, xs, ts))).toBe(0);
    });
  }
});
