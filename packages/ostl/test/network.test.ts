import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { type Tensor, vjp } from "@ostl/autodiff";
import { Network } from "@ostl/ostl";
import { mse, spiking } from "./cells.js";

describe("Network.readoutPullback", () => {
  for (const outputs of [3, 6, 8]) {
    it(`equals the reverse pass through the readout (${outputs} outputs) and adds into the gradient`, () => {
      const network = new Network({ inputSize: 4, layers: [{ cell: spiking, hiddenSize: 7 }], outputSize: outputs, loss: mse });
      const rng = new core.PRNG(outputs);
      const initial = network.init(rng.split());
      // a nonzero bias, so that the check covers it
      const params = { ...initial, readout: { W: initial.readout!.W!, b: rng.normal([outputs]) } };
      const y = rng.normal([7]);
      const ct = rng.normal([outputs]);
      const [, pullback] = vjp((yy: Tensor, W: Tensor, b: Tensor) => network.readout({ readout: { W, b } }, yy), y, params.readout!.W!, params.readout!.b!);
      const [gy, gW, gb] = pullback(ct) as core.NDArray[];
      const start = { W: rng.normal([outputs, 7]), b: rng.normal([outputs]) };
      const grads = { W: core.copy(start.W), b: core.copy(start.b) };
      const signal = network.readoutPullback(params, y, ct, grads);
      expect(core.maxAbsDiff(signal, gy!)).toBeLessThan(1e-14);
      expect(core.maxAbsDiff(grads.W, core.add(start.W, gW!))).toBeLessThan(1e-14);
      expect(core.maxAbsDiff(grads.b, core.add(start.b, gb!))).toBeLessThan(1e-14);
    });
  }

  it("names the shapes it needs", () => {
    const network = new Network({ inputSize: 4, layers: [{ cell: spiking, hiddenSize: 7 }], outputSize: 3, loss: mse });
    const params = network.init(new core.PRNG(0));
    const grads = { W: core.zeros([3, 7]), b: core.zeros([3]) };
    expect(() => network.readoutPullback(params, core.zeros([2, 7]), core.zeros([3]), grads)).toThrow("readoutPullback: needs y [7] and a logits cotangent [3], got y [2,7] and [3]");
    expect(() => network.readoutPullback(params, core.zeros([7]), core.zeros([3]), { W: core.zeros([3, 6]), b: grads.b })).toThrow(
      "readoutPullback: grads must be dense arrays of W's and b's sizes (21 and 3), got 18 and 3",
    );
  });
});
