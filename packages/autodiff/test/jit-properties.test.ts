import { describe, expect, it } from "vitest";
import * as fc from "fast-check";
import * as core from "@ostl/core";
import { generate, grad, jit, simplify, splitGraph, sum, trace, type Tensor, vjp } from "@ostl/autodiff";
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

describe("splitGraph on random programs", () => {
  it("the early program, then the late one from its residuals, give what the whole program gives, bit for bit, with every equation in one of them", () => {
    fc.assert(
      fc.property(programArb, (program) => {
        const { f, args } = buildProgram(program);
        // [f(x), its gradient along c]: the VJP's forward part runs early, its backward part late
        const whole = (...xs: Tensor[]) => {
          const c = xs.at(-1)!;
          const inputs = xs.slice(0, -1);
          const [out, pullback] = vjp((...ys: Tensor[]) => f(...ys), ...inputs);
          return [out, ...(pullback(c) as Tensor[])];
        };
        const c = core.onesLike(f(...args) as core.NDArray);
        const graph = simplify(trace(whole, ...args, c));
        const split = splitGraph(graph, [args.length]);
        const expected = generate(graph).run([...args, c]) as core.NDArray[];
        const early = generate(split.early).run(args);
        const passed = split.passedInputs.map((i) => args[i]!);
        const late = generate(split.late).run([...passed, ...split.residualAt.map((at) => early[at]!), c]);
        const got = split.outputs.map((o) => (o.early ? early[o.at] : late[o.at]) as core.NDArray);
        got.forEach((g, o) => expect([...core.contiguous(g).data]).toEqual([...core.contiguous(expected[o]!).data]));
        // only views of inputs are taken in both
        const views = split.late.equations.filter((eq) => split.early.equations.includes(eq));
        expect(views.every((eq) => eq.op.name === "transpose" || eq.op.name === "reshape")).toBe(true);
        expect(split.early.equations.length + split.late.equations.length - views.length).toBeLessThanOrEqual(graph.equations.length);
      }),
      { numRuns: 40, seed: 20261204 },
    );
  });
});
