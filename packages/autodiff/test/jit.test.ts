import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import {
  add, bind, concat, exp, generate, grad, type Graph, jit, jvp, matmul, mul, NO_PARAMS, type NoParams, type OpDef, opTable, sigmoid, simplify, slice, softplus, sum, tanh,
  tensor, type Tensor, trace, transpose, vjp,
} from "@ostl/autodiff";
import { countBuffers } from "./count-buffers.js";

const loops = (source: string) => source.split("\n").filter((line) => line.includes("for (")).length;

/** A small LSTM cell: W is [4n, n+m], gates sliced from one product. */
function lstm(n: number, m: number, seed = 1) {
  const rng = new core.PRNG(seed);
  const params = { W: rng.normal([4 * n, n + m], 0, 0.3), b: rng.normal([4 * n], 0, 0.1) };
  const cell = (p: { W: Tensor; b: Tensor }, h: Tensor, c: Tensor, x: Tensor) => {
    const z = add(matmul(p.W, concat([h, x], 0)), p.b);
    const gate = (k: number) => slice(z, [k * n], [(k + 1) * n]);
    const c2 = add(mul(sigmoid(gate(1)), c), mul(sigmoid(gate(0)), tanh(gate(2))));
    return { h: mul(sigmoid(gate(3)), tanh(c2)), c: c2 };
  };
  const loss = (p: { W: Tensor; b: Tensor }, h: Tensor, c: Tensor, x: Tensor) => {
    const r = cell(p, h, c, x);
    return add(sum(mul(r.h, r.h)), sum(r.c));
  };
  return { params, cell, loss, args: [rng.normal([n]), rng.normal([n]), rng.normal([m])] as const };
}

describe("jit signature cache", () => {
  it("traces once per signature and again for a new shape, dtype or structure", () => {
    const f = jit((x: Tensor) => tanh(mul(x, 2)));
    f(tensor([1, 2]));
    f(tensor([3, 4]));
    expect(f.traces).toBe(1);
    expect(f(tensor([1, 2, 3])).shape).toEqual([3]);
    expect(f.traces).toBe(2);
    const y = f(tensor([1, 2], { dtype: "float32" }));
    expect([f.traces, y.dtype]).toEqual([3, "float32"]);
    const g = jit((p: { a: Tensor } | Tensor[]) => (Array.isArray(p) ? p[0]! : (p as { a: Tensor }).a));
    g({ a: tensor([1]) });
    g([tensor([1])]);
    expect(g.traces).toBe(2);
  });

  it("recognises a repeated signature quickly but never a different one: an extra key, a number for an array, a tracer", () => {
    const f = jit((p: { w: Tensor; s?: Tensor | number }) => (p.s === undefined ? mul(p.w, 2) : mul(p.w, p.s)));
    const w = tensor([1, 2]);
    expect(f({ w }).toNested()).toEqual([2, 4]);
    expect(f({ w, s: tensor([3, 3]) }).toNested()).toEqual([3, 6]);
    expect(f({ w, s: 4 }).toNested()).toEqual([4, 8]);
    expect(f({ w: tensor([[1, 2]]) }).toNested()).toEqual([[2, 4]]);
    expect(f.traces).toBe(4);
    expect(grad((v: Tensor) => sum(f({ w: v, s: 4 })))(w).toNested()).toEqual([4, 4]);
    expect(f({ w, s: 5 }).toNested()).toEqual([5, 10]);
    expect(f.traces).toBe(4);
  });
});

