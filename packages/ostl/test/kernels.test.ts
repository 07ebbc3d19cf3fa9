import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { add, jvp, matmul, mul, tanh, type Tensor, trace } from "@ostl/autodiff";
import { analyzeCell, StepInputs, DeferredPairTrace, SharedBlockCoefficients, sameDerivativeFactors, DeferredTrace, eightStepBlockCoefficients, WasmEightStepTrace, DiagonalForward, materializedTraceUpdate, rowTraceUpdate, rowTraceUpdateAliased, singleTraceUpdate, traceKernels, TypedKernels } from "@ostl/ostl";
import { spiking } from "./cells.js";

const random = (rng: core.PRNG, size: number) => new Float64Array(rng.normal([size]).data);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
/** The largest difference relative to the largest magnitude of `b`. */
const relDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => maxDiff(a, b) / Array.from(b).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe("trace kernels", () => {
  /** A binary input such as a piano roll: 1 in about `share` of the entries, else 0. */
  const sparse = (rng: core.PRNG, size: number, share: number) => Float64Array.from(rng.uniform([size], 0, 1).data, (v) => (v < share ? 1 : 0));

  it("singleTraceUpdate over a block of steps equals the steps one at a time, for dense and mostly-zero inputs", () => {
    for (const share of [1, 0.1]) {
    const rng = new core.PRNG(7);
    const [n, m, steps] = [5, 9, 19];
    const [D, c, w] = [random(rng, steps * n), random(rng, steps * n), random(rng, steps * n)];
    const u = share === 1 ? random(rng, steps * m) : sparse(rng, steps * m, share);
    const [eps0, g0] = [random(rng, n * m), random(rng, n * m)];
    const [epsBlock, gBlock] = [eps0.slice(), g0.slice()];
    singleTraceUpdate(n, m, steps, epsBlock, D, c, w, u, gBlock);
    const [eps, g] = [eps0.slice(), g0.slice()];
    for (let t = 0; t < steps; t++) {
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < m; k++) {
          eps[i * m + k] = D[t * n + i]! * eps[i * m + k]! + c[t * n + i]! * u[t * m + k]!;
          g[i * m + k]! += w[t * n + i]! * eps[i * m + k]!;
        }
      }
    }
    expect(maxDiff(epsBlock, eps)).toBeLessThan(1e-13);
    expect(maxDiff(gBlock, g)).toBeLessThan(1e-13);
    }
  });

  it("rowTraceUpdateAliased equals rowTraceUpdate with y's rows taken from the aliased field, for either field", () => {
    const rng = new core.PRNG(27);
    const [n, m] = [5, 7];
    for (const alias of [0, 1]) {
      const [D, cs, u, L] = [random(rng, 4 * n), random(rng, 2 * n), random(rng, m), random(rng, n)];
      const start = [random(rng, n * m), random(rng, n * m)];
      const g0 = random(rng, n * m);
      const [aliased, gAliased] = [start.map((e) => e.slice()), g0.slice()];
      rowTraceUpdateAliased(n, m, aliased, D, cs, u, L, gAliased, alias);
      const [eps, g] = [start.map((e) => e.slice()), g0.slice()];
      // y = field `alias`: its rows of D are Dy, its c is cy
      rowTraceUpdate(n, m, eps, D, D.slice(alias * 2 * n, (alias * 2 + 2) * n), cs, cs.slice(alias * n, (alias + 1) * n), u, L, g);
      eps.forEach((e, a) => expect(maxDiff(aliased[a]!, e), `alias ${alias}, field ${a}`).toBeLessThan(1e-14));
      expect(maxDiff(gAliased, g), `alias ${alias}`).toBeLessThan(1e-14);
    }
  });

  it("DeferredTrace holds steps back only for large traces and applies them before any read", () => {
    expect(new DeferredTrace(8, 8).blockSteps).toBe(1);
    const rng = new core.PRNG(8);
    const [n, m] = [128, 128];
    const blocked = new DeferredTrace(n, m);
    expect(blocked.blockSteps).toBe(8);
    const eps = new Float64Array(n * m);
    const g = new Float64Array(n * m);
    const steps = (count: number) => {
      for (let t = 0; t < count; t++) {
        // decays in (0, 1) as in a spiking layer, so the traces stay of order one
        const D = new Float64Array(rng.uniform([n], 0, 1).data);
        const [c, w, u] = [random(rng, n), random(rng, n), random(rng, m)];
        blocked.push(D, c, w, u);
        singleTraceUpdate(n, m, 1, eps, D, c, w, u, g);
      }
    };
    // read mid-block (a padded partial block), then across a full block
    for (const count of [6, 13]) {
      steps(count);
      expect(maxDiff(blocked.values(), eps)).toBeLessThan(1e-12);
      expect(maxDiff(blocked.gradient(), g)).toBeLessThan(1e-12);
    }
    expect(() => blocked.push(new Float64Array(n), new Float64Array(n), new Float64Array(n - 1), new Float64Array(m))).toThrow(
      "DeferredTrace.push: needs decay, scale and weight of 128 rows and an input of 128 columns, got 128, 128, 127 and 128",
    );
    blocked.clearGradient();
    expect(blocked.gradient().every((v) => v === 0)).toBe(true);
    expect(maxDiff(blocked.values(), eps)).toBeLessThan(1e-13);
  });

  it("the WebAssembly SIMD block kernel equals the JavaScript closed form bit for bit, for even and odd widths, dense and mostly-zero inputs", () => {
    const rng = new core.PRNG(12);
    // inputs with 1 in about 5 % of the entries leave most column pairs quiet (no input in the block), some half-quiet
    for (const [n, m, share] of [[3, 8, 1], [4, 7, 1], [1, 1, 1], [5, 33, 1], [6, 88, 0.05], [3, 31, 0.05], [2, 9, 0]] as const) {
      const block = WasmEightStepTrace.create(n, m);
      expect(block).not.toBeNull();
      const [D, c, w] = [random(rng, 8 * n), random(rng, 8 * n), random(rng, 8 * n)];
      const u = share === 1 ? random(rng, 8 * m) : sparse(rng, 8 * m, share);
      const [eps, g] = [random(rng, n * m), random(rng, n * m)];
      block!.trace.set(eps);
      block!.sum.set(g);
      block!.input.set(u);
      eightStepBlockCoefficients(n, D, c, w, block!.coefficients);
      block!.run();
      singleTraceUpdate(n, m, 8, eps, D, c, w, u, g);
      expect([...block!.trace]).toEqual([...eps]);
      expect([...block!.sum]).toEqual([...g]);
    }
  });

  it("after the traces are zeroed, the WebAssembly kernels leave out the column pairs no input has reached since, with the step-by-step kernels' numbers through quiet blocks and resets", () => {
    const rng = new core.PRNG(16);
    const [n, m] = [64, 67];
    // a piano-roll-like input: a few columns, each held for several steps, drawn from a small range
    const keys = [4, 5, 9, 12, 20, 21, 30, 57];
    const rollStep = (t: number) => {
      const u = new Float64Array(m);
      if (t % 20 < 12) for (let j = 0; j < 2; j++) u[keys[(Math.floor(t / 3) + 3 * j) % keys.length]!] = 1;
      return u;
    };
    const single = new DeferredTrace(n, m);
    const pair = new DeferredPairTrace(n, m, 1);
    expect([single.blockSteps, pair.blockSteps]).toEqual([8, 8]);
    const want = { eps: new Float64Array(n * m), g: new Float64Array(n * m), pairEps: [new Float64Array(n * m), new Float64Array(n * m)], pairG: new Float64Array(n * m) };
    const steps = (from: number, count: number) => {
      for (let t = from; t < from + count; t++) {
        const u = rollStep(t);
        const D = new Float64Array(rng.uniform([n], 0, 1).data);
        const [c, w] = [random(rng, n), random(rng, n)];
        single.push(D, c, w, u);
        singleTraceUpdate(n, m, 1, want.eps, D, c, w, u, want.g);
        const D2 = new Float64Array(rng.uniform([4 * n], -0.6, 0.6).data);
        const [cs, L] = [random(rng, 2 * n), random(rng, n)];
        pair.push(D2, cs, L, u);
        rowTraceUpdateAliased(n, m, want.pairEps, D2, cs, u, L, want.pairG, 1);
      }
    };
    const check = () => {
      expect(maxDiff(single.values(), want.eps)).toBeLessThan(1e-12);
      expect(maxDiff(single.gradient(), want.g)).toBeLessThan(1e-12);
      expect(relDiff(pair.gradient(), want.pairG)).toBeLessThan(1e-12);
      // the columns no input reached hold exactly zero
      const reached = new Set(Array.from({ length: 64 }, (_, t) => rollStep(t)).flatMap((u) => [...u.keys()].filter((k) => u[k] !== 0)));
      for (let k = 0; k < m; k++) if (!reached.has(k)) expect(single.values().filter((_, r) => r % m === k).every((v) => v === 0)).toBe(true);
    };
    // blocks where inputs arrive, then quiet blocks (t % 20 >= 12) where reached columns only decay
    steps(0, 29);
    check();
    steps(29, 19);
    check();
    single.reset();
    pair.reset();
    [want.eps, want.g, ...want.pairEps, want.pairG].forEach((a) => a.fill(0));
    steps(3, 16);
    check();
  });

  it("a large float64 DeferredTrace runs the WebAssembly kernel with the JavaScript kernel's numbers", () => {
    const rng = new core.PRNG(13);
    const [n, m] = [64, 67];
    const blocked = new DeferredTrace(n, m);
    expect(blocked.blockSteps).toBe(8);
    const eps = new Float64Array(n * m);
    const g = new Float64Array(n * m);
    const held: Float64Array[][] = [];
    for (let t = 0; t < 21; t++) {
      const step = [new Float64Array(rng.uniform([n], 0, 1).data), random(rng, n), random(rng, n), random(rng, m)];
      blocked.push(step[0]!, step[1]!, step[2]!, step[3]!);
      held.push(step);
    }
    // the JavaScript kernel on the same blocks (the last one padded with steps that change nothing)
    for (let b = 0; b < 24; b += 8) {
      const pack = (f: number, size: number, pad: number) => {
        const out = new Float64Array(8 * size).fill(pad);
        for (let s = 0; s < 8 && b + s < held.length; s++) out.set(held[b + s]![f]!, s * size);
        return out;
      };
      singleTraceUpdate(n, m, 8, eps, pack(0, n, 1), pack(1, n, 0), pack(2, n, 0), pack(3, m, 0), g);
    }
    expect([...blocked.values()]).toEqual([...eps]);
    expect([...blocked.gradient()]).toEqual([...g]);
  });

  it("DeferredPairTrace in blocks (WebAssembly) follows the step-by-step kernel, read mid-block and across blocks, for either aliased field, dense and mostly-zero inputs", () => {
    const rng = new core.PRNG(14);
    const [n, m] = [64, 67];
    for (const [alias, share] of [[0, 1], [1, 1], [0, 0.05], [1, 0.05]] as const) {
      const pair = new DeferredPairTrace(n, m, alias);
      expect(pair.blockSteps).toBe(8);
      const eps = [new Float64Array(n * m), new Float64Array(n * m)];
      const g = new Float64Array(n * m);
      const steps = (count: number) => {
        for (let t = 0; t < count; t++) {
          // a 2 x 2 Jacobian per unit with entries in (-0.6, 0.6), so the traces stay of order one
          const D = new Float64Array(rng.uniform([4 * n], -0.6, 0.6).data);
          const [cs, L] = [random(rng, 2 * n), random(rng, n)];
          // a binary input with 1 in about 5 % of its entries leaves most column pairs quiet in a block
          const u = share === 1 ? random(rng, m) : sparse(rng, m, share);
          pair.push(D, cs, L, u);
          rowTraceUpdateAliased(n, m, eps, D, cs, u, L, g, alias);
        }
      };
      for (const count of [5, 14]) {
        steps(count);
        expect(relDiff(pair.gradient(), g)).toBeLessThan(1e-12);
      }
      expect(pair.floats()).toBe(2 * n * m + 8 * (7 * n + m));
      // the gradient cleared mid-block: the traces go on, the gradient starts again
      pair.clearGradient();
      g.fill(0);
      steps(3);
      expect(relDiff(pair.gradient(), g)).toBeLessThan(1e-12);
    }
    // small traces, or float32: each step at once, with the step-by-step kernel's numbers
    const small = new DeferredPairTrace(2, 3, 1);
    expect(small.blockSteps).toBe(1);
    expect(new DeferredPairTrace(n, m, 0, "float32").blockSteps).toBe(1);
    expect(() => small.push(new Float64Array(8), new Float64Array(3), new Float64Array(2), new Float64Array(3))).toThrow(
      "DeferredPairTrace.push: needs D of 8, c of 4, L of 2 and u of 3 entries, got 8, 3, 2 and 3",
    );
  });

  it("DeferredPairTraces sharing their block coefficients give what each gives alone, bit for bit, through blocks, partial blocks, cleared gradients and resets", () => {
    const rng = new core.PRNG(15);
    const n = 64;
    const shared = new SharedBlockCoefficients();
    // two traces of one group (same D, c, L; inputs of other sizes) and the same two alone
    const grouped = [new DeferredPairTrace(n, 67, 1, "float64", shared), new DeferredPairTrace(n, 80, 1, "float64", shared)];
    const alone = [new DeferredPairTrace(n, 67, 1), new DeferredPairTrace(n, 80, 1)];
    expect(grouped.map((trace) => trace.blockSteps)).toEqual([8, 8]);
    const steps = (count: number) => {
      for (let t = 0; t < count; t++) {
        const D = new Float64Array(rng.uniform([4 * n], -0.6, 0.6).data);
        const [cs, L] = [random(rng, 2 * n), random(rng, n)];
        const us = [random(rng, 67), random(rng, 80)];
        grouped.forEach((trace, j) => trace.push(D, cs, L, us[j]!));
        alone.forEach((trace, j) => trace.push(D, cs, L, us[j]!));
      }
    };
    const same = () => grouped.forEach((trace, j) => expect([...trace.gradient()]).toEqual([...alone[j]!.gradient()]));
    for (const count of [8, 5, 19]) {
      steps(count);
      same();
    }
    [...grouped, ...alone].forEach((trace) => trace.clearGradient());
    steps(11);
    same();
    [...grouped, ...alone].forEach((trace) => trace.reset());
    steps(9);
    same();
  });

  it("materializedTraceUpdate follows its formula for one, two and three fields, per unit, per row and summed over units", () => {
    const rng = new core.PRNG(9);
    const n = 3;
    for (const c of [1, 2, 3]) {
      const D = random(rng, c * c * n);
      const Dy = random(rng, c * n);
      const L = random(rng, n);
      for (const [outer, inner, sumUnits] of [[1, 1, false], [1, 4, false], [5, 1, true]] as const) {
        const size = outer * n * inner;
        const eps0 = Array.from({ length: c }, () => random(rng, size));
        const I = Array.from({ length: c }, () => random(rng, size));
        const Iy = random(rng, size);
        const g0 = random(rng, sumUnits ? outer : size);
        const eps = eps0.map((e) => e.slice());
        const g = g0.slice();
        materializedTraceUpdate(outer, n, inner, eps, D, Dy, I, Iy, L, g, sumUnits);
        const wantG = g0.slice();
        const wantEps = eps0.map((e) => e.slice());
        for (let o = 0; o < outer; o++) {
          for (let i = 0; i < n; i++) {
            for (let k = 0; k < inner; k++) {
              const r = (o * n + i) * inner + k;
              let e = Iy[r]!;
              for (let b = 0; b < c; b++) e += Dy[b * n + i]! * eps0[b]![r]!;
              wantG[sumUnits ? o : r]! += L[i]! * e;
              for (let a = 0; a < c; a++) {
                let v = I[a]![r]!;
                for (let b = 0; b < c; b++) v += D[(a * c + b) * n + i]! * eps0[b]![r]!;
                wantEps[a]![r] = v;
              }
            }
          }
        }
        expect(maxDiff(g, wantG)).toBeLessThan(1e-13);
        eps.forEach((e, a) => expect(maxDiff(e, wantEps[a]!)).toBeLessThan(1e-13));
      }
    }
  });
});

