import { describe, expect, it } from "vitest";
import * as fc from "fast-check";
import * as core from "@ostl/core";
import * as ad from "@ostl/autodiff";
import { generate, simplify, type Tensor, trace, wasmElementwiseRules } from "@ostl/autodiff";
import { countBuffers } from "./count-buffers.js";
import { buildProgram, programArb } from "./random-programs.js";

/** The program of `f` at `args` with fused loops in WebAssembly and in JavaScript. */
function bothWays(f: (...xs: Tensor[]) => Tensor | Tensor[], args: readonly core.NDArray[], options: ad.GenerateOptions = {}) {
  const graph = simplify(trace(f as (...xs: Tensor[]) => Tensor, ...args));
  return { wasm: generate(graph, options), js: generate(graph, { ...options, wasmLoops: false }) };
}

/** Whether two arrays hold the same values bit for bit (NaN matching NaN, -0 not +0). */
function sameBits(a: core.NDArray, b: core.NDArray): boolean {
  const [x, y] = [a.toFlat(), b.toFlat()];
  return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
}

const SPECIAL = [NaN, 0, -0, Infinity, -Infinity, 5e-324, -5e-324, 1, -1, 2, 0.5, 1e308, -1e308, 3, 3];

/** n entries: the special values, then random ones of every scale. */
function values(n: number, seed: number): core.NDArray {
  const rng = new core.PRNG(seed);
  const random = rng.normal([n], 0, 1).toFlat().map((v, i) => v * 10 ** ((i % 9) - 4));
  return core.tensor(random.map((v, i) => (i < SPECIAL.length ? SPECIAL[(i + seed) % SPECIAL.length]! : v)));
}

type Ternary = (a: Tensor, b: Tensor, c: Tensor) => Tensor;
const BY_OP: Record<string, Ternary> = {
  add: (a, b) => ad.add(a, b),
  sub: (a, b) => ad.sub(a, b),
  mul: (a, b) => ad.mul(a, b),
  div: (a, b) => ad.div(a, b),
  maximum: (a, b) => ad.maximum(a, b),
  minimum: (a, b) => ad.minimum(a, b),
  neg: (a) => ad.neg(a),
  abs: (a) => ad.abs(a),
  sqrt: (a) => ad.sqrt(a),
  sigmoid: (a) => ad.sigmoid(a),
  softplus: (a) => ad.softplus(a),
  stopGradient: (a) => ad.stopGradient(a),
  greater: (a, b) => ad.greater(a, b),
  greaterEqual: (a, b) => ad.greaterEqual(a, b),
  less: (a, b) => ad.less(a, b),
  lessEqual: (a, b) => ad.lessEqual(a, b),
  equal: (a, b) => ad.equal(a, b),
  notEqual: (a, b) => ad.notEqual(a, b),
  heaviside: (a) => ad.heaviside(a),
  relu: (a) => ad.relu(a),
  where: (a, b, c) => ad.where(c, a, b),
  sign: (a) => ad.sign(a),
};

describe("fused loops in WebAssembly", () => {
  it("every lane-wise rule gives the JavaScript loop's values bit for bit, NaN, ±0, ±Infinity and subnormals included", () => {
    expect(Object.keys(BY_OP).sort()).toEqual(Object.keys(wasmElementwiseRules).sort());
    for (const [name, op] of Object.entries(BY_OP)) {
      for (const n of [16, 37]) {
        for (let seed = 0; seed < 4; seed++) {
          // operands: whole arrays, a shuffled copy (every pair of special values meets), a one-element broadcast
          const [a, b] = [values(n, seed), values(n, seed + 7)];
          const c = core.tensor(values(n, seed + 3).toFlat().map((v, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? -0 : v)));
          const one = core.tensor([SPECIAL[seed * 3]!]);
          for (const args of [[a, b, c], [a, one, c], [one, b, c]]) {
            const f = (x: Tensor, y: Tensor, z: Tensor) => op(x, y, z);
            const { wasm, js } = bothWays(f, args);
            const [w] = wasm.run(args) as core.NDArray[];
            // a unary op of the one-element operand is too short for a WebAssembly loop
            if (w!.size >= 16) expect(wasm.source, name).toContain("WebAssembly:");
            const [j] = js.run(args) as core.NDArray[];
            expect(sameBits(w!, j!), `${name}, n = ${n}, seed ${seed}: ${w!.toFlat()} vs ${j!.toFlat()}`).toBe(true);
          }
        }
      }
    }
  });

  it("reads arguments at an offset, constants and 0-d values, and writes fresh outputs into one array, as the JavaScript loops do", () => {
    const big = values(61, 5);
    const x = core.slice(big, [3], [40]); // 37 entries from offset 3
    const k = values(37, 11);
    const f = (u: Tensor, s: Tensor) => {
      const v = ad.add(ad.mul(u, k), s);
      return [ad.maximum(v, ad.neg(u)), ad.mul(v, 2)];
    };
    for (const outputsInOneArray of [false, true]) {
      const args = [x, core.tensor(0.25)];
      const { wasm, js } = bothWays(f as never, args, { outputsInOneArray });
      expect(wasm.source).toContain("rt.stage(");
      const w = wasm.run(args) as core.NDArray[];
      const j = js.run(args) as core.NDArray[];
      w.forEach((out, i) => expect(sameBits(out, j[i]!)).toBe(true));
      // a second call with other values: the staged copies are made anew
      const args2 = [core.slice(values(61, 6), [3], [40]), core.tensor(-3)];
      const w2 = wasm.run(args2) as core.NDArray[];
      const j2 = js.run(args2) as core.NDArray[];
      w2.forEach((out, i) => expect(sameBits(out, j2[i]!)).toBe(true));
    }
  });

  it("on random programs of 16 to 40 entries, gives the JavaScript loops' values bit for bit and allocates only its output", () => {
    let withWasm = 0;
    fc.assert(
      fc.property(programArb, fc.integer({ min: 4, max: 5 }), fc.integer({ min: 4, max: 8 }), (program, rows, cols) => {
        const { f, args } = buildProgram({ ...program, rows, cols });
        const { wasm, js } = bothWays(f, args);
        if (wasm.source.includes("WebAssembly:")) withWasm++;
        const [w] = wasm.run(args) as core.NDArray[];
        const [j] = js.run(args) as core.NDArray[];
        expect(sameBits(w!, j!)).toBe(true);
        expect(countBuffers(() => void wasm.run(args))).toBe(1);
      }),
      { numRuns: 60, seed: 20261204 },
    );
    expect(withWasm).toBeGreaterThan(20);
  });
});

