import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { maxAbsDiff, type NDArray, PRNG } from "@ostl/core";
import { concat, grad, jacfwd, reshape, slice, type Tensor } from "@ostl/autodiff";
import { Bptt, type Cell, type GradientAlgorithm, Network, type NetworkParams, Ostl, type TensorRecord } from "@ostl/ostl";
import { gru, lstm, mse, rnn, snu, ssnu } from "@ostl/models";

/** The built-in cells whose temporal Jacobian is dense, so that OSTL's diagonal approximation applies to them. */
const denseCells: [string, Cell][] = [
  ["rnn", rnn()],
  ["lstm", lstm()],
  ["gru (reset-after)", gru()],
  ["gru (reset-before)", gru({ variant: "reset-before" })],
  ["snu (recurrent)", snu({ recurrent: true })],
  ["ssnu (recurrent)", ssnu({ recurrent: true })],
];

function gradients(algo: GradientAlgorithm, params: NetworkParams, seed: number): NetworkParams {
  const rng = new PRNG(seed);
  algo.begin(params);
  for (let t = 0; t < 7; t++) algo.step(rng.normal([3], 0, 2), rng.normal([2]));
  return algo.gradients();
}

/** Flattens a record of arrays into one vector (in the record's key order), and back. */
function flatRecord(record: TensorRecord) {
  const names = Object.keys(record);
  const shapes = names.map((k) => record[k]!.shape);
  const sizes = shapes.map((sh) => sh.reduce((a, b) => a * b, 1));
  const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  const size = sizes.reduce((a, b) => a + b, 0);
  return {
    names,
    offsets,
    size,
    flat: (r: TensorRecord): Tensor => concat(names.map((k) => reshape(r[k]!, [-1])), 0),
    unflat: (v: Tensor): TensorRecord => Object.fromEntries(names.map((k, i) => [k, reshape(slice(v, [offsets[i]!], [offsets[i]! + sizes[i]!]), shapes[i]!)])),
  };
}

/**
 * The diagonal approximation written out densely, independently of OSTL's traces, for a one-layer
 * network of n units whose state fields are n-vectors: with the full Jacobians of the flattened
 * step from jacfwd, J masked to the entries (a·n + i, b·n + i) of every field pair (a, b),
 *   ε_t = J^s ε_{t-1} + ∂s_t/∂θ,   e_t = J^y ε_{t-1} + ∂y_t/∂θ,   g = Σ_t (∂loss_t/∂y_t) e_t.
 */
function denseDiagonalApproximation(net: Network, params: NetworkParams, seed: number): TensorRecord {
  const n = net.spec.layers[0]!.hiddenSize;
  const state = flatRecord(net.initialState().layer0!);
  const theta = flatRecord(params.layer0!);
  const S = state.size;
  const rng = new PRNG(seed);
  let s = state.flat(net.initialState().layer0!) as NDArray;
  let traces = core.zeros([S, theta.size]);
  let total = core.zeros([theta.size]);
  const mask = core.zeros([S + n, S]);
  for (let a = 0; a <= S / n; a++) for (let b = 0; b < S / n; b++) for (let i = 0; i < n; i++) mask.data[(a * n + i) * S + b * n + i] = 1;
  for (let t = 0; t < 7; t++) {
    const x = rng.normal([3], 0, 2);
    const target = rng.normal([2]);
    const stepFlat = (sv: Tensor, pv: Tensor) => {
      const out = net.layerStep(0, theta.unflat(pv), state.unflat(sv), x);
      return concat([state.flat(out.state), out.y], 0);
    };
    const temporal = core.mul(jacfwd(stepFlat, { argnum: 0 })(s, theta.flat(params.layer0!)) as NDArray, mask);
    const immediate = jacfwd(stepFlat, { argnum: 1 })(s, theta.flat(params.layer0!)) as NDArray;
    const next = core.add(core.matmul(temporal, traces), immediate);
    const out = stepFlat(s, theta.flat(params.layer0!)) as NDArray;
    const y = core.slice(out, [S], [S + n]);
    const signal = grad((yy: Tensor) => net.spec.loss(net.readout(params, yy), target))(y) as NDArray;
    total = core.add(total, core.matmul(signal, core.slice(next, [S, 0], [S + n, theta.size])));
    traces = core.slice(next, [0, 0], [S, theta.size]);
    s = core.slice(out, [0], [S]);
  }
  return theta.unflat(total);
}

describe.each(denseCells)("OSTL's diagonal approximation on %s", (_name, cell) => {
  it("is exact for a layer of one unit (its temporal Jacobian is its diagonal): equals BPTT", () => {
    // one unit: every Jacobian over the state is 1 x 1 per field pair, the approximation keeps it whole
    const net = new Network({ inputSize: 3, layers: [{ cell, hiddenSize: 1 }], outputSize: 2, loss: mse });
    const approximate = new Ostl(net, { approximation: "diagonal" });
    expect(approximate.plan[0]!.approximate).toBe(true);
    const params = net.init(new PRNG(3));
    const want = gradients(new Bptt(net), params, 4);
    const got = gradients(approximate, params, 4);
    for (const [group, record] of Object.entries(want)) {
      for (const [name, g] of Object.entries(record)) expect(maxAbsDiff(got[group]![name] as NDArray, g as NDArray), `${group}.${name}`).toBeLessThanOrEqual(1e-12);
    }
  });

  it("equals the approximation written out densely (full Jacobians, masked to their diagonals) for a layer of 3 units", () => {
    const net = new Network({ inputSize: 3, layers: [{ cell, hiddenSize: 3 }], outputSize: 2, loss: mse });
    const params = net.init(new PRNG(5));
    const got = gradients(new Ostl(net, { approximation: "diagonal" }), params, 6);
    const want = denseDiagonalApproximation(net, params, 6);
    for (const [name, g] of Object.entries(want)) {
      const scale = Math.max(1, core.max(core.abs(g as NDArray)).item());
      expect(maxAbsDiff(got.layer0![name] as NDArray, g as NDArray) / scale, name).toBeLessThanOrEqual(1e-12);
    }
    // and the approximation is not the exact gradient: the test can tell them apart
    const exact = gradients(new Bptt(net), params, 6);
    expect(Math.max(...Object.keys(want).map((name) => maxAbsDiff(exact.layer0![name] as NDArray, want[name] as NDArray)))).toBeGreaterThan(1e-6);
  });
});
