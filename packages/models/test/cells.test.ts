import { grad, sigmoidDerivative, sum, type Tensor, type TensorLike } from "@ostl/autodiff";
import { type NestedArray, PRNG, tensor, zeros } from "@ostl/core";
import type { Cell, TensorRecord } from "@ostl/ostl";
import { describe, expect, it } from "vitest";
import { gru, lstm, rnn, snu, ssnu } from "@ostl/models";
import { expectValues, flat, sigmoid } from "./helpers.js";

type Params = Record<string, NestedArray>;

/** Runs `cell` from a zero state over the inputs with the given parameters; returns y and the state after each step. */
function run(cell: Cell, params: Params, inputs: NestedArray[], hidden: number): { ys: Tensor[]; states: TensorRecord[] } {
  const p = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, tensor(v)]));
  let state: TensorRecord = cell.init(new PRNG(0), { inputSize: (inputs[0] as number[]).length, hiddenSize: hidden }).state;
  const ys: Tensor[] = [];
  const states: TensorRecord[] = [];
  for (const x of inputs) {
    const out = cell.step(p, state, tensor(x));
    state = out.state;
    ys.push(out.y);
    states.push(state);
  }
  return { ys, states };
}

describe("rnn", () => {
  it("one unit: h1 = tanh(W x1 + b), h2 = tanh(W x2 + U h1 + b)", () => {
    const { ys } = run(rnn(), { W: [[0.5]], U: [[-0.3]], b: [0.1] }, [[1], [2]], 1);
    const h1 = Math.tanh(0.5 + 0.1);
    const h2 = Math.tanh(0.5 * 2 - 0.3 * h1 + 0.1);
    expectValues(ys[0]!, [h1]);
    expectValues(ys[1]!, [h2]);
  });

  it("two units, three inputs: W is stored (out, in) and U (out, in) acts on h", () => {
    const W = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]];
    const U = [[0.1, -0.2], [0.3, 0.4]];
    const { ys } = run(rnn(), { W, U, b: [0, 0.5] }, [[1, -1, 2], [0, 1, 0]], 2);
    const h1 = [Math.tanh(0.1 - 0.2 + 0.6), Math.tanh(0.4 - 0.5 + 1.2 + 0.5)];
    const h2 = [Math.tanh(0.2 + 0.1 * h1[0]! - 0.2 * h1[1]!), Math.tanh(0.5 + 0.3 * h1[0]! + 0.4 * h1[1]! + 0.5)];
    expectValues(ys[0]!, h1);
    expectValues(ys[1]!, h2);
  });
});

describe("lstm", () => {
  it("one unit, two steps, every gate distinct", () => {
    const params = {
      W_i: [[0.5]], U_i: [[0.1]], b_i: [0],
      W_f: [[-0.4]], U_f: [[0.2]], b_f: [1],
      W_g: [[1.2]], U_g: [[-0.5]], b_g: [0.1],
      W_o: [[0.3]], U_o: [[0.3]], b_o: [-0.2],
    };
    const { ys, states } = run(lstm(), params, [[1], [-2]], 1);
    const c1 = sigmoid(0.5) * Math.tanh(1.3);
    const h1 = sigmoid(0.1) * Math.tanh(c1);
    const c2 = sigmoid(0.8 + 0.2 * h1 + 1) * c1 + sigmoid(-1 + 0.1 * h1) * Math.tanh(-2.4 - 0.5 * h1 + 0.1);
    const h2 = sigmoid(-0.6 + 0.3 * h1 - 0.2) * Math.tanh(c2);
    expectValues(states[0]!.c!, [c1]);
    expectValues(ys[0]!, [h1]);
    expectValues(states[1]!.c!, [c2]);
    expectValues(states[1]!.h!, [h2]);
    expectValues(ys[1]!, [h2]);
  });
});

