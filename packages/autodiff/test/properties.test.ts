import { describe, it } from "vitest";
import * as fc from "fast-check";
import { checkGrads } from "@ostl/autodiff/testing";
import { buildProgram, programArb } from "./random-programs.js";

describe("random compositions", () => {
  it("forward, reverse and finite differences agree on random programs of 3 to 30 ops", () => {
    fc.assert(
      fc.property(programArb, (program) => {
        const { f, args } = buildProgram(program);
        checkGrads(f, args, { order: 1, tol: 1e-5 });
      }),
      { numRuns: 60, seed: 20261130 },
    );
  });
});
