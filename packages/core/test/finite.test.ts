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