describe("gru", () => {
  const gates = {
    W_r: [[0.7]], U_r: [[-0.6]], b_r: [0.2],
    W_z: [[-0.3]], U_z: [[0.9]], b_z: [0.1],
    W_n: [[1.1]], U_n: [[0.8]], b_n: [-0.2],
  };
  const x = [[1], [0.5]];

  it("reset-after (default): n = tanh(W_n x + b_n + r (U_n h + b_hn))", () => {
    const { ys } = run(gru(), { ...gates, b_hn: [0.4] }, x, 1);
    const step = (xt: number, h: number) => {
      const r = sigmoid(0.7 * xt - 0.6 * h + 0.2);
      const z = sigmoid(-0.3 * xt + 0.9 * h + 0.1);
      const n = Math.tanh(1.1 * xt - 0.2 + r * (0.8 * h + 0.4));
      return (1 - z) * n + z * h;
    };
    const h1 = step(1, 0);
    expectValues(ys[0]!, [h1]);
    expectValues(ys[1]!, [step(0.5, h1)]);
  });

  it("reset-before: n = tanh(W_n x + U_n (r h) + b_n), and no b_hn parameter", () => {
    const cell = gru({ variant: "reset-before" });
    expect(Object.keys(cell.init(new PRNG(0), { inputSize: 1, hiddenSize: 1 }).params).sort()).toEqual(["U_n", "U_r", "U_z", "W_n", "W_r", "W_z", "b_n", "b_r", "b_z"]);
    const { ys } = run(cell, gates, x, 1);
    const step = (xt: number, h: number) => {
      const r = sigmoid(0.7 * xt - 0.6 * h + 0.2);
      const z = sigmoid(-0.3 * xt + 0.9 * h + 0.1);
      const n = Math.tanh(1.1 * xt + 0.8 * (r * h) - 0.2);
      return (1 - z) * n + z * h;
    };
    const h1 = step(1, 0);
    expectValues(ys[0]!, [h1]);
    expectValues(ys[1]!, [step(0.5, h1)]);
  });

  it("rejects an unknown variant", () => {
    expect(() => gru({ variant: "reset-sideways" as never })).toThrow(/gru: option 'variant' must be one of 'reset-after', 'reset-before', got 'reset-sideways'/);
  });
});

describe("snu", () => {
  const inputs = [[0.5], [0.5], [0.5], [1]];

  it("fires, resets and leaks: s = W x + 0.8 s (1 - y), y = step(s - 1)", () => {
    const { ys, states } = run(snu(), { W: [[1.5]], b: [-1] }, inputs, 1);
    // s1 = 0.75 (no spike), s2 = 0.75 + 0.8*0.75 = 1.35 (spike), s3 = 0.75 (reset), s4 = 1.5 + 0.8*0.75 = 2.1 (spike)
    expect(ys.map((y) => flat(y)[0])).toEqual([0, 1, 0, 1]);
    expect(states.map((s) => flat(s.s!)[0])).toEqual([0.75, 0.75 + 0.8 * 0.75, 0.75, 1.5 + 0.8 * 0.75]);
  });

  it("recurrent: H y_{t-1} enters the potential", () => {
    const { states } = run(snu({ recurrent: true }), { W: [[1.5]], H: [[-0.5]], b: [-1] }, inputs, 1);
    expect(states.map((s) => flat(s.s!)[0])).toEqual([0.75, 0.75 + 0.8 * 0.75, 0.75 - 0.5, 1.5 + 0.8 * 0.25]);
  });

  it("activation g: identity, relu and leakyRelu of the potential", () => {
    const potential = (options: Parameters<typeof snu>[0]) => flat(run(snu(options), { W: [[1.5]], b: [-1] }, [[-1]], 1).states[0]!.s!)[0];
    expect(potential({})).toBe(-1.5);
    expect(potential({ activation: "relu" })).toBe(0);
    expect(potential({ activation: "leakyRelu", negativeSlope: 0.1 })).toBeCloseTo(-0.15, 15);
    expect(potential({ activation: "leakyRelu" })).toBeCloseTo(-0.015, 15);
  });

  it("a fixed decay is the option's number; a trainable decay is a per-unit parameter", () => {
    expect(flat(run(snu({ decay: 0.5 }), { W: [[1.5]], b: [-1] }, inputs, 1).states[1]!.s!)[0]).toBe(0.75 + 0.5 * 0.75);
    const cell = snu({ trainableDecay: true, decay: 0.6 });
    const init = cell.init(new PRNG(0), { inputSize: 1, hiddenSize: 3 }).params;
    expect(flat(init.decay!)).toEqual([0.6, 0.6, 0.6]);
    expect(flat(run(cell, { W: [[1.5]], b: [-1], decay: [0.25] }, inputs, 1).states[1]!.s!)[0]).toBe(0.75 + 0.25 * 0.75);
  });

  it("the surrogate: tanh' by default, or the one given", () => {
    const dyDb = (cell: Cell, v: number) =>
      flat(grad((b: TensorLike) => sum(cell.step({ W: tensor([[1]]), b: b as Tensor }, { s: zeros([1]), y: zeros([1]) }, tensor([v + 1])).y))(tensor([-1])))[0]!;
    expect(dyDb(snu(), 0.3)).toBeCloseTo(1 - Math.tanh(0.3) ** 2, 14);
    expect(dyDb(snu({ surrogate: sigmoidDerivative(4) }), 0.3)).toBeCloseTo(4 * sigmoid(1.2) * (1 - sigmoid(1.2)), 14);
  });

  it("rejects unknown options and bad values, naming them", () => {
    expect(() => snu({ dacay: 0.5 } as never)).toThrow(/snu: unknown option 'dacay' \(known: recurrent, activation, negativeSlope, decay, trainableDecay, threshold, surrogate\)/);
    expect(() => ssnu({ surrogate: sigmoidDerivative(4) } as never)).toThrow(/ssnu: unknown option 'surrogate'/);
    expect(() => snu({ activation: "gelu" as never })).toThrow(/snu: option 'activation' must be one of identity, relu, leakyRelu, got 'gelu'/);
    expect(() => ssnu({ decay: Number.NaN })).toThrow(/ssnu: option 'decay' must be a finite number/);
    expect(() => snu({ recurrent: "yes" as never })).toThrow(/snu: option 'recurrent' must be true or false/);
    expect(() => snu({ surrogate: {} as never })).toThrow(/snu: option 'surrogate' must be a Surrogate/);
  });
});

