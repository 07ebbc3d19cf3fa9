import { PRNG } from "@ostl/core";
import { describe, expect, it } from "vitest";
import { constant, glorotUniform, initParams, uniformFanIn, zerosInit } from "@ostl/models";
import { flat } from "./helpers.js";

const maxAbs = (values: number[]) => Math.max(...values.map(Math.abs));

describe("initialisers", () => {
  it("glorotUniform: within ±sqrt(6 / (in + out)), filling the range, seeded", () => {
    const W = flat(glorotUniform(new PRNG(0), [30, 20]));
    expect(maxAbs(W)).toBeLessThan(Math.sqrt(6 / 50));
    expect(maxAbs(W)).toBeGreaterThan(0.95 * Math.sqrt(6 / 50));
    expect(flat(glorotUniform(new PRNG(0), [30, 20]))).toEqual(W);
    expect(flat(glorotUniform(new PRNG(1), [30, 20]))).not.toEqual(W);
    expect(() => glorotUniform(new PRNG(0), [3])).toThrow(/glorotUniform: needs a matrix shape \[out, in\], got \[3\]/);
  });

  it("uniformFanIn(n): within ±1/sqrt(n), filling the range", () => {
    const U = flat(uniformFanIn(25)(new PRNG(0), [20, 20]));
    expect(maxAbs(U)).toBeLessThan(0.2);
    expect(maxAbs(U)).toBeGreaterThan(0.19);
    expect(() => uniformFanIn(0)).toThrow(/uniformFanIn: n must be a positive integer, got 0/);
  });

  it("constant and zerosInit fill", () => {
    expect(flat(constant(-1.5)(new PRNG(0), [2, 2]))).toEqual([-1.5, -1.5, -1.5, -1.5]);
    expect(flat(zerosInit(new PRNG(0), [3]))).toEqual([0, 0, 0]);
    expect(() => constant(Number.POSITIVE_INFINITY)).toThrow(/constant: value must be a finite number/);
  });

  it("initParams: each parameter from its own child key, so one does not depend on another's shape", () => {
    const a = initParams(new PRNG(5), { W: [glorotUniform, [2, 2]], b: [uniformFanIn(4), [3]] });
    const b = initParams(new PRNG(5), { W: [glorotUniform, [6, 7]], b: [uniformFanIn(4), [3]] });
    expect(a.W!.shape).toEqual([2, 2]);
    expect(flat(a.b!)).toEqual(flat(b.b!));
  });
});
