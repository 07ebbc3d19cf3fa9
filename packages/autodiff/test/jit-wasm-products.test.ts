import { describe, expect, it } from "vitest";
import * as fc from "fast-check";
import * as core from "@ostl/core";
import { add, grad, jit, matmul, mul, ProgramProducts, type ProductSpec, sum, tanh, type Tensor, transpose, wasmProductsAvailable } from "@ostl/autodiff";
import { countBuffers } from "./count-buffers.js";

const bits = (x: Tensor) => [...(core.contiguous(x as core.NDArray).data as Float64Array)].map((v) => (Object.is(v, -0) ? "-0" : String(v)));
const flat = (x: Tensor) => (x as core.NDArray).toFlat();
const kernels = (source: string) => source.split("\n").filter((line) => line.includes("WebAssembly kernel")).length;

/** out = [tanh(W x + b), Wᵀ y]: one product read by rows, one transposed. */
const step = (p: { W: Tensor; b: Tensor }, x: Tensor, y: Tensor) => [tanh(add(matmul(p.W, x), p.b)), matmul(transpose(p.W), y)];

describe("jit: products of fixed matrices as WebAssembly kernels", () => {
  it("runs here (WebAssembly SIMD in Node 20)", () => {
    expect(wasmProductsAvailable()).toBe(true);
  });

  it("equals the JavaScript kernels bit for bit, at every size, odd ones included", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 23 }), fc.integer({ min: 1, max: 23 }), fc.integer({ min: 0, max: 1000 }), (n, k, seed) => {
        const rng = new core.PRNG(seed);
        const p = { W: rng.normal([n, k]), b: rng.normal([n]) };
        const [x, y] = [rng.normal([k]), rng.normal([n])];
        const plain = jit(step);
        const fixed = jit(step, { fixedArguments: [0] });
        // a product runs as a kernel where its matrix has at least 4 rows (by rows) or 4 columns of A = Wᵀ (transposed)
        expect(kernels(fixed.source(p, x, y))).toBe(n >= 4 ? 2 : 0);
        expect(kernels(plain.source(p, x, y))).toBe(0);
        const [a, b] = [plain(p, x, y), fixed(p, x, y)];
        expect(b.map(bits)).toEqual(a.map(bits));
        // new values of W come as a new array: the program copies it again
        const next = { W: rng.normal([n, k]), b: p.b };
        expect(fixed(next, x, y).map(bits)).toEqual(plain(next, x, y).map(bits));
      }),
      { numRuns: 80, seed: 20261201 },
    );
  });

  it("reads a fixed argument at its offset, and copies a non-contiguous one on every call", () => {
    const rng = new core.PRNG(3);
    const base = rng.normal([12, 6]);
    const f = jit((W: Tensor, x: Tensor) => matmul(W, x), { fixedArguments: [0] });
    const x = rng.normal([6]);
    const rows = (start: number) => core.slice(base, [start, 0], [start + 6, 6]);
    // one buffer, two offsets
    expect(flat(f(rows(0), x))).toEqual(core.matmul(rows(0), x).toFlat());
    expect(flat(f(rows(6), x))).toEqual(core.matmul(rows(6), x).toFlat());
    // a transposed view is not contiguous: the program copies it into a buffer of its own each call, so in-place writes show
    const square = rng.normal([6, 6]);
    const view = core.transpose(square);
    expect(flat(f(view, x))).toEqual(core.matmul(view, x).toFlat());
    square.data.fill(0.5);
    expect(flat(f(view, x))).toEqual(core.matmul(view, x).toFlat());
  });

  it("keeps its copy of a contiguous fixed argument while the same array comes: in-place writes are not seen (the documented contract)", () => {
    const rng = new core.PRNG(4);
    const W = rng.normal([5, 5]);
    const x = rng.normal([5]);
    const f = jit((w: Tensor, v: Tensor) => matmul(w, v), { fixedArguments: [0] });
    const before = flat(f(W, x));
    W.data.fill(0);
    expect(flat(f(W, x))).toEqual(before);
    expect(flat(f(core.copy(W), x))).toEqual([0, 0, 0, 0, 0]);
  });

  it("multiplies a matrix of the function's closure (a constant) the same way", () => {
    const rng = new core.PRNG(5);
    const W = rng.normal([9, 7]);
    const f = jit((x: Tensor) => matmul(W, x));
    const x = rng.normal([7]);
    expect(kernels(f.source(x))).toBe(1);
    expect(bits(f(x))).toEqual(bits(core.matmul(W, x)));
  });

  it("compiles the gradient's transposed products too, and allocates only the outputs per call", () => {
    const rng = new core.PRNG(6);
    const p = { W: rng.normal([8, 5]), b: rng.normal([8]) };
    const [x, y] = [rng.normal([5]), rng.normal([8])];
    const loss = (q: { W: Tensor; b: Tensor }, v: Tensor) => sum(mul(tanh(add(matmul(q.W, v), q.b)), y));
    const plain = jit(grad(loss, { argnums: [1] }));
    const fixed = jit(grad(loss, { argnums: [1] }), { fixedArguments: [0] });
    // forward W x by rows, backward Wᵀ c transposed
    expect(kernels(fixed.source(p, x))).toBe(2);
    const [dx] = fixed(p, x) as core.NDArray[];
    expect(bits(dx!)).toEqual(bits((plain(p, x) as core.NDArray[])[0]!));
    expect(countBuffers(() => void fixed(p, x))).toBe(1);
  });

  it("runs the same sums as JavaScript loops where the module cannot be compiled, bit for bit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 19 }), fc.integer({ min: 1, max: 19 }), fc.integer({ min: 0, max: 1000 }), (n, k, seed) => {
        const rng = new core.PRNG(seed);
        // W x by rows over A = W (n x k), and Wᵀ y over the same W stored k x n
        const specs: ProductSpec[] = [
          { layout: "rows", n, k, matrix: 0 },
          { layout: "columns", n: k, k: n, matrix: 1 },
        ];
        const matrices = [
          { layout: "rows" as const, rows: n, cols: k },
          { layout: "columns" as const, rows: n, cols: k },
        ];
        const W = rng.normal([n, k]).data as Float64Array;
        const [x, y] = [rng.normal([k]).data as Float64Array, rng.normal([n]).data as Float64Array];
        const run = (webAssembly: boolean) => {
          const products = ProgramProducts.create(specs, matrices, { webAssembly });
          expect(products.webAssembly).toBe(webAssembly);
          products.matrix(0).hold(W, W, 0);
          products.matrix(1).hold(W, W, 0);
          const [wx, wty] = [new Float64Array(n), new Float64Array(k)];
          products.product(0)(x, 0, wx, 0);
          products.product(1)(y, 0, wty, 0);
          return [...wx, ...wty];
        };
        const [kernels, loops] = [run(true), run(false)];
        expect(kernels).toEqual(loops);
        // and both are the products
        const expected = [...core.matmul(core.fromTyped(W, [n, k]), core.fromTyped(x, [k])).toFlat(), ...core.matmul(core.fromTyped(y, [n]), core.fromTyped(W, [n, k])).toFlat()];
        kernels.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected[i]!))));
      }),
      { numRuns: 60, seed: 20261205 },
    );
  });

  it("skips the zero entries of a mostly-zero b (the sparse kernel) with the dense sums bit for bit, in WebAssembly and in the JavaScript loops", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 23 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 1000 }), (n, k, percent, seed) => {
        const rng = new core.PRNG(seed);
        const W = rng.normal([n, k]).data as Float64Array;
        // b: zeros (some of them -0) with about `percent` % of nonzero entries, binary or not
        const noise = rng.uniform([k]).data as Float64Array;
        const values = rng.normal([k]).data as Float64Array;
        const b = Float64Array.from(noise, (u, p) => (u < percent / 100 ? (p % 3 === 0 ? 1 : values[p]!) : p % 2 === 0 ? 0 : -0));
        // the dense sums in the kernels' order: each row from p = 0 up, zero terms included
        const dense = Array.from({ length: n }, (_, i) => {
          let s = 0;
          for (let p = 0; p < k; p++) s += W[i * k + p]! * b[p]!;
          return s;
        });
        for (const webAssembly of [true, false]) {
          const products = ProgramProducts.create([{ layout: "rows", n, k, matrix: 0 }], [{ layout: "rows", rows: n, cols: k }], { webAssembly });
          products.matrix(0).hold(W, W, 0);
          const out = new Float64Array(n + 2);
          products.product(0)(b, 0, out, 1);
          expect([...out.subarray(1, n + 1)].map((v) => (Object.is(v, -0) ? "-0" : String(v)))).toEqual(dense.map((v) => (Object.is(v, -0) ? "-0" : String(v))));
        }
      }),
      { numRuns: 120, seed: 20261206 },
    );
  });

  it("multiplies a batch by a fixed matrix one row at a time with the kernels, each row equal to the unbatched product bit for bit (x Wᵀ and g W)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 4, max: 23 }), fc.integer({ min: 4, max: 23 }), fc.integer({ min: 0, max: 1000 }), (batch, n, k, seed) => {
        const rng = new core.PRNG(seed);
        const W = rng.normal([n, k]);
        const [X, G] = [rng.normal([batch, k]), rng.normal([batch, n])];
        const batched = jit((w: Tensor, x: Tensor, g: Tensor) => [matmul(x, transpose(w)), matmul(g, w)], { fixedArguments: [0] });
        const single = jit((w: Tensor, x: Tensor, g: Tensor) => [matmul(w, x), matmul(transpose(w), g)], { fixedArguments: [0] });
        expect(kernels(batched.source(W, X, G))).toBe(2);
        const [xw, gw] = batched(W, X, G) as core.NDArray[];
        for (let r = 0; r < batch; r++) {
          const [a, b] = single(W, core.reshape(core.slice(X, [r, 0], [r + 1, k]), [k]), core.reshape(core.slice(G, [r, 0], [r + 1, n]), [n])) as core.NDArray[];
          expect(bits(core.reshape(core.slice(xw!, [r, 0], [r + 1, n]), [n]))).toEqual(bits(a!));
          expect(bits(core.reshape(core.slice(gw!, [r, 0], [r + 1, k]), [k]))).toEqual(bits(b!));
        }
        // and the interpreter's values, to rounding
        expect(core.maxAbsDiff(xw!, core.matmul(X, core.transpose(W)))).toBeLessThan(1e-12);
        expect(core.maxAbsDiff(gw!, core.matmul(G, W))).toBeLessThan(1e-12);
      }),
      { numRuns: 60, seed: 20261210 },
    );
  });
});