describe("trace kernels in float32", () => {
  /** Float32 copies of float64 arrays (the values rounded), and those rounded values widened back: the same values in both dtypes. */
  const pair = (rng: core.PRNG, size: number) => {
    const f32 = new Float32Array(random(rng, size));
    return { f32, f64: new Float64Array(f32) };
  };
  const pairs = (rng: core.PRNG, count: number, size: number) => Array.from({ length: count }, () => pair(rng, size));

  it("float64 gets the functions as written; float32 a copy of its own, made once", () => {
    const f64 = traceKernels.of("float64");
    expect([f64.rowTraceUpdate, f64.singleTraceUpdate, f64.materializedTraceUpdate]).toEqual([rowTraceUpdate, singleTraceUpdate, materializedTraceUpdate]);
    const f32 = traceKernels.of("float32");
    expect(f32.rowTraceUpdate).not.toBe(rowTraceUpdate);
    expect(f32.singleTraceUpdate).not.toBe(singleTraceUpdate);
    expect(traceKernels.of("float32")).toBe(f32);
  });

  it("each float32 kernel computes on Float32Array what its float64 one computes on the same values, to float32 precision", () => {
    const rng = new core.PRNG(11);
    const [n, m, steps] = [4, 7, 11];
    const f32 = traceKernels.of("float32");
    for (const c of [1, 2, 3]) {
      const [D, Dy, cs, cy, u, L] = [pair(rng, c * c * n), pair(rng, c * n), pair(rng, c * n), pair(rng, n), pair(rng, m), pair(rng, n)];
      const eps = pairs(rng, c, n * m);
      const g = pair(rng, n * m);
      f32.rowTraceUpdate(n, m, eps.map((e) => e.f32), D.f32, Dy.f32, cs.f32, cy.f32, u.f32, L.f32, g.f32);
      rowTraceUpdate(n, m, eps.map((e) => e.f64), D.f64, Dy.f64, cs.f64, cy.f64, u.f64, L.f64, g.f64);
      expect(relDiff(g.f32, g.f64)).toBeLessThan(1e-6);
      eps.forEach((e) => expect(relDiff(e.f32, e.f64)).toBeLessThan(1e-6));
      const I = pairs(rng, c, n * m);
      const Iy = pair(rng, n * m);
      f32.materializedTraceUpdate(1, n, m, eps.map((e) => e.f32), D.f32, Dy.f32, I.map((t) => t.f32), Iy.f32, L.f32, g.f32, false);
      materializedTraceUpdate(1, n, m, eps.map((e) => e.f64), D.f64, Dy.f64, I.map((t) => t.f64), Iy.f64, L.f64, g.f64, false);
      expect(relDiff(g.f32, g.f64)).toBeLessThan(1e-6);
      eps.forEach((e) => expect(relDiff(e.f32, e.f64)).toBeLessThan(1e-6));
    }
    // eleven steps: one block of eight in closed form, then three one at a time
    const [D, cs, w, u] = [pair(rng, steps * n), pair(rng, steps * n), pair(rng, steps * n), pair(rng, steps * m)];
    const [eps, g] = [pair(rng, n * m), pair(rng, n * m)];
    f32.singleTraceUpdate(n, m, steps, eps.f32, D.f32, cs.f32, w.f32, u.f32, g.f32);
    singleTraceUpdate(n, m, steps, eps.f64, D.f64, cs.f64, w.f64, u.f64, g.f64);
    expect(relDiff(eps.f32, eps.f64)).toBeLessThan(1e-6);
    expect(relDiff(g.f32, g.f64)).toBeLessThan(1e-6);
  });

  it("DeferredTrace in float32 holds Float32Array buffers and follows the float64 one", () => {
    const rng = new core.PRNG(12);
    const [n, m] = [128, 128];
    const [t32, t64] = [new DeferredTrace(n, m, "float32"), new DeferredTrace(n, m)];
    expect(t32.blockSteps).toBe(8);
    expect(t32.floats()).toBe(t64.floats());
    for (let t = 0; t < 13; t++) {
      const D = new Float32Array(rng.uniform([n], 0, 1).data);
      const [c, w, x] = [pair(rng, n), pair(rng, n), pair(rng, m)];
      t32.push(D, c.f32, w.f32, x.f32);
      t64.push(new Float64Array(D), c.f64, w.f64, x.f64);
    }
    expect(t32.values()).toBeInstanceOf(Float32Array);
    expect(t32.gradient()).toBeInstanceOf(Float32Array);
    expect(relDiff(t32.values(), t64.values())).toBeLessThan(1e-6);
    expect(relDiff(t32.gradient(), t64.gradient())).toBeLessThan(1e-6);
  });

  it("TypedKernels refuses a function it cannot compile again, naming it", () => {
    const arrow = (a: Float64Array) => a.fill(0);
    expect(() => new TypedKernels({ arrow }).of("float32")).toThrow(new core.OstlError("TypedKernels", "'arrow' is not a function declaration, so it cannot be compiled again for float32"));
    expect(new TypedKernels({ arrow }).of("float64").arrow).toBe(arrow);
  });
});

