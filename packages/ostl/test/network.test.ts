import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { type Tensor, ValueReadError, vjp } from "@ostl/autodiff";
import { Network, Ostl, readoutSignalOf, StepPrograms } from "@ostl/ostl";
import { mse, spiking } from "./cells.js";

describe("StepPrograms.readoutSignal", () => {
  for (const outputs of [3, 6, 8]) {
    it(`equals the reverse pass through the readout and the loss, interpreted (${outputs} outputs)`, () => {
      const network = new Network({ inputSize: 4, layers: [{ cell: spiking, hiddenSize: 7 }], outputSize: outputs, loss: mse });
      const rng = new core.PRNG(outputs);
      const initial = network.init(rng.split());
      // a nonzero bias, so that the check covers it
      const readout = { W: initial.readout!.W!, b: rng.normal([outputs]) };
      const y = rng.normal([7]);
      const target = rng.normal([outputs]);
      const [loss, pullback] = vjp((yy: Tensor, W: Tensor, b: Tensor) => mse(network.readout({ readout: { W, b } }, yy), target), y, readout.W, readout.b);
      const [gy, gW, gb] = pullback(core.ones([])) as core.NDArray[];
      const compiled = StepPrograms.of(network).readoutSignal(readout, y, target);
      expect(Math.abs(compiled.loss.item() - (loss as core.NDArray).item())).toBeLessThan(1e-14);
      expect(core.maxAbsDiff(compiled.signal, gy!)).toBeLessThan(1e-14);
      expect(core.maxAbsDiff(compiled.readout.W as core.NDArray, gW!)).toBeLessThan(1e-14);
      expect(core.maxAbsDiff(compiled.readout.b as core.NDArray, gb!)).toBeLessThan(1e-14);
      const interpreted = readoutSignalOf(network, readout, y, target);
      expect(core.maxAbsDiff(interpreted.signal, gy!)).toBeLessThan(1e-14);
    });
  }

  it("OSTL runs a loss that reads its arguments' values interpreted, with the same gradients", () => {
    // the same squared error, written with a branch on a value: jit refuses it (ValueReadError)
    const branching = (logits: Tensor, target: Tensor) => (core.zeros([]).item() === 0 ? mse(logits, target) : mse(target, logits));
    const reading = (logits: Tensor, target: Tensor) => ((logits as { toNested(): unknown }).toNested(), mse(logits, target));
    const make = (loss: typeof mse) => new Network({ inputSize: 4, layers: [{ cell: spiking, hiddenSize: 5 }], outputSize: 3, loss });
    const rng = new core.PRNG(9);
    const params = make(mse).init(rng.split());
    const xs = Array.from({ length: 4 }, () => rng.normal([4]));
    const targets = Array.from({ length: 4 }, () => rng.normal([3]));
    const run = (loss: typeof mse) => {
      const ostl = new Ostl(make(loss));
      ostl.begin(params);
      xs.forEach((x, t) => ostl.step(x, targets[t]!));
      return ostl.gradients();
    };
    expect(() => StepPrograms.of(make(reading)).readoutSignal(params.readout!, rng.normal([5]), targets[0]!)).toThrow(ValueReadError);
    const expected = run(branching);
    const got = run(reading);
    for (const [layer, fields] of Object.entries(expected)) {
      for (const [name, g] of Object.entries(fields)) expect(core.maxAbsDiff(got[layer]![name] as core.NDArray, g as core.NDArray)).toBeLessThan(1e-14);
    }
  });
});
