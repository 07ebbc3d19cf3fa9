import { describe, expect, it } from "vitest";
import * as fc from "fast-check";
import { PRNG, sigmoidScalar, softplusScalar, WasmLogistic } from "@ostl/core";

describe("WasmLogistic", () => {
  const kernels = WasmLogistic.create()!;
  /** Whether a kernel's values equal the scalar function's bit for bit, written at an offset without touching the entries around them. */
  const same = (kernel: "sigmoid" | "softplus", x: Float64Array) => {
    const scalar = kernel === "sigmoid" ? sigmoidScalar : softplusScalar;
    const out = new Float64Array(x.length + 3).fill(7);
    kernels[kernel](x, 0, out, 1, x.length);
    expect([out[0], out[x.length + 1]]).toEqual([7, 7]);
    const wrong = [...out.subarray(1, x.length + 1)].findIndex((v, i) => !Object.is(v, scalar(x[i]!)));
    return wrong < 0 ? true : `${kernel}(${x[wrong]}) = ${out[wrong + 1]}, not ${scalar(x[wrong]!)}`;
  };

  it("runs here (WebAssembly SIMD in Node 20)", () => {
    expect(kernels).not.toBeNull();
  });

  it("equals sigmoidScalar and softplusScalar bit for bit at the edges of each branch of fdlibm's exp and log1p", () => {
    // exp(-|x|): 0 and -0, 2^-28 (1 + a), 0.5 ln 2 and 1.5 ln 2 (the reductions), the underflow threshold, huge, infinite and NaN arguments
    const exp = [0, -0, 1e-300, -1e-300, 2 ** -28, -(2 ** -28), 2 ** -29, 0.3465735912322998, -0.3465735912322998, 0.34657359123229974, 0.3466, 1.0397207708399179, -1.04, 1.04];
    const far = [708.5, -708.5, 745.13, -745.13, -745.14, 745.2, -745.2, -800, 800, 1e308, -1e308, Infinity, -Infinity, NaN, 5e-324, -5e-324];
    // log1p(e): e at 2^-29 and 2^-54, at 0.41422 (high word 0x3fda827a), at sqrt(2) - 1 (u's high word 0x3ff6a09e), within 2^-18 below 1, and 1
    const log1pAt = [2 ** -29, 2 ** -54, 0.41421353816986084, 0.4142135381698609, 0.41421318054199219, 0.4142131805419923, 0.41421356237309503, 0.9999971389770508, 0.99999713897705, 1 - 2 ** -53, 0.999999, 1];
    const edges = new Float64Array([...exp, ...far, ...log1pAt.flatMap((e) => [-Math.log(e), Math.log(e)])]);
    expect(same("sigmoid", edges)).toBe(true);
    expect(same("softplus", edges)).toBe(true);
  });

  it("equals sigmoidScalar and softplusScalar bit for bit on random arguments of every scale, at any length", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: -12, max: 3 }), fc.integer({ min: 0, max: 1000 }), (n, power, seed) => {
        const x = new Float64Array(new PRNG(seed).normal([n]).data).map((v) => v * 10 ** power);
        expect(same("sigmoid", x)).toBe(true);
        expect(same("softplus", x)).toBe(true);
      }),
      { numRuns: 300, seed: 20261209 },
    );
  });

  it("equals softplusScalar bit for bit where exp(-|x|) falls anywhere in (0, 1], every branch of log1p", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 1000 }), (n, seed) => {
        // x = ±log(1/e) for e uniform in (0, 1): e below and above 0.41422, near 1, near 0
        const e = new PRNG(seed).uniform([n], 0, 1).data;
        const x = Float64Array.from(e, (v, i) => (i % 2 === 0 ? 1 : -1) * -Math.log(v));
        expect(same("softplus", x)).toBe(true);
      }),
      { numRuns: 200, seed: 20261210 },
    );
  });
});
