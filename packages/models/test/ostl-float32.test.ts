import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { type Tensor, type Tree, treeMap } from "@ostl/autodiff";
import { Bptt, type Cell, DenseEligibility, DiagonalEligibility, type GradientAlgorithm, Network, type NetworkParams, Ostl, type OstlOptions, planOstl } from "@ostl/ostl";
import { cells, mse } from "@ostl/models";

/**
 * OSTL in float32 against OSTL in float64 on the same values: the float64 run gets the float32
 * params and data widened exactly, so the two differ only by float32 rounding inside the step,
 * the traces and the sums.
 *
 * Tolerance: 1e-5, relative, on the norm of the gradient difference (over all leaves). Float32
 * rounds each stored value at u = 6e-8; the ops compute in double and round once when they
 * store, so the error of a gradient is a sum of such roundings, amplified by the recursion over
 * T steps: of order T·k·u·κ for k stored values per step and an amplification κ, 1e-6 to 1e-5
 * for T = 8 and κ near one. Measured over every case below: 2e-8 to 4e-7 (up to 7 u), so 1e-5
 * leaves a margin of 25x. A wrong trace or a dropped term gives errors of order one; float64
 * OSTL itself equals BPTT to 1e-10 (algorithms.test.ts). That the traces are float32, not
 * float64 ones that merely round at the end, is checked by the gradients' arrays and the kernels.
 */
const TOLERANCE = 1e-5;

const toF32 = (x: core.NDArray) => core.astype(x, "float32");
const toF64 = (x: core.NDArray) => core.astype(x, "float64");
const castTree = <T>(tree: T, f: (x: core.NDArray) => core.NDArray): T => treeMap((x) => f(x as core.NDArray), tree as Tree) as T;

function leaves(g: NetworkParams): [string, core.NDArray][] {
  return Object.entries(g).flatMap(([layer, record]) => Object.entries(record).map(([name, v]) => [`${layer}.${name}`, v as core.NDArray] as [string, core.NDArray]));
}

/** ‖a − b‖ / ‖b‖ over every leaf, in float64. */
function relativeDifference(a: NetworkParams, b: NetworkParams): number {
  let diff = 0;
  let norm = 0;
  for (const [path, v] of leaves(a)) {
    const [layer, name] = path.split(".") as [string, string];
    const w = toF64(b[layer]![name] as core.NDArray);
    const d = core.sub(toF64(v), w);
    diff += core.sum(core.mul(d, d)).item();
    norm += core.sum(core.mul(w, w)).item();
  }
  expect(norm).toBeGreaterThan(0);
  return Math.sqrt(diff / norm);
}

function run(algo: GradientAlgorithm, params: NetworkParams, xs: readonly Tensor[], ts: readonly Tensor[]): NetworkParams {
  algo.begin(params);
  xs.forEach((x, t) => algo.step(x, ts[t]!));
  return algo.gradients();
}

/** Params, inputs and targets in float32, and the same values widened to float64. */
function problem(network: Network, T: number, batch: number | undefined, seed: number) {
  const params32 = castTree(network.init(new core.PRNG(seed)), toF32);
  const rng = new core.PRNG(seed + 1);
  const shape = (k: number) => (batch === undefined ? [k] : [batch, k]);
  const xs32 = Array.from({ length: T }, () => toF32(rng.normal(shape(network.spec.inputSize))));
  const ts32 = Array.from({ length: T }, () => toF32(rng.normal(shape(network.spec.outputSize))));
  return { params32, xs32, ts32, params64: castTree(params32, toF64), xs64: xs32.map(toF64), ts64: ts32.map(toF64) };
}

const network = (cell: Cell, depth: number, m = 3, n = 5, out = 2) => new Network({ inputSize: m, layers: Array.from({ length: depth }, () => ({ cell, hiddenSize: n })), outputSize: out, loss: mse });

/** Every built-in cell, the options that change OSTL's path included. */
const builtIns: [string, Cell][] = [
  ["rnn", cells.rnn()],
  ["lstm", cells.lstm()],
  ["gru", cells.gru()],
  ["gru-reset-before", cells.gru({ variant: "reset-before" })],
  ["snu", cells.snu()],
  ["ssnu", cells.ssnu()],
  ["rsnu", cells.snu({ recurrent: true })],
  ["rssnu", cells.ssnu({ recurrent: true })],
  ["snu with a trainable decay", cells.snu({ trainableDecay: true })],
];

/** The part of the gradient OSTL computes exactly: all of it for one layer, the top layer and the readout for a stack. */
function exactPart(g: NetworkParams, depth: number): NetworkParams {
  return depth === 1 ? g : { [`layer${depth - 1}`]: g[`layer${depth - 1}`]!, readout: g.readout! };
}

function expectFloat32(g: NetworkParams): void {
  for (const [path, v] of leaves(g)) {
    expect(v.dtype, path).toBe("float32");
    expect(v.data, path).toBeInstanceOf(Float32Array);
  }
}

