import { describe, expect, it } from "vitest";
import * as fc from "fast-check";
import * as core from "@ostl/core";
import { grad, jit, sum, type Tensor } from "@ostl/autodiff";
import { countBuffers } from "./count-buffers.js";
import { buildProgram, programArb } from "./random-programs.js";

/** max |a - b| over max(1, max |b|): a relative error that does not blow up near zero entries. */
function relativeError(a: core.NDArray, b: core.NDArray): number {
  const scale = Math.max(1, ...b.toFlat().map(Math.abs));
  return core.maxAbsDiff(a, b) / scale;
}

describe("jit on random programs", () => {
  it("jit(f) equals f to 1e-12", () => {
    fc.assert(
      fc.property(programArb, (program) => {
        const { f, args } = buildProgram(program);
        const compiled = jit(f);
        expect(relativeError(compiled(...args) as core.NDArray, f(...args) as core.NDArray)).toBeLessThanOrEqual(1e-12);
      }),
      { numRuns: 60, seed: 20261201 },
    );
  });

  it("after the first call, jit(f) and jit(grad(f)) allocate only their outputs", () => {
    fc.assert(
      fc.property(programArb, (program) => {
        const { f, args } = buildProgram(program);
        const argnums = args.map((_, i) => i);
        const compiled = jit(f);
        const compiledGrad = jit(grad((...xs: Tensor[]) => sum(f(...xs)), { argnums }));
        compiled(...args);
        compiledGrad(...args);
        expect(countBuffers(() => void compiled(...args))).toBe(1);
        expect(countBuffers(() => void compiledGrad(...args))).toBe(args.length);
      }),
      { numRuns: 60, seed: 20261203 },
    );
  });

  it("jit(grad(f)) equals grad(f) to 1e-12", () => {
    fc.assert(
      fc.property(programArb, (program) => {
        const { f, args } = buildProgram(program);
        const loss = (...xs: Tensor[]) => sum(f(...xs));
        const argnums = args.map((_, i) => i);
        const interpreted = grad(loss, { argnums })(...args) as core.NDArray[];
        const compiled = jit(grad(loss, { argnums }))(...args) as core.NDArray[];
        compiled.forEach((g, i) => expect(relativeError(g, interpreted[i]!)).toBeLessThanOrEqual(1e-12));
      }),
      { numRuns: 60, seed: 20261202 },
    );
  });
});
