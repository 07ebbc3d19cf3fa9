import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { add, matmul, mul, tanh, transpose } from "@ostl/autodiff";
import { Bptt, type Cell, DenseEligibility, defineCell, type GradientAlgorithm, Network, type NetworkParams, Ostl, Rtrl } from "@ostl/ostl";
import { elman, mse } from "./cells.js";

/** Two state fields with a dense Jacobian, y being the second one (h), so its traces sit at an offset of n. */
const twoField: Cell = defineCell({
  name: "two-field",
  init: (key, { inputSize: m, hiddenSize: n }) => ({
    params: { W: key.normal([n, m], 0, 0.6), U: key.normal([n, n], 0, 0.5), V: key.normal([n, n], 0, 0.5) },
    state: { c: core.zeros([n]), h: core.zeros([n]) },
  }),
  step: (p, s, x) => {
    const c = tanh(add(matmul(x, transpose(p.W!)), matmul(s.h!, transpose(p.U!))));
    const h = tanh(add(mul(0.5, s.h!), matmul(c, transpose(p.V!))));
    return { state: { c, h }, y: h };
  },
});

/** elman, counting how often its step is evaluated (every forward, batched or taped pass is one). */
function counted(): { cell: Cell; calls: () => number } {
  let calls = 0;
  const cell = defineCell({
    name: "counted-elman",
    init: (key, config) => elman.init(key, config),
    step: (p, s, x) => {
      calls++;
      return elman.step(p, s, x);
    },
  });
  return { cell, calls: () => calls };
}

function setup(cell: Cell): { network: Network; params: NetworkParams; xs: core.NDArray[]; ts: core.NDArray[] } {
  const network = new Network({ inputSize: 3, layers: [{ cell, hiddenSize: 4 }], outputSize: 2, loss: mse });
  const rng = new core.PRNG(21);
  const params = network.init(rng.split());
  const xs = Array.from({ length: 6 }, () => rng.normal([3]));
  const ts = Array.from({ length: 6 }, () => rng.normal([2]));
  return { network, params, xs, ts };
}

/** The cell evaluations per time step of a sequence (after `begin`) and after its first step, and the gradients. */
function evaluationsPerStep(make: (network: Network) => GradientAlgorithm) {
  const { cell, calls } = counted();
  const { network, params, xs, ts } = setup(cell);
  const algo = make(network);
  algo.begin(params);
  const before = calls();
  algo.step(xs[0]!, ts[0]!);
  const afterFirst = calls();
  xs.slice(1).forEach((x, t) => algo.step(x, ts[t + 1]!));
  return { perStep: (calls() - before) / xs.length, afterFirstStep: calls() - afterFirst, gradients: algo.gradients(), floats: algo.memoryFloats() };
}

const leaves = (g: Record<string, Record<string, unknown>>) => Object.values(g).flatMap((record) => Object.values(record) as core.NDArray[]);

describe("dense OSTL traces", () => {
  it("on the forward path, one layer's traces take RTRL's interpreted pass, one batched pass per step, with RTRL's gradients", () => {
    const rtrl = evaluationsPerStep((network) => new Rtrl(network));
    const ostl = evaluationsPerStep((network) => new Ostl(network, { denseImmediate: "forward" }));
    expect(ostl.perStep).toBe(1);
    expect(ostl.floats).toBe(rtrl.floats);
    const a = leaves(ostl.gradients);
    const b = leaves(rtrl.gradients);
    expect(a.length).toBe(b.length);
    a.forEach((g, i) => expect(core.allClose(g, b[i]!, 1e-12, 1e-14)).toBe(true));
  });

  it("the compiled path gives the forward path's gradients, and evaluates the cell only while tracing its two programs", () => {
    const compiled = evaluationsPerStep((network) => new Ostl(network, { denseImmediate: "reverse" }));
    const forward = evaluationsPerStep((network) => new Ostl(network, { denseImmediate: "forward" }));
    // the step with its Jacobian, and one row of the immediate terms, each traced once
    expect(compiled.perStep * 6).toBe(2);
    expect(compiled.afterFirstStep).toBe(0);
    expect(compiled.floats).toBe(forward.floats);
    leaves(compiled.gradients).forEach((g, i) => expect(core.allClose(g, leaves(forward.gradients)[i]!, 1e-12, 1e-14)).toBe(true));
  });

  it("auto takes the compiled path; a cell that reads its traced values takes the forward path, with the same gradients", () => {
    const { network, params, xs } = setup(elman);
    expect(new DenseEligibility(network, 0).path).toBe("reverse");
    expect(new DenseEligibility(network, 0, "forward").path).toBe("forward");
    // the same cell, reading x's values (a branch a trace cannot follow)
    const reading = defineCell({
      name: "reading-elman",
      init: (key, config) => elman.init(key, config),
      step: (p, s, x) => ((x as core.NDArray).toNested() as number[]).some((v) => Number.isNaN(v)) ? s as never : elman.step(p, s, x),
    });
    const readingNet = new Network({ inputSize: 3, layers: [{ cell: reading, hiddenSize: 4 }], outputSize: 2, loss: mse });
    const traces = new DenseEligibility(readingNet, 0);
    expect(traces.path).toBe("reverse");
    let state = readingNet.initialState().layer0!;
    for (const x of xs.slice(0, 2)) {
      const step = traces.advance(params.layer0!, state, x);
      step.accumulate(core.ones([4]));
      state = step.state;
    }
    expect(traces.path).toBe("forward");
    const reference = new DenseEligibility(network, 0);
    state = network.initialState().layer0!;
    for (const x of xs.slice(0, 2)) {
      const step = reference.advance(params.layer0!, state, x);
      step.accumulate(core.ones([4]));
      state = step.state;
    }
    const [g, r] = [traces.gradients(params.layer0!), reference.gradients(params.layer0!)];
    for (const name of Object.keys(r)) expect(core.allClose(g[name] as core.NDArray, r[name] as core.NDArray, 1e-12, 1e-14)).toBe(true);
  });

  it("when y is a state field (not the first), the reverse path reads e_t from that field's traces: equal to BPTT and to the forward path", () => {
    const { network, params, xs, ts } = setup(twoField);
    const run = (algo: GradientAlgorithm) => {
      algo.begin(params);
      xs.forEach((x, t) => algo.step(x, ts[t]!));
      return leaves(algo.gradients());
    };
    const bptt = run(new Bptt(network));
    const reverse = run(new Ostl(network, { denseImmediate: "reverse" }));
    const forward = run(new Ostl(network, { denseImmediate: "forward" }));
    reverse.forEach((g, i) => {
      expect(core.allClose(g, bptt[i]!, 1e-10, 1e-12)).toBe(true);
      expect(core.allClose(g, forward[i]!, 1e-12, 1e-14)).toBe(true);
    });
  });
});