describe("DiagonalForward", () => {
  const n = 5;
  const m = 3;
  const structure = analyzeCell(spiking, m, n, new core.PRNG(0));
  const graph = structure.graph;
  const product = graph.equations.find((eq) => eq.op.name === "matmul")!.out.id;
  const named = StepInputs.of(graph);
  const directions = { inputs: [named.state("s"), named.state("y"), named.param("b")], overrides: [product], perturbations: [] };

  it("gives the step's values and, per direction, the diagonal of its Jacobian", () => {
    const forward = DiagonalForward.compile(graph, n, directions)!;
    expect(forward.directions).toBe(4);
    const rng = new core.PRNG(1);
    const { params } = spiking.init(rng.split(), { inputSize: m, hiddenSize: n });
    const state = { s: rng.uniform([n], 0, 1), y: core.greater(rng.uniform([n]), 0.5) };
    const x = rng.normal([m]);
    const z = core.matmul(params.W as core.NDArray, x);
    const inputs = named.values(params, state, x);
    const { values, tangents } = forward.run(inputs, [z]);
    const at = (path: string) => graph.outputPaths.indexOf(path);
    const want = spiking.step(params, state, x);
    expect(core.maxAbsDiff(values[at("state.s")] as core.NDArray, want.state.s as core.NDArray)).toBe(0);
    // ∂s_t/∂s_{t-1} and ∂y_t/∂b by forward mode through the cell itself, one ones-tangent each
    const ones = core.ones([n]);
    const [, dsds] = jvp((s: Tensor) => spiking.step(params, { ...state, s }, x).state.s!, [state.s], [ones]);
    const [, dydb] = jvp((b: Tensor) => spiking.step({ ...params, b }, state, x).y, [params.b!], [ones]);
    const direction = (t: core.TypedArray | null, d: number) => core.fromTyped(t!.slice(d * n, (d + 1) * n), [n]);
    expect(core.maxAbsDiff(direction(tangents[at("state.s")]!, 0), dsds as core.NDArray)).toBeLessThan(1e-15);
    expect(core.maxAbsDiff(direction(tangents[at("y")]!, 2), dydb as core.NDArray)).toBeLessThan(1e-15);
  });

  it("one JVP over the directions where they are no more than the outputs, reverse passes per output where fewer: the same diagonals", () => {
    const rng = new core.PRNG(3);
    const { params } = spiking.init(rng.split(), { inputSize: m, hiddenSize: n });
    const state = { s: rng.uniform([n], 0, 1), y: core.greater(rng.uniform([n]), 0.5) };
    const x = rng.normal([m]);
    const z = core.matmul(params.W as core.NDArray, x);
    const inputs = named.values(params, state, x);
    // 3 outputs (s, y and the output y): 4 directions run in reverse, one (state s) forward
    const reverse = DiagonalForward.compile(graph, n, directions)!.run(inputs, [z]);
    const forward = DiagonalForward.compile(graph, n, { inputs: [named.state("s")], overrides: [product], perturbations: [] })!.run(inputs, [z]);
    graph.outputs.forEach((_, o) => {
      const [f, r] = [forward.tangents[o]!, reverse.tangents[o]!];
      expect(f === null, graph.outputPaths[o]).toBe(r === null);
      if (f !== null) expect(Math.max(...[...f.slice(0, n)].map((v, i) => Math.abs(v - r[i]!))), graph.outputPaths[o]).toBeLessThanOrEqual(1e-15);
    });
    expect(forward.tangents.some((t) => t !== null && t.some((v) => v !== 0))).toBe(true);
  });

  it("in float32 runs on Float32Array tangents and equals float64 to float32 precision", () => {
    const rng = new core.PRNG(2);
    const { params } = spiking.init(rng.split(), { inputSize: m, hiddenSize: n });
    const state = { s: rng.uniform([n], 0, 1), y: core.greater(rng.uniform([n]), 0.5) };
    const x = rng.normal([m]);
    const inputsOf = (dtype: core.DType) => {
      const cast = (v: core.NDArray) => core.astype(core.astype(v, "float32"), dtype);
      const inputs = named.values(params, state, x).map((v) => cast(v as core.NDArray));
      return { inputs, z: core.matmul(cast(params.W as core.NDArray), inputs[named.x]!) };
    };
    const run = (dtype: core.DType) => {
      const { inputs, z } = inputsOf(dtype);
      return DiagonalForward.compile(graph, n, directions, dtype)!.run(inputs, [z]);
    };
    const [f32, f64] = [run("float32"), run("float64")];
    f32.values.forEach((v) => expect((v as core.NDArray).dtype).toBe("float32"));
    f32.tangents.forEach((t, o) => {
      expect(t).toBeInstanceOf(Float32Array);
      expect(relDiff(t!, f64.tangents[o]!)).toBeLessThan(1e-6);
    });
  });

  it("declines graphs outside its scope and rejects wrong inputs", () => {
    expect(DiagonalForward.compile(graph, n, { ...directions, inputs: [named.state("nope")] })).toBeNull();
    // W is [n, m], not a vector of units (and the matmul it feeds has no elementwise partials)
    expect(DiagonalForward.compile(graph, n, { ...directions, inputs: [named.state("s"), named.param("W")], overrides: [] })).toBeNull();
    // a differentiated matmul: no elementwise partials
    const mixing = trace((v: Tensor) => matmul(core.eye(n), v), core.zeros([n]));
    expect(DiagonalForward.compile(mixing, n, { inputs: [0], overrides: [], perturbations: [] })).toBeNull();
    expect(() => DiagonalForward.compile(graph, n, directions)!.run([], [])).toThrow("DiagonalForward.run: needs 5 inputs and 1 overrides, got 0 and 0");
  });
});

