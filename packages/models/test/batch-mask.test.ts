import { type NDArray, PRNG, tensor, ValueError } from "@ostl/core";
import { grad, jit, type Tensor } from "@ostl/autodiff";
import { Bptt, type GradientAlgorithm, Network, type NetworkParams, Ostl } from "@ostl/ostl";
import { describe, expect, it } from "vitest";
import { batchExamples, MASKED, maskedLoss, maskedTarget, mse, type SequenceExample, sigmoidCrossEntropy, softmaxCrossEntropy, ssnu, withMaskedLoss } from "@ostl/models";
import { relativeError } from "./helpers.js";

const item = (x: unknown) => (x as NDArray).item();

describe("maskedLoss", () => {
  it("counts only the rows that are not masked, for every built-in loss", () => {
    const y = new PRNG(0).normal([4, 3]);
    const t = tensor([[1, 0, 0], [MASKED, MASKED, MASKED], [0, 1, 0], [MASKED, MASKED, MASKED]]);
    for (const loss of [mse, softmaxCrossEntropy, sigmoidCrossEntropy]) {
      const row = (x: NDArray, b: number) => tensor((x.toNested() as number[][])[b]!);
      const rows = [0, 2].map((b) => item(loss(row(y, b), row(t, b))));
      expect(item(maskedLoss(loss)(y, t))).toBeCloseTo(rows[0]! + rows[1]!, 13);
    }
  });

  it("gives masked rows zero gradient and a fully masked step zero loss", () => {
    const t = tensor([[1, 0], [MASKED, MASKED]]);
    const g = grad((y: Tensor) => maskedLoss(mse)(y, t))(tensor([[3, 4], [5, 6]])) as NDArray;
    expect(g.toNested()).toEqual([[2, 4], [0, 0]]);
    expect(item(maskedLoss(mse)(tensor([1, 2]), maskedTarget(2)))).toBe(0);
    const g1 = grad((y: Tensor) => maskedLoss(mse)(y, maskedTarget(2)))(tensor([1, 2])) as NDArray;
    expect(g1.toFlat()).toEqual([0, 0]);
  });

  it("compiles: inside jit (a traced target, masks not readable) it gives the concrete path's loss and gradients", () => {
    const y2 = new PRNG(1).normal([4, 3]);
    const mixed = tensor([[1, 0, 0], [MASKED, MASKED, MASKED], [0, 1, 0], [MASKED, MASKED, MASKED]]);
    const cases: [NDArray, NDArray][] = [
      [y2, mixed],
      [y2, tensor([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 1, 0]])],
      [new PRNG(2).normal([3]), tensor([1, 0, 1])],
      [new PRNG(2).normal([3]), maskedTarget(3)],
    ];
    for (const loss of [mse, softmaxCrossEntropy, sigmoidCrossEntropy]) {
      const valueAndGradient = (y: Tensor, t: Tensor) => ({ value: maskedLoss(loss)(y, t), gradient: grad((yy: Tensor) => maskedLoss(loss)(yy, t))(y) });
      const compiled = jit(valueAndGradient);
      for (const [y, t] of cases) {
        const want = valueAndGradient(y, t);
        const got = compiled(y, t);
        expect(item(got.value)).toBeCloseTo(item(want.value), 13);
        expect(Math.max(...(got.gradient as NDArray).toFlat().map((g, i) => Math.abs(g - (want.gradient as NDArray).toFlat()[i]!)))).toBeLessThanOrEqual(1e-14);
      }
      expect(compiled.traces).toBe(2);
    }
  });

  it("is the plain loss when nothing is masked", () => {
    const y = tensor([[0.5, -1]]);
    const t = tensor([[1, 0]]);
    expect(item(maskedLoss(sigmoidCrossEntropy)(y, t))).toBe(item(sigmoidCrossEntropy(y, t)));
  });
});

const ex = (xs: number[], ts: (number | null)[]): SequenceExample => ({ inputs: xs.map((v) => tensor([v, 1 - v])), targets: ts.map((v) => (v === null ? null : tensor([v]))) });

describe("batchExamples", () => {
  it("pads to the longest example, masks padding and unscored steps, and counts the scored rows", () => {
    const batch = batchExamples([ex([1, 2, 3], [null, 0.5, 1]), ex([4], [2]), ex([5, 6], [1, 1])]);
    expect(batch.size).toBe(3);
    expect(batch.inputs.map((x) => x.shape)).toEqual([[3, 2], [3, 2], [3, 2]]);
    expect(batch.inputs[1]!.toNested()).toEqual([[2, -1], [0, 0], [6, -5]]);
    expect(batch.targets[1]!.toNested()).toEqual([[0.5], [MASKED], [1]]);
    expect(batch.targets[0]!.toNested()).toEqual([[MASKED], [2], [1]]);
    expect(batch.mask.toNested()).toEqual([[0, 1, 1], [1, 0, 1], [1, 0, 0]]);
    expect(batch.counts).toEqual([2, 2, 1]);
  });

  it("gives one example unbatched steps with masked targets for unscored steps", () => {
    const batch = batchExamples([ex([1, 2], [null, 3])]);
    expect(batch.inputs[0]!.shape).toEqual([2]);
    expect(batch.targets[0]!.toFlat()).toEqual([MASKED]);
    expect(batch.counts).toEqual([0, 1]);
  });

  it("rejects an empty batch, an example without steps and rows of different sizes", () => {
    expect(() => batchExamples([])).toThrow(ValueError);
    expect(() => batchExamples([{ inputs: [], targets: [] }])).toThrow("batchExamples: example 0 has no steps");
    const odd: SequenceExample = { inputs: [tensor([1, 2, 3])], targets: [tensor([1])] };
    expect(() => batchExamples([ex([1], [1]), odd])).toThrow("example 1 has a row of 3 entries, expected 2");
  });
});

describe("a padded batch trains like its sequences one by one", () => {
  const net = new Network({ inputSize: 2, layers: [{ cell: ssnu({ decay: 0.7 }), hiddenSize: 5 }], outputSize: 1, loss: mse });
  const params = net.init(new PRNG(4));
  const rng = new PRNG(5);
  const make = (T: number, scored: (t: number) => boolean) => ex(Array.from({ length: T }, () => rng.next()), Array.from({ length: T }, (_, t) => (scored(t) ? rng.next() : null)));
  const examples = [make(7, () => true), make(3, () => true), make(5, (t) => t === 4)];

  const run = (algo: GradientAlgorithm, batch: readonly SequenceExample[]) => {
    const b = batchExamples(batch);
    algo.begin(params);
    const loss = algo.feed(b.inputs, b.targets);
    return { loss, grads: algo.gradients() };
  };
  const flat = (g: NetworkParams) => Object.keys(g).sort().flatMap((k) => Object.keys(g[k]!).sort().flatMap((n) => (g[k]![n] as NDArray).toFlat()));

  it.each([
    ["bptt", () => new Bptt(withMaskedLoss(net))],
    ["ostl", () => new Ostl(withMaskedLoss(net))],
  ] as const)("%s: loss and gradients of the batch are the sums over the examples", (_name, make) => {
    const whole = run(make(), examples);
    const parts = examples.map((e) => run(make(), [e]));
    expect(whole.loss).toBeCloseTo(parts.reduce((s, p) => s + p.loss, 0), 12);
    const summed = parts.map((p) => flat(p.grads)).reduce((a, b) => a.map((v, i) => v + b[i]!));
    expect(relativeError(flat(whole.grads), summed)).toBeLessThan(1e-12);
  });
});
