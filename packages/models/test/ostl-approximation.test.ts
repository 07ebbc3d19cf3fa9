import { describe, expect, it } from "vitest";
import { maxAbsDiff, type NDArray, PRNG } from "@ostl/core";
import { Bptt, type Cell, type GradientAlgorithm, Network, type NetworkParams, Ostl } from "@ostl/ostl";
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
});
