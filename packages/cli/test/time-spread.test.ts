import { describe, expect, it } from "vitest";
import { compareGroup, formatTimeSpread, quantile, timeRounds, timeSpread } from "@ostl/cli";
import { PRNG } from "@ostl/core";
import { Bptt, Network, Ostl } from "@ostl/ostl";
import { mse, ssnu } from "@ostl/models";

describe("the statistics of repeated timings", () => {
  it("quantiles interpolate linearly between order statistics (definition 7), whatever the order of the values", () => {
    // sorted: 2, 4, 4, 5, 7, 9 (n = 6); h = 5p
    const values = [9, 4, 2, 7, 5, 4];
    expect(quantile(values, 0)).toBe(2);
    expect(quantile(values, 1)).toBe(9);
    // q1: h = 1.25, between x1 = 4 and x2 = 4
    expect(quantile(values, 0.25)).toBe(4);
    // median: h = 2.5, halfway from 4 to 5
    expect(quantile(values, 0.5)).toBe(4.5);
    // q3: h = 3.75, three quarters of the way from 5 to 7
    expect(quantile(values, 0.75)).toBe(6.5);
    expect(quantile([7], 0.25)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
    // the values given are left as they were
    expect(values).toEqual([9, 4, 2, 7, 5, 4]);
  });

  it("a time's spread: median and quartiles of the rounds, one spike moves neither", () => {
    // sorted: 0.4, 0.41, 0.42, 0.44, 0.5, 30 (n = 6): q1 at h = 1.25, the median at 2.5, q3 at 3.75
    const spread = timeSpread([0.42, 30, 0.4, 0.5, 0.41, 0.44]);
    expect(spread.rounds).toBe(6);
    expect(spread.q1).toBeCloseTo(0.4125, 12);
    expect(spread.median).toBeCloseTo(0.43, 12);
    expect(spread.q3).toBeCloseTo(0.485, 12);
    expect(timeSpread([2, 1, 3])).toEqual({ median: 2, q1: 1.5, q3: 2.5, rounds: 3 });
    expect(formatTimeSpread(timeSpread([2, 1, 3]))).toBe("2.000 (1.500–2.500)");
  });

  it("times the algorithms round by round, taking turns in alternating order, each pass from a reset, with the first pass's gradients", () => {
    const net = new Network({ inputSize: 2, layers: [{ cell: ssnu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
    const rng = new PRNG(0);
    const params = net.init(rng.split());
    const xs = [rng.uniform([2], 0, 1.5), rng.uniform([2], 0, 1.5), rng.uniform([2], 0, 1.5)];
    const targets = xs.map(() => rng.normal([1]));
    const calls: string[] = [];
    class RecordedBptt extends Bptt {
      override begin(p: Parameters<Bptt["begin"]>[0]): void {
        calls.push("b");
        super.begin(p);
      }
      override reset(): void {
        calls.push("r");
        super.reset();
      }
    }
    class RecordedOstl extends Ostl {
      override begin(p: Parameters<Ostl["begin"]>[0]): void {
        calls.push("o");
        super.begin(p);
      }
    }
    const [bptt, ostl] = timeRounds([new RecordedBptt(net), new RecordedOstl(net)].map((algorithm) => ({ algorithm, params, xs, targets })), 4);
    // the untimed first passes, then rounds of both: BPTT first, then OSTL first, ...
    expect(calls.join(" ")).toBe("b o r b o o r b r b o o r b");
    expect(bptt!.msPerStep.rounds).toBe(4);
    expect(ostl!.msPerStep.rounds).toBe(4);
    for (const { msPerStep } of [bptt!, ostl!]) {
      expect(msPerStep.q1).toBeGreaterThan(0);
      expect(msPerStep.q1).toBeLessThanOrEqual(msPerStep.median);
      expect(msPerStep.median).toBeLessThanOrEqual(msPerStep.q3);
    }
    expect(compareGroup(ostl!.grads, bptt!.grads, "layer0").relError).toBeLessThan(1e-12);
  });
});
