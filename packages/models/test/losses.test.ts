import { grad, type Tensor } from "@ostl/autodiff";
import { tensor } from "@ostl/core";
import type { Loss } from "@ostl/ostl";
import { describe, expect, it } from "vitest";
import { lossByName, losses, mse, sigmoidCrossEntropy, softmaxCrossEntropy } from "@ostl/models";
import { flat } from "./helpers.js";

// "+ 0" turns -0 into 0
const value = (loss: Loss, y: number[] | number[][], t: number[] | number[][]) => flat(loss(tensor(y), tensor(t)))[0]! + 0;
const gradient = (loss: Loss, y: number[], t: number[]) => flat(grad((v: Tensor) => loss(v, tensor(t)))(tensor(y)));

describe("mse", () => {
  it("is half the squared distance, summed over entries and the batch axis", () => {
    expect(value(mse, [1, 2], [0.5, -1])).toBe(0.5 * (0.25 + 9));
    expect(value(mse, [[1, 2], [0, 0]], [[0.5, -1], [1, 1]])).toBe(0.5 * (0.25 + 9 + 1 + 1));
    expect(mse(tensor([1, 2]), tensor([0, 0])).shape).toEqual([]);
  });
});

describe("softmaxCrossEntropy", () => {
  it("is -log softmax(y)[target]", () => {
    expect(value(softmaxCrossEntropy, [1, 2, 3], [0, 0, 1])).toBeCloseTo(-(3 - Math.log(Math.E + Math.E ** 2 + Math.E ** 3)), 14);
    expect(value(softmaxCrossEntropy, [[0, 0], [1, 2]], [[1, 0], [1, 0]])).toBeCloseTo(Math.log(2) + Math.log(1 + Math.E), 14);
  });

  it("is stable for large logits, and its gradient is softmax(y) - t", () => {
    expect(value(softmaxCrossEntropy, [1000, 0], [0, 1])).toBe(1000);
    // log 2 = 1000 - logSumExp([1000, 1000]): the subtraction keeps about 13 digits (the ulp of 1000 is 1e-13)
    expect(value(softmaxCrossEntropy, [1000, 1000], [1, 0])).toBeCloseTo(Math.log(2), 12);
    expect(value(softmaxCrossEntropy, [-1000, 0], [0, 1])).toBe(0);
    expect(gradient(softmaxCrossEntropy, [1000, 0], [0, 1])).toEqual([1, -1]);
    const [g0, g1] = gradient(softmaxCrossEntropy, [0, Math.log(3)], [1, 0]);
    expect(g0).toBeCloseTo(0.25 - 1, 14);
    expect(g1).toBeCloseTo(0.75, 14);
  });
});

describe("sigmoidCrossEntropy", () => {
  it("is -t log σ(y) - (1 - t) log(1 - σ(y)), summed over keys", () => {
    const s = 1 / (1 + Math.exp(-0.5));
    expect(value(sigmoidCrossEntropy, [0.5, 0.5], [1, 0])).toBeCloseTo(-Math.log(s) - Math.log(1 - s), 14);
    expect(value(sigmoidCrossEntropy, [0.5, -2], [0.25, 1])).toBeCloseTo(-0.25 * Math.log(s) - 0.75 * Math.log(1 - s) + Math.log(1 + Math.exp(2)), 14);
  });

  it("is stable for large logits, and its gradient is σ(y) - t", () => {
    expect(value(sigmoidCrossEntropy, [1000, -1000], [1, 0])).toBe(0);
    expect(value(sigmoidCrossEntropy, [1000, -1000], [0, 1])).toBe(2000);
    expect(gradient(sigmoidCrossEntropy, [1000, -1000, 0], [0, 0, 1])).toEqual([1, 0, -0.5]);
  });
});

describe("shapes and names", () => {
  it.each(Object.entries(losses))("%s rejects logits and targets of different shapes", (name, loss) => {
    expect(() => loss(tensor([1, 2]), tensor([[1, 2]]))).toThrow(`${name}: logits of shape [2] and target of shape [1,2] must have the same shape`);
  });

  it("lossByName finds the built-in losses and lists them for an unknown name", () => {
    expect(lossByName("mse")).toBe(mse);
    expect(lossByName("softmaxCrossEntropy")).toBe(softmaxCrossEntropy);
    expect(lossByName("sigmoidCrossEntropy")).toBe(sigmoidCrossEntropy);
    expect(() => lossByName("hinge")).toThrow("lossByName: unknown loss 'hinge' (known: mse, softmaxCrossEntropy, sigmoidCrossEntropy)");
  });
});