describe("jit source", () => {
  it("fuses tanh(a * b + c) into one loop", () => {
    const x = tensor([1, 2, 3]);
    const f = jit((a: Tensor, b: Tensor, c: Tensor) => tanh(add(mul(a, b), c)));
    const source = f.source(x, x, x);
    expect(loops(source)).toBe(1);
    expect(source).toContain("// fused: v3 = mul, v4 = add, v5 = tanh");
    expect(source).toContain("Math.tanh(t4)");
  });

  it("fuses a broadcast row vector and scalar into the loop of the matrix", () => {
    const f = jit((m: Tensor, row: Tensor) => exp(add(mul(m, row), 1)));
    const [m, row] = [tensor([[1, 2], [3, 4]]), tensor([0.5, -1])];
    expect(loops(f.source(m, row))).toBe(2); // one nest: rows, then columns
    expect(core.maxAbsDiff(f(m, row) as core.NDArray, core.exp(core.add(core.mul(m, row), 1)))).toBe(0);
  });

  it("runs a float64 sigmoid or softplus of 16 entries or more in a WebAssembly loop (or, without those loops, as a SIMD kernel), with the interpreter's values bit for bit, and a short or float32 one in the JavaScript loop", () => {
    const f = (x: Tensor, b: Tensor) => add(mul(sigmoid(add(x, b)), 2), softplus(x));
    const rng = new core.PRNG(9);
    for (const [n, dtype, simd] of [[150, "float64", true], [15, "float64", false], [150, "float32", false]] as const) {
      const x = core.astype(core.mul(rng.normal([n]), 30), dtype);
      const b = core.astype(rng.normal([n]), dtype);
      const want = core.add(core.mul(core.sigmoid(core.add(x, b)), 2), core.softplus(x));
      const graph = simplify(trace(f as (...xs: Tensor[]) => Tensor, x, b));
      for (const wasmLoops of [true, false]) {
        const program = generate(graph, { wasmLoops });
        const loop = program.source.split("\n").find((line) => line.includes("fused, WebAssembly:")) ?? "";
        const kernels = [program.source.includes("sigmoid: WebAssembly SIMD kernel"), program.source.includes("softplus: WebAssembly SIMD kernel")];
        expect([loop.includes("sigmoid"), loop.includes("softplus"), ...kernels], `${n} ${dtype} ${wasmLoops}`).toEqual([simd && wasmLoops, simd && wasmLoops, simd && !wasmLoops, simd && !wasmLoops]);
        expect([...(program.run([x, b])[0] as core.NDArray).data].map(String)).toEqual([...want.data].map(String));
      }
    }
  });

  it("drops dead code and merges common subexpressions", () => {
    const f = jit((x: Tensor) => {
      exp(x); // dead
      return add(mul(x, 7), mul(x, 7));
    });
    const source = f.source(tensor([1]));
    expect(source).not.toContain("Math.exp");
    expect(source.match(/\* 7/g)).toHaveLength(1);
    expect(source).toContain("removed: 1 dead, 1 common subexpressions");
    expect(f(tensor([2])).toNested()).toEqual([28]);
  });

  it("folds an equation whose inputs are all constants", () => {
    const traced = trace((x: Tensor) => add(x, x), tensor([1, 2]));
    const [x] = traced.inputs;
    const one: Graph["equations"][number] = { op: opTable.exp, params: NO_PARAMS, inputs: [{ kind: "const", value: tensor([0, 0]), shape: [2] }], out: { kind: "var", id: 10, name: "v10", shape: [2], dtype: "float64" } };
    const sumEq: Graph["equations"][number] = { op: opTable.add, params: NO_PARAMS, inputs: [x!, one.out], out: { kind: "var", id: 11, name: "v11", shape: [2], dtype: "float64" } };
    const graph: Graph = { ...traced, equations: [one, sumEq], outputs: [sumEq.out] };
    const simple = simplify(graph);
    expect(simple.removed.folded).toBe(1);
    const program = generate(simple);
    expect(program.source).not.toContain("Math.exp");
    expect((program.run([tensor([1, 2])])[0] as core.NDArray).toNested()).toEqual([2, 3]);
  });

  it("marks an op without a compile rule as a fallback and still computes it", () => {
    // cube: d(x³) = 3x² dx
    const cubeOp: OpDef<NoParams> = {
      name: "cube",
      impl: ([x]) => core.mul(core.mul(x!, x!), x!),
      jvp: (_c, [x], [t]) => (t ? mul(t, mul(3, mul(x!, x!))) : null),
      vjp: (ct, [x]) => [mul(ct, mul(3, mul(x!, x!)))],
    };
    const f = jit((x: Tensor) => add(bind(cubeOp, [x], NO_PARAMS), 1));
    expect(f.source(tensor([2]))).toContain("// fallback: cube is not in the op table");
    expect(f(tensor([2, 3])).toNested()).toEqual([9, 28]);
  });

  it("reads a transpose feeding a matrix product in place", () => {
    const rng = new core.PRNG(3);
    const [W, v] = [rng.normal([5, 4]), rng.normal([5])];
    const f = jit((w: Tensor, x: Tensor) => matmul(transpose(w), x));
    expect(f.source(W, v)).toContain("read transposed by the matrix product");
    expect(core.maxAbsDiff(f(W, v) as core.NDArray, core.matmul(core.transpose(W), v))).toBeLessThan(1e-14);
  });

  it("runs Wᵀ v down W's contiguous rows, four at a time, the remainder one at a time", () => {
    const rng = new core.PRNG(4);
    const f = jit((w: Tensor, x: Tensor) => matmul(transpose(w), x));
    for (const rows of [4, 7, 9]) {
      const [W, v] = [rng.normal([rows, 6]), rng.normal([rows])];
      expect(f.source(W, v)).toContain(`for (; p + 3 < ${rows}; p += 4)`);
      expect(core.maxAbsDiff(f(W, v) as core.NDArray, core.matmul(core.transpose(W), v)), `${rows} rows`).toBeLessThan(1e-14);
    }
  });
});