describe("concatenation of whole buffers", () => {
  it("copies each piece as a block and gives the interpreter's values", () => {
    const [a, b] = [values(20, 1), values(20, 2)];
    const f = (x: Tensor, y: Tensor) => ad.reshape(ad.concat([ad.mul(x, y), ad.add(x, y), ad.mul(x, y)], 0), [3, 20]);
    const { wasm, js } = bothWays(f as never, [a, b]);
    for (const program of [wasm, js]) {
      expect(program.source).toContain("concat: block copies");
      const [out] = program.run([a, b]) as core.NDArray[];
      expect(sameBits(out!, f(a, b) as core.NDArray)).toBe(true);
    }
  });

  it("copies a constant piece as a block too, and a constant view into a larger array by a loop", () => {
    const [a, b] = [values(20, 1), values(20, 2)];
    const whole = values(20, 3);
    const view = core.slice(values(40, 4), [10], [30]);
    for (const [constant, blocks] of [[whole, true], [view, false]] as const) {
      const f = (x: Tensor, y: Tensor) => ad.concat([ad.mul(x, y), constant, ad.add(x, y)], 0);
      const { wasm } = bothWays(f as never, [a, b]);
      expect(wasm.source.includes("concat: block copies")).toBe(blocks);
      const [out] = wasm.run([a, b]) as core.NDArray[];
      expect(sameBits(out!, f(a, b) as core.NDArray)).toBe(true);
    }
  });
});

describe("rows repeated along a batch", () => {
  it("reads a bias over a batch as a row in the WebAssembly loop (an even row), with the JavaScript loop's values bit for bit; an odd row stays a JavaScript loop", () => {
    for (const [rows, cols, wasmLoop] of [[5, 38, true], [3, 2 * 17, true], [5, 37, false]] as const) {
      const x = core.reshape(values(rows * cols, 3), [rows, cols]);
      const b = values(cols, 4);
      const f = (u: Tensor, v: Tensor) => ad.sigmoid(ad.add(ad.mul(u, v), ad.maximum(v, 0.5)));
      const { wasm, js } = bothWays(f as never, [x, b]);
      // the batch's run (the bias's own maximum is a run of its own)
      const batchRun = wasm.source.split("\n").find((line) => line.includes("WebAssembly:") && line.includes("sigmoid"));
      expect(batchRun !== undefined, `${rows} x ${cols}`).toBe(wasmLoop);
      const [w] = wasm.run([x, b]) as core.NDArray[];
      const [j] = js.run([x, b]) as core.NDArray[];
      expect(sameBits(w!, j!)).toBe(true);
    }
  });
});

describe("fixed arguments read by WebAssembly loops", () => {
  it("are copied into the program's memory when a new array comes, and not again for the same one (the documented contract)", () => {
    const f = ad.jit((p: { b: Tensor }, x: Tensor) => ad.mul(ad.add(x, p.b), 2), { fixedArguments: [0] });
    const x = values(20, 1);
    const b = core.tensor(new Array(20).fill(1));
    const first = (f({ b }, x) as core.NDArray).toFlat();
    expect(f.source({ b }, x)).toContain("WebAssembly:");
    // new values come as a new array: seen
    const b2 = core.tensor(new Array(20).fill(3));
    expect((f({ b: b2 }, x) as core.NDArray).toFlat()).toEqual(x.toFlat().map((v) => (v + 3) * 2));
    // written in place into the array the program holds: not seen
    b2.data.fill(5);
    expect((f({ b: b2 }, x) as core.NDArray).toFlat()).toEqual(x.toFlat().map((v) => (v + 3) * 2));
    expect((f({ b }, x) as core.NDArray).toFlat()).toEqual(first);
  });
});