describe("OSTL in float32", () => {
  for (const [label, cell] of builtIns) {
    for (const depth of [1, 2]) {
      for (const batch of [undefined, 3]) {
        it(`${label}, ${depth} layer${depth > 1 ? "s" : ""}, ${batch === undefined ? "one example" : `batch ${batch}`}: equals float64 OSTL and float32 BPTT to float32 precision`, () => {
          const net = network(cell, depth);
          const p = problem(net, 8, batch, 40 + depth);
          const ostl32 = run(new Ostl(net), p.params32, p.xs32, p.ts32);
          expectFloat32(ostl32);
          expect(relativeDifference(ostl32, run(new Ostl(net), p.params64, p.xs64, p.ts64))).toBeLessThan(TOLERANCE);
          const bptt32 = run(new Bptt(net), p.params32, p.xs32, p.ts32);
          expect(relativeDifference(exactPart(ostl32, depth), exactPart(bptt32, depth))).toBeLessThan(TOLERANCE);
        });
      }
    }
  }

  for (const [label, cell] of builtIns.filter(([, cell]) => planOstl(network(cell, 1))[0]!.traces === "dense")) {
    it(`${label} under the diagonal approximation, 1 and 2 layers, batch 2: equals float64 OSTL under it`, () => {
      for (const depth of [1, 2]) {
        const net = network(cell, depth);
        const p = problem(net, 8, 2, 60 + depth);
        const options: OstlOptions = { approximation: "diagonal" };
        const ostl32 = run(new Ostl(net, options), p.params32, p.xs32, p.ts32);
        expectFloat32(ostl32);
        expect(relativeDifference(ostl32, run(new Ostl(net, options), p.params64, p.xs64, p.ts64))).toBeLessThan(TOLERANCE);
      }
    });
  }

  it("dense traces: immediate terms by reverse and by forward passes agree in float32", () => {
    const net = network(cells.lstm(), 1);
    const p = problem(net, 6, undefined, 70);
    const reverse = run(new Ostl(net, { denseImmediate: "reverse" }), p.params32, p.xs32, p.ts32);
    const forward = run(new Ostl(net, { denseImmediate: "forward" }), p.params32, p.xs32, p.ts32);
    expectFloat32(reverse);
    expect(relativeDifference(reverse, forward)).toBeLessThan(TOLERANCE);
    expect(relativeDifference(reverse, run(new Ostl(net, { denseImmediate: "reverse" }), p.params64, p.xs64, p.ts64))).toBeLessThan(TOLERANCE);
  });

  it("a large layer holds float32 traces, runs them in blocks of eight steps and equals float64 OSTL", () => {
    const n = 128;
    const net = network(cells.ssnu(), 1, n, n, 3);
    // 19 steps: two full blocks and a partial one, read mid-block
    const p = problem(net, 19, undefined, 80);
    const ostl = new Ostl(net);
    const g32 = run(ostl, p.params32, p.xs32, p.ts32);
    expectFloat32(g32);
    // one trace of W (n·m), b's per state field (2n) and eight held steps of (3n + m): as in float64
    expect(ostl.memoryFloats()).toBe(n * n + 2 * n + 8 * (3 * n + n));
    expect(relativeDifference(g32, run(new Ostl(net), p.params64, p.xs64, p.ts64))).toBeLessThan(TOLERANCE);
  });

  it("one Ostl runs a float64 sequence after a float32 one, each with traces of its own dtype", () => {
    const net = network(cells.snu(), 2);
    const p = problem(net, 5, 2, 90);
    const reused = new Ostl(net);
    const first32 = run(reused, p.params32, p.xs32, p.ts32);
    const then64 = run(reused, p.params64, p.xs64, p.ts64);
    expect(leaves(then64).every(([, v]) => v.data instanceof Float64Array)).toBe(true);
    expect(relativeDifference(then64, run(new Ostl(net), p.params64, p.xs64, p.ts64))).toBe(0);
    expect(relativeDifference(run(reused, p.params32, p.xs32, p.ts32), first32)).toBe(0);
  });

  it("eligibility made for one dtype refuses params of the other, naming the param and both dtypes", () => {
    const net = network(cells.snu(), 1);
    const [plan] = planOstl(net);
    const params = net.init(new core.PRNG(1));
    const x = core.tensor([1, 0, -1], { dtype: "float32" });
    const diagonal = new DiagonalEligibility(net, 0, plan!.structure, plan!.layouts, plan!.approximate, "float32");
    expect(() => diagonal.advance(params.layer0!, net.initialState(undefined, "float32").layer0!, x)).toThrow(
      new core.DTypeError("DiagonalEligibility.advance", "param 'W' is float64, but the traces are float32 (make the traces with the params' dtype)"),
    );
    const rnn = network(cells.rnn(), 1);
    const dense = new DenseEligibility(rnn, 0, "auto", "float64");
    expect(() => dense.advance(castTree(rnn.init(new core.PRNG(1)).layer0!, toF32), rnn.initialState(undefined, "float32").layer0!, x)).toThrow(
      new core.DTypeError("DenseEligibility.advance", "param 'U' is float32, but the traces are float64 (make the traces with the params' dtype)"),
    );
  });
});