describe("jit results", () => {
  it("matches the interpreter on an LSTM cell in float64 and float32, and reads non-contiguous arguments", () => {
    const { params, cell, args } = lstm(6, 3);
    const compiled = jit(cell);
    expect(compiled.source(params, ...args).match(/= slice v\d+: read in place/g)).toHaveLength(4); // the four gates
    const [r, want] = [compiled(params, ...args), cell(params, ...args)];
    expect(core.maxAbsDiff(r.h as core.NDArray, want.h as core.NDArray)).toBeLessThan(1e-15);
    const f32 = (x: core.NDArray) => core.astype(x, "float32");
    const p32 = { W: f32(params.W), b: f32(params.b) };
    const a32 = args.map(f32) as unknown as typeof args;
    expect(compiled.source(p32, ...a32)).toContain('rt.allocate("float32"');
    expect(core.maxAbsDiff(compiled(p32, ...a32).c as core.NDArray, cell(p32, ...a32).c as core.NDArray)).toBe(0);
    const wT = core.transpose(core.contiguous(core.transpose(params.W))); // same values, column-major
    expect(wT.isContiguous()).toBe(false);
    expect(core.maxAbsDiff(compiled({ ...params, W: wT }, ...args).h as core.NDArray, want.h as core.NDArray)).toBeLessThan(1e-15);
  });

  it("takes plain numbers as scalar arguments whose value may change between calls", () => {
    const f = jit((x: Tensor, s: number) => ({ y: mul(x, s), k: 5 }));
    expect(f(tensor([1, 2]), 3).y.toNested()).toEqual([3, 6]);
    const again = f(tensor([1, 2]), 4);
    expect([again.y.toNested(), again.k, f.traces]).toEqual([[4, 8], 5, 1]);
  });

  it("rounds each element of a float32 matrix product once, as the interpreter does", () => {
    // 1 + 99 * 1e-8 is 1.00000099 in float64 but stays 1 when every partial sum is rounded to float32
    const a = core.astype(core.concat([core.ones([2, 1]), core.full([2, 99], 1e-8)], 1), "float32");
    const b = core.ones([100, 3], "float32");
    const f = jit((x: Tensor, y: Tensor) => matmul(x, y));
    const product = f(a, b) as core.NDArray;
    expect(product.toFlat()).toEqual(core.matmul(a, b).toFlat());
    expect(product.toFlat()[0]).toBeGreaterThan(1);
    // through the float64 GEMM kernel, the operands widened into the program's buffers, a transposed one too
    expect(f.source(a, b)).toContain("kernels.matmul(");
    const bt = core.astype(new core.PRNG(9).normal([3, 100]), "float32");
    const g = jit((x: Tensor, y: Tensor) => matmul(x, transpose(y)));
    expect((g(a, bt) as core.NDArray).toFlat()).toEqual(core.matmul(a, core.transpose(bt)).toFlat());
  });

  it("returns fresh outputs that the next call does not overwrite", () => {
    const f = jit((x: Tensor) => mul(x, 2));
    const first = f(tensor([1, 2])) as core.NDArray;
    first.data[0] = 99;
    const second = f(tensor([5, 6])) as core.NDArray;
    expect([first.toNested(), second.toNested(), first.data === second.data]).toEqual([[99, 4], [10, 12], false]);
  });

  it("with outputsInOneArray, returns the same values as regions of one array per call, the JavaScript product's and a fallback op's included", () => {
    const { params, cell, args } = lstm(8, 4);
    const cubeOp: OpDef<NoParams> = {
      name: "cubeInOneArray",
      impl: ([x]) => core.mul(core.mul(x!, x!), x!),
      jvp: (_c, [x], [t]) => (t ? mul(t, mul(3, mul(x!, x!))) : null),
      vjp: (ct, [x]) => [mul(ct, mul(3, mul(x!, x!)))],
    };
    // the LSTM step (W a fixed argument: a WebAssembly product), a JavaScript product (of a computed matrix) and a fallback op
    const step = (p: { W: Tensor; b: Tensor }, h: Tensor, c: Tensor, x: Tensor) => {
      const out = cell(p, h, c, x);
      return { ...out, computed: matmul(mul(p.W, 2), concat([out.h, x], 0)), cube: bind(cubeOp, [out.c], NO_PARAMS), x: add(x, 1) };
    };
    const plain = jit(step, { fixedArguments: [0] });
    const shared = jit(step, { fixedArguments: [0], outputsInOneArray: true });
    const bits = (r: Record<string, Tensor>) => Object.entries(r).map(([k, v]) => [k, [...core.contiguous(v as core.NDArray).data]]);
    const first = shared(params, ...args);
    expect(bits(first)).toEqual(bits(plain(params, ...args)));
    const regions = [first.h, first.c, first.x].map((v) => v as core.NDArray);
    expect(new Set(regions.map((v) => v.data)).size).toBe(1);
    // disjoint regions
    const sorted = [...regions].sort((a, b) => a.offset - b.offset);
    sorted.slice(1).forEach((v, i) => expect(sorted[i]!.offset + sorted[i]!.size).toBeLessThanOrEqual(v.offset));
    // a new call, new arrays: the first call's outputs stay
    const again = shared(params, args[0], args[1], core.mul(args[2], 2));
    expect(bits(first)).toEqual(bits(plain(params, ...args)));
    expect(bits(again)).toEqual(bits(plain(params, args[0], args[1], core.mul(args[2], 2))));
    // one array for the regions, one for the JavaScript product's output; the fallback's impl allocates its own
    expect(countBuffers(() => void plain(params, ...args)) - countBuffers(() => void shared(params, ...args))).toBe(3);
  });

  it("with reuseOutputs, returns its own buffers, overwritten by the next call, and allocates nothing per call", () => {
    const { params, loss, args } = lstm(8, 4);
    const dstep = jit(grad(loss), { reuseOutputs: true });
    const first = dstep(params, ...args) as { W: core.NDArray; b: core.NDArray };
    const want = grad(loss)(params, ...args) as { W: core.NDArray; b: core.NDArray };
    expect(core.maxAbsDiff(first.W, want.W)).toBeLessThan(1e-12);
    const other = { W: core.mul(params.W, 0.5), b: params.b };
    const second = dstep(other, ...args) as { W: core.NDArray; b: core.NDArray };
    expect(second.W).toBe(first.W);
    expect(core.maxAbsDiff(second.W, (grad(loss)(other, ...args) as { W: core.NDArray }).W)).toBeLessThan(1e-12);
    expect(countBuffers(() => { for (let i = 0; i < 5; i++) dstep(params, ...args); })).toBe(0);
    // an output that is an argument, and two outputs of one value, are copied into buffers of the program's own
    const passing = jit((x: Tensor) => {
      const y = mul(x, 2);
      return { same: x, twice: y, again: y };
    }, { reuseOutputs: true });
    const held = passing(tensor([1, 2]));
    const next = tensor([3, 4]);
    expect(countBuffers(() => { for (let i = 0; i < 5; i++) passing(next); })).toBe(0);
    expect([held.same.toNested(), held.twice.toNested(), held.again.toNested()]).toEqual([[3, 4], [6, 8], [6, 8]]);
  });
});