describe("sameDerivativeFactors", () => {
  const factorsOf = (graph: ReturnType<typeof trace>, params: string[]) =>
    graph.equations.filter((eq) => eq.op.name === "matmul").map((eq, j) => ({ param: params[j]!, product: eq.out.id, transposed: false, u: { kind: "input" as const, index: 0 } }));
  const [W, U, x, h] = [core.tensor([[1, 2], [3, 4]]), core.tensor([[1, 0], [0, 1]]), core.tensor([1, 1]), core.tensor([0.5, 2])];

  it("groups the two terms of one sum, each read only there", () => {
    const graph = trace((w: any, u: any, a: any, b: any) => tanh(add(matmul(w, a), matmul(u, b))), W, U, x, h);
    expect(sameDerivativeFactors(graph, factorsOf(graph, ["W", "U"]))).toEqual([0, 0]);
  });

  it("keeps apart a product read elsewhere too, one summed with something else, and one scaled before the sum", () => {
    const readTwice = trace((w: any, u: any, a: any, b: any) => { const p = matmul(w, a); return mul(add(p, matmul(u, b)), p); }, W, U, x, h);
    expect(sameDerivativeFactors(readTwice, factorsOf(readTwice, ["W", "U"]))).toEqual([0, 1]);
    const withBias = trace((w: any, u: any, a: any, b: any) => tanh(add(add(matmul(w, a), b), matmul(u, b))), W, U, x, h);
    expect(sameDerivativeFactors(withBias, factorsOf(withBias, ["W", "U"]))).toEqual([0, 1]);
    const scaled = trace((w: any, u: any, a: any, b: any) => tanh(add(mul(2, matmul(w, a)), matmul(u, b))), W, U, x, h);
    expect(sameDerivativeFactors(scaled, factorsOf(scaled, ["W", "U"]))).toEqual([0, 1]);
  });
});
