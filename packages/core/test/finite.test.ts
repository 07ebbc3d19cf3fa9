import { describe, expect, it } from "vitest";
import * as fc from "fast-check";
import { firstNonFinite } from "@ostl/core";

describe("firstNonFinite", () => {
  it("finds the first NaN or infinite entry as a scan does, anywhere in arrays of any size", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ noNaN: true, min: -1e308, max: 1e308 }), fc.constantFrom(NaN, Infinity, -Infinity, 0, -0)), { maxLength: 40 }), (values) => {
        const expected = values.findIndex((v) => !Number.isFinite(v));
        expect(firstNonFinite(new Float64Array(values))).toBe(expected);
        expect(firstNonFinite(new Float32Array(values))).toBe(new Float32Array(values).findIndex((v) => !Number.isFinite(v)));
      }),
      { numRuns: 300, seed: 20261208 },
    );
  });
});

describe("firstNonFinite on long float64 arrays (the SIMD probe)", () => {
  it("finds one NaN or infinite entry anywhere, in arrays of odd and even sizes, after longer arrays", () => {
    fc.assert(
      fc.property(fc.integer({ min: 256, max: 3000 }), fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity, null), fc.double({ min: -1e308, max: 1e308, noNaN: true }), (n, at, bad, fill) => {
        const values = new Float64Array(n).fill(fill);
        const index = at % n;
        if (bad !== null) values[index] = bad;
        expect(firstNonFinite(values)).toBe(bad === null ? -1 : index);
      }),
      { numRuns: 300, seed: 20261209 },
    );
  });

  it("answers for a shorter array after a longer one with NaNs past its end", () => {
    const long = new Float64Array(1000).fill(NaN);
    expect(firstNonFinite(long)).toBe(0);
    for (const n of [257, 263, 999]) expect(firstNonFinite(new Float64Array(n))).toBe(-1);
  });
});
