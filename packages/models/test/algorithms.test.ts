import { add, grad, type Tensor } from "@ostl/autodiff";
import { maxAbsDiff, type NDArray, PRNG } from "@ostl/core";
import { Bptt, type Cell, type GradientAlgorithm, Network, type NetworkParams, Ostl, Rtrl } from "@ostl/ostl";
import { describe, expect, it } from "vitest";
import { gru, lstm, mse, rnn, snu, ssnu } from "@ostl/models";

const variants: [string, Cell][] = [
  ["rnn", rnn()],
  ["lstm", lstm()],
  ["gru (reset-after)", gru()],
  ["gru (reset-before)", gru({ variant: "reset-before" })],
  ["snu", snu()],
  ["snu (recurrent, relu)", snu({ recurrent: true, activation: "relu" })],
  ["ssnu", ssnu()],
  ["ssnu (leakyRelu, trainable decay)", ssnu({ activation: "leakyRelu", trainableDecay: true })],
  ["ssnu (recurrent)", ssnu({ recurrent: true })],
];

/** The gradient of the summed loss by reverse mode straight through the unrolled sequence. */
function directGradient(net: Network, params: NetworkParams, xs: NDArray[], targets: NDArray[]): NetworkParams {
  return grad((p: NetworkParams) => {
    let state = net.initialState();
    let loss: Tensor | null = null;
    xs.forEach((x, t) => {
      const out = net.step(p, state, x);
      state = out.state;
      const lt = net.spec.loss(out.logits, targets[t]!);
      loss = loss === null ? lt : add(loss, lt);
    });
    return loss!;
  })(params) as NetworkParams;
}

describe.each(variants)("%s in a one-layer network", (_name, cell) => {
  it("BPTT, RTRL and OSTL all give the gradient of the unrolled sequence", () => {
    const net = new Network({ inputSize: 3, layers: [{ cell, hiddenSize: 4 }], outputSize: 2, loss: mse });
    const params = net.init(new PRNG(0));
    const rng = new PRNG(1);
    const xs = Array.from({ length: 8 }, () => rng.normal([3], 0, 2));
    const targets = Array.from({ length: 8 }, () => rng.normal([2]));
    const want = directGradient(net, params, xs, targets);
    const algorithms: GradientAlgorithm[] = [new Bptt(net), new Rtrl(net), new Ostl(net)];
    for (const algo of algorithms) {
      algo.begin(params);
      algo.feed(xs, targets);
      const got = algo.gradients();
      for (const [group, record] of Object.entries(want)) {
        for (const [name, g] of Object.entries(record)) {
          expect(maxAbsDiff(got[group]![name] as NDArray, g as NDArray), `${algo.name}: ${group}.${name}`).toBeLessThanOrEqual(1e-12);
        }
      }
    }
  });
});
