import { describe, expect, it } from "vitest";
import { ostlOverRtrl, pairedRatio } from "@ostl/cli";
import { lstm } from "@ostl/models";

describe("paired rounds", () => {
  it("runs the warm-up pairs untimed, then alternates the order within pairs", () => {
    const calls: string[] = [];
    pairedRatio(() => (calls.push("m"), 1), () => (calls.push("b"), 1), 4, 2);
    expect(calls.join("")).toBe("bmbm" + "bm" + "mb" + "bm" + "mb");
  });

  it("the ratio is the median of the pairs' ratios, the times the medians of the rounds", () => {
    // pairs (measured, baseline): (2, 1), (9, 3), (4, 8): ratios 2, 3, 0.5
    const measured = [2, 9, 4];
    const baseline = [1, 3, 8];
    const r = pairedRatio(() => measured.shift()!, () => baseline.shift()!, 3, 0);
    expect(r).toEqual({ measuredMs: 4, baselineMs: 3, ratio: 2 });
    // the ratio of the medians would be 4 / 3
    expect(r.ratio).not.toBe(r.measuredMs / r.baselineMs);
  });

  it("ostlOverRtrl times both algorithms on one LSTM layer", () => {
    const r = ostlOverRtrl(lstm(), 3, 2, 3, 2);
    expect(r.ostlMs).toBeGreaterThan(0);
    expect(r.rtrlMs).toBeGreaterThan(0);
    expect(Number.isFinite(r.ratio)).toBe(true);
  });
});