describe("ssnu", () => {
  it("y = sigmoid(s + b), and the reset uses the soft output", () => {
    const { ys, states } = run(ssnu({ recurrent: true }), { W: [[1.5]], H: [[0.4]], b: [-1] }, [[0.5], [0.2]], 1);
    const s1 = 0.75;
    const y1 = sigmoid(s1 - 1);
    const s2 = 0.3 + 0.4 * y1 + 0.8 * s1 * (1 - y1);
    expectValues(ys[0]!, [y1]);
    expectValues(states[1]!.s!, [s2]);
    expectValues(ys[1]!, [sigmoid(s2 - 1)]);
  });
});

describe("initialisation", () => {
  const config = { inputSize: 5, hiddenSize: 16 };

  it("rnn, lstm and gru draw every parameter uniform in ±1/sqrt(hidden), seeded", () => {
    for (const cell of [rnn(), lstm(), gru(), gru({ variant: "reset-before" })]) {
      const { params } = cell.init(new PRNG(3), config);
      for (const [name, p] of Object.entries(params)) {
        const values = flat(p);
        expect(Math.max(...values.map(Math.abs)), `${cell.name}.${name}`).toBeLessThan(0.25);
        expect(Math.max(...values.map(Math.abs)), `${cell.name}.${name}`).toBeGreaterThan(0.15);
      }
      const again = cell.init(new PRNG(3), config).params;
      const other = cell.init(new PRNG(4), config).params;
      for (const name of Object.keys(params)) {
        expect(flat(again[name]!)).toEqual(flat(params[name]!));
        expect(flat(other[name]!)).not.toEqual(flat(params[name]!));
      }
    }
  });

  it("the SNU family: W and H Glorot-uniform, b = -threshold, H only when recurrent, zero state", () => {
    const { params, state } = snu({ recurrent: true, threshold: 2 }).init(new PRNG(1), config);
    expect(Object.keys(params)).toEqual(["W", "H", "b"]);
    // bounds sqrt(6 / (16 + 5)) = 0.53 for W and sqrt(6 / 32) = 0.43 for H
    expect(Math.max(...flat(params.W!).map(Math.abs))).toBeLessThan(Math.sqrt(6 / 21));
    expect(Math.max(...flat(params.W!).map(Math.abs))).toBeGreaterThan(Math.sqrt(6 / 32));
    expect(Math.max(...flat(params.H!).map(Math.abs))).toBeLessThan(Math.sqrt(6 / 32));
    expect(Math.max(...flat(params.H!).map(Math.abs))).toBeGreaterThan(0.35);
    expect(flat(params.b!)).toEqual(new Array(16).fill(-2));
    expect([...flat(state.s!), ...flat(state.y!)]).toEqual(new Array(32).fill(0));
    expect(Object.keys(ssnu().init(new PRNG(1), config).params)).toEqual(["W", "b"]);
    expect(flat(ssnu().init(new PRNG(1), config).params.b!)).toEqual(new Array(16).fill(-1));
  });
});
