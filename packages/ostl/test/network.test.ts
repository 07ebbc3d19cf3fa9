import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { type Tensor, ValueReadError, vjp } from "@ostl/autodiff";
import { DeferredOuterSum, Network, Ostl, outerSumUpdate, readoutSignalOf, StepPrograms, WasmOuterSum } from "@ostl/ostl";
import { mse, spiking } from "./cells.js";

describe("DeferredOuterSum", () => {
  it("adds Σ_t w_t u_tᵀ in blocks, read at any step, with the JavaScript and the WebAssembly kernels alike", () => {
    const rng = new core.PRNG(4);
    for (const [n, m] of [[40, 41], [2, 3]] as const) {
      const blocked = new DeferredOuterSum(n, m);
      const plain = new DeferredOuterSum(n, m, "float32");
      const expected = new Float64Array(n * m);
      for (let t = 0; t < 19; t++) {
        const [w, u] = [rng.normal([n]).data, rng.normal([m]).data];
        blocked.push(w, u);
        plain.push(w, u);
        for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) expected[i * m + k]! += w[i]! * u[k]!;
        if (t === 5 || t === 18) {
          expect(core.maxAbsDiff(core.fromTyped(blocked.values(), [n * m]), core.fromTyped(expected.slice(), [n * m]))).toBeLessThan(1e-12);
          expect(core.maxAbsDiff(core.fromTyped(new Float64Array(plain.values()), [n * m]), core.fromTyped(expected.slice(), [n * m]))).toBeLessThan(1e-4);
        }
      }
      expect(blocked.blockSteps).toBe(n === 40 ? 8 : 1);
      blocked.clear();
      expect(blocked.values().every((v) => v === 0)).toBe(true);
    }
    expect(() => new DeferredOuterSum(2, 3).push([1], [1, 2, 3])).toThrow("DeferredOuterSum.push: needs a weight of 2 rows and an input of 3 columns, got 1 and 3");
  });

  it("the JavaScript block kernel and the WebAssembly one agree bit for bit, and skipping column pairs no input reaches changes no value", () => {
    const rng = new core.PRNG(5);
    for (const share of [1, 0.05]) {
      for (const [n, m] of [[3, 8], [4, 7], [1, 1], [5, 88]] as const) {
        const wasm = WasmOuterSum.create(n, m)!;
        // a binary input with 1 in about 5 % of its entries (a piano roll) leaves most column pairs quiet
        const u = share === 1 ? rng.normal([8 * m]).data : Float64Array.from(rng.uniform([8 * m]).data, (v) => (v < share ? 1 : 0));
        const [w, g] = [rng.normal([8 * n]).data, rng.normal([n * m]).data];
        wasm.weights.set(w);
        wasm.input.set(u);
        wasm.sum.set(g);
        wasm.run();
        const js = new Float64Array(g);
        outerSumUpdate(n, m, 8, w, u, js);
        // the same numbers (a skipped pair would differ at most in the sign of a zero sum, and these are not zero)
        expect([...wasm.sum].map(String)).toEqual([...js].map(String));
      }
    }
  });
});

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
      const [gy, , gb] = pullback(core.ones([])) as core.NDArray[];
      const compiled = StepPrograms.of(network).readoutSignal(readout, y, target);
      expect(Math.abs(compiled.loss.item() - (loss as core.NDArray).item())).toBeLessThan(1e-14);
      expect(core.maxAbsDiff(compiled.signal, gy!)).toBeLessThan(1e-14);
      // ∂E/∂b_ro is ∂E/∂logits itself
      expect(core.maxAbsDiff(compiled.logitsCotangent, gb!)).toBeLessThan(1e-14);
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