describe("jit composes with the other transforms", () => {
  const { params, loss, args } = lstm(5, 3, 7);
  const want = grad(loss)(params, ...args) as { W: core.NDArray; b: core.NDArray };

  it("jit(grad(f)) equals grad(f) on an LSTM cell", () => {
    const g = jit(grad(loss))(params, ...args) as typeof want;
    expect(core.maxAbsDiff(g.W, want.W)).toBeLessThan(1e-14);
    expect(core.maxAbsDiff(g.b, want.b)).toBeLessThan(1e-14);
  });

  it("compiles a function that calls vjp, and one that pushes batched jvp tangents", () => {
    const pulled = jit((x: Tensor, ct: Tensor) => vjp((y: Tensor) => tanh(mul(y, y)), x)[1](ct)[0]);
    const x = tensor([0.5, -1, 2]);
    const ct = tensor([1, 2, 3]);
    expect(core.maxAbsDiff(pulled(x, ct) as core.NDArray, vjp((y: Tensor) => tanh(mul(y, y)), x)[1](ct)[0] as core.NDArray)).toBe(0);
    const pushed = jit((y: Tensor, t: Tensor) => jvp((z: Tensor) => sigmoid(mul(z, 3)), [y], [t], { batch: 2 })[1]);
    const t = tensor([[1, 0, 0], [0, 1, 1]]);
    expect(core.maxAbsDiff(pushed(x, t) as core.NDArray, jvp((z: Tensor) => sigmoid(mul(z, 3)), [x], [t], { batch: 2 })[1] as core.NDArray)).toBe(0);
  });

  it("runs uncompiled under another transformation: grad(jit(f)), jvp(jit(f)), a closure over a tracer, jit inside jit", () => {
    const compiled = jit(loss);
    const g = grad(compiled)(params, ...args) as typeof want;
    expect(core.maxAbsDiff(g.W, want.W)).toBe(0);
    const square = jit((y: Tensor) => mul(y, y));
    expect(jvp(square, [tensor([3])], [tensor([1])])[1].toNested()).toEqual([6]);
    // the tracer of x is captured by the jitted closure, not passed to it: it must not become a constant
    expect(grad((x: Tensor) => sum(jit((y: Tensor) => mul(x, y))(tensor([2, 5]))))(tensor([1, 1])).toNested()).toEqual([2, 5]);
    const outer = jit((y: Tensor) => add(square(y), 1));
    expect([outer(tensor([2])).toNested(), compiled.traces, square.traces, outer.traces]).toEqual([[5], 0, 0, 1]);
  });
});

describe("jit refuses what it cannot compile", () => {
  it("throws, naming jit and the signature, when the function branches on its arguments' values", () => {
    const relu = jit((x: Tensor) => ((x.toNested() as number[])[0]! > 0 ? x : mul(x, 0)));
    expect(() => relu(tensor([-1]))).toThrow(core.OstlError);
    expect(() => relu(tensor([-1]))).toThrow("jit: the function read the values of its traced arguments 1 time(s) (toNested() or concrete() on a tracer) while being traced for [f64[1]]");
  });
});

describe("jit allocation", () => {
  it("after the first call, a compiled LSTM step and its gradient allocate only their outputs", () => {
    const { params, cell, loss, args } = lstm(8, 4);
    const step = jit(cell);
    const dstep = jit(grad(loss));
    step(params, ...args);
    dstep(params, ...args);
    const calls = 5;
    expect(countBuffers(() => void cell(params, ...args))).toBeGreaterThan(10); // the counter sees core's allocations
    expect(countBuffers(() => { for (let i = 0; i < calls; i++) step(params, ...args); })).toBe(calls * 2); // h and c
    expect(countBuffers(() => { for (let i = 0; i < calls; i++) dstep(params, ...args); })).toBe(calls * 2); // dW and db
  });
});
