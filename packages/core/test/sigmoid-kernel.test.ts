import { describe, expect, it } from "vitest";
import * as fc from "fast-check";
import { PRNG, sigmoidScalar, WasmSigmoid } from "@ostl/core";

describe("WasmSigmoid", () => {
  const kernel = WasmSigmoid.create()!;
  /** Whether the kernel's values equal sigmoidScalar's bit for bit, written at an offset without touching the entries around them. */
  const same = (x: Float64Array) => {
    const out = new Float64Array(x.length + 3).fill(7);
    kernel.run(x, 0, out, 1, x.length);
    expect([out[0], out[x.length + 1]]).toEqual([7, 7]);
    return [...out.subarray(1, x.length + 1)].every((v, i) => Object.is(v, sigmoidScalar(x[i]!)));
  };

  it("runs here (WebAssembly SIMD in Node 20)", () => {
    expect(kernel).not.toBeNull();
  });

  it("equals sigmoidScalar bit for bit at the edges of each branch of fdlibm's exp", () => {
    // 0 and -0, 2^-28 (1 + a), 0.5 ln 2 and 1.5 ln 2 (the reductions), the underflow threshold, overflow-sized, infinite and NaN arguments
    const edges = [0, -0, 1e-300, -1e-300, 2 ** -28, -(2 ** -28), 2 ** -29, 0.3465735912322998, -0.3465735912322998, 0.34657359123229974, 0.3466, 1.0397207708399179, -1.04, 1.04];
    const far = [708.5, -708.5, 745.13, -745.13, -745.14, 745.2, -745.2, -800, 800, 1e308, -1e308, Infinity, -Infinity, NaN, 5e-324, -5e-324];
    expect(same(new Float64Array([...edges, ...far]))).toBe(true);
  });

  it("equals sigmoidScalar bit for bit on random arguments of every scale, at any length", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: -12, max: 3 }), fc.integer({ min: 0, max: 1000 }), (n, power, seed) => {
        const x = new Float64Array(new PRNG(seed).normal([n]).data).map((v) => v * 10 ** power);
        expect(same(x)).toBe(true);
      }),
      { numRuns: 200, seed: 20261209 },
    );
  });
});
