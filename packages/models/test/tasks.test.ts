import type { NDArray } from "@ostl/core";
import { describe, expect, it } from "vitest";
import { adding, addTask, checkDataset, copyTask, scoredSteps } from "@ostl/models";

const argmax = (v: NDArray) => v.toFlat().indexOf(Math.max(...v.toFlat()));

describe("copy (delayed recall)", () => {
  const data = copyTask({ symbols: 4, length: 3, delay: 2, examples: [20, 5, 5], seed: 7 });

  it("shows L symbols, blanks, a cue, and scores the recall of the symbols in order", () => {
    checkDataset(data);
    expect([data.inputSize, data.outputSize, data.loss]).toEqual([6, 4, "softmaxCrossEntropy"]);
    for (const ex of data.train) {
      expect(ex.inputs.length).toBe(2 * 3 + 2);
      const shown = ex.inputs.slice(0, 3).map(argmax);
      expect(shown.every((s) => s < 4)).toBe(true);
      expect(argmax(ex.inputs[3]!)).toBe(4); // blank
      expect(argmax(ex.inputs[4]!)).toBe(5); // cue
      ex.inputs.slice(5).forEach((x) => expect(argmax(x)).toBe(4));
      expect(ex.targets.slice(0, 5)).toEqual([null, null, null, null, null]);
      expect(ex.targets.slice(5).map((t) => argmax(t!))).toEqual(shown);
    }
    expect(scoredSteps(data.train)).toBe(60);
  });

  it("is determined by its seed, and each split by its own key", () => {
    const again = copyTask({ symbols: 4, length: 3, delay: 2, examples: [20, 5, 5], seed: 7 });
    const other = copyTask({ symbols: 4, length: 3, delay: 2, examples: [20, 5, 5], seed: 8 });
    const more = copyTask({ symbols: 4, length: 3, delay: 2, examples: [30, 5, 5], seed: 7 });
    const codes = (d: typeof data, s: "train" | "test") => d[s].map((ex) => ex.inputs.slice(0, 3).map(argmax).join("")).join(",");
    expect(codes(again, "train")).toBe(codes(data, "train"));
    expect(codes(other, "train")).not.toBe(codes(data, "train"));
    expect(codes(more, "test")).toBe(codes(data, "test"));
  });

  it("rejects bad sizes", () => {
    expect(() => copyTask({ delay: 0, seed: 0 })).toThrow("copy: option 'delay' must be an integer >= 1, got 0");
    expect(() => copyTask({ symbols: 1, seed: 0 })).toThrow("option 'symbols' must be an integer >= 2");
    expect(() => copyTask({ examples: [1, 0, 1], seed: 0 })).toThrow("option 'examples' must be [train, valid, test] positive integers, got [1,0,1]");
  });
});

describe("adding problem", () => {
  const data = adding({ length: 12, examples: [50, 5, 5], seed: 3 });

  it("marks one value in each half and scores their sum at the last step only", () => {
    checkDataset(data);
    for (const ex of data.train) {
      const markers = ex.inputs.map((x) => x.get(1));
      const marked = markers.flatMap((m, t) => (m === 1 ? [t] : []));
      expect(markers.every((m) => m === 0 || m === 1)).toBe(true);
      expect(marked.length).toBe(2);
      expect(marked[0]!).toBeLessThan(6);
      expect(marked[1]!).toBeGreaterThanOrEqual(6);
      ex.inputs.forEach((x) => expect(x.get(0) >= 0 && x.get(0) < 1).toBe(true));
      expect(ex.targets.slice(0, 11).every((t) => t === null)).toBe(true);
      expect(ex.targets[11]!.get(0)).toBe(ex.inputs[marked[0]!]!.get(0) + ex.inputs[marked[1]!]!.get(0));
    }
  });

  it("rejects a length below 2", () => {
    expect(() => adding({ length: 1, seed: 0 })).toThrow("adding: option 'length' must be an integer >= 2, got 1");
  });
});

describe("add task (Marschall et al.)", () => {
  it("has fair binary inputs and the target 0.5 + 0.5 x_{t-t1} - 0.25 x_{t-t2}, scored from t2 on", () => {
    const data = addTask({ length: 30, lags: [3, 7], examples: [40, 5, 5], seed: 2 });
    checkDataset(data);
    let ones = 0;
    for (const ex of data.train) {
      const x = ex.inputs.map((v) => v.get(0));
      expect(x.every((b) => b === 0 || b === 1)).toBe(true);
      ones += x.reduce((a, b) => a + b, 0);
      expect(ex.targets.slice(0, 7).every((t) => t === null)).toBe(true);
      for (let t = 7; t < 30; t++) expect(ex.targets[t]!.get(0)).toBe(0.5 + 0.5 * x[t - 3]! - 0.25 * x[t - 7]!);
    }
    // fair coins: 1200 flips, the share of ones within 4 standard deviations (0.058) of a half
    expect(Math.abs(ones / 1200 - 0.5)).toBeLessThan(0.058);
    expect(scoredSteps(data.train)).toBe(40 * 23);
  });

  it("defaults to the paper's lags 5 and 9 and length 40, and rejects lags that do not fit", () => {
    const data = addTask({ examples: [2, 1, 1], seed: 0 });
    expect(data.train[0]!.inputs.length).toBe(40);
    expect(data.train[0]!.targets.findIndex((t) => t !== null)).toBe(9);
    expect(() => addTask({ lags: [4, 4], seed: 0 })).toThrow("add: option 'lags[1]' must be an integer >= 5, got 4");
    expect(() => addTask({ length: 9, seed: 0 })).toThrow("add: option 'length' must be an integer >= 10, got 9");
  });
});
