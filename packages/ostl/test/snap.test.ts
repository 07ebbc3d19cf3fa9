import { describe, expect, it } from "vitest";
import * as core from "@ostl/core";
import { type Tensor, type Tree, add, concat, grad, heaviside, jacfwd, matmul, mul, reshape, sigmoid, sigmoidDerivative, sub, transpose } from "@ostl/autodiff";
import { type Cell, defineCell, entriesOf, influencePattern, KfRtrl, networkStep, Ostl, recurrentParams, Rtrl, Snap, TreeLayout, Uoro } from "@ostl/ostl";
import { elman, elmanReadingValues, leaky, mse, spiking } from "./cells.js";
import { allEntries, gradientsOf, recurrentEntries, relError, type Sequence, sequence, splitTraced, twoField } from "./sequences.js";

/** An adaptive spiking unit: membrane v and adaptation a coupled within the unit (a reads v's spike), no recurrent weights. */
const adaptive: Cell = defineCell({
  name: "adaptive",
  init: (key, { inputSize: m, hiddenSize: n }) => ({
    params: { W: key.normal([n, m], 0, 0.8), b: core.full([n], 0.1) },
    state: { a: core.zeros([n]), v: core.zeros([n]) },
  }),
  step: (p, s, x) => {
    const spike = heaviside(sub(s.v!, add(1, s.a!)), sigmoidDerivative(3));
    const v = add(mul(0.9, mul(s.v!, sub(1, spike))), add(matmul(x, transpose(p.W!)), p.b!));
    const a = add(mul(0.8, s.a!), mul(0.5, sigmoid(v)));
    return { state: { a, v }, y: spike };
  },
});

/**
 * SnAp-n by its definition with dense matrices: J and I of the whole network's step from jacfwd,
 * the pattern P_n from their nonzero entries at every step of the sequence (OR over the steps),
 * M_t = P_n ⊙ (J M_{t-1} + I), and the gradient from the rows of M_t of the field y is (`yRows`),
 * or from J^y M_{t-1} + I^y when y is a value of its own.
 */
function snapByDefinition(s: Sequence, n: number, yRows: [number, number] | null): { gradient: number[]; pattern: boolean[][] } {
  const { network, params } = s;
  const step = networkStep(network);
  const recurrent = recurrentParams(network, params) as Tree;
  const paramLayout = new TreeLayout(recurrent);
  const pv = entriesOf(recurrent) as core.NDArray;
  const P = pv.size;
  // the step's Jacobians along the sequence
  let state = network.initialState() as Tree;
  const stateLayout = new TreeLayout(state);
  const S = stateLayout.size;
  const steps = s.xs.map((x) => {
    const outputOf = (sv: Tensor, p: Tensor) => {
      const r = step(splitTraced(stateLayout, sv), splitTraced(paramLayout, p), x);
      return concat([entriesOf(r.state), reshape(r.y, [-1])]);
    };
    const sv = entriesOf(state) as core.NDArray;
    const J = core.contiguous(jacfwd(outputOf)(sv, pv) as core.NDArray);
    const I = core.contiguous(jacfwd(outputOf, { argnum: 1 })(sv, pv) as core.NDArray);
    const out = step(state, recurrent, x);
    state = out.state;
    return { J, I, y: out.y as core.NDArray };
  });
  // P_1: I's nonzeros; P_{k+1} = P_k ∪ (J's nonzeros) P_k
  let pattern = Array.from({ length: S }, (_, k) => Array.from({ length: P }, (_, p) => steps.some(({ I }) => I.data[k * P + p] !== 0)));
  for (let k = 1; k < n; k++) {
    pattern = pattern.map((row, r) => row.map((kept, p) => kept || pattern.some((other, j) => other[p] && steps.some(({ J }) => J.data[r * S + j] !== 0))));
  }
  let M = Array.from({ length: S }, () => new Array<number>(P).fill(0));
  const gradient = new Array<number>(P).fill(0);
  const readout = params.readout as { W: core.NDArray; b: core.NDArray };
  steps.forEach(({ J, I, y }, t) => {
    const L = core.contiguous(core.matmul(core.transpose(readout.W), grad((logits: Tensor) => mse(logits, s.ts[t]!))(core.add(core.matmul(readout.W, y), readout.b)) as core.NDArray));
    const at = (m: number[][], r: number, p: number) => {
      let v = I.data[r * P + p]!;
      for (let j = 0; j < S; j++) v += J.data[r * S + j]! * m[j]![p]!;
      return v;
    };
    if (yRows === null) for (let p = 0; p < P; p++) for (let r = 0; r < L.size; r++) gradient[p]! += L.data[r]! * at(M, S + r, p);
    M = M.map((row, r) => row.map((_, p) => (pattern[r]![p] ? at(M, r, p) : 0)));
    if (yRows !== null) for (let p = 0; p < P; p++) for (let r = yRows[0]; r < yRows[1]; r++) gradient[p]! += L.data[r - yRows[0]]! * M[r]![p]!;
  });
  return { gradient, pattern };
}

/** The analysis's SnAp-n pattern as a dense boolean matrix [state entry][param entry]. */
function analysisPattern(s: Sequence, n: number): boolean[][] {
  const p = influencePattern(s.network);
  const { column, rows } = p.snap(n);
  const dense = Array.from({ length: p.stateSize }, () => new Array<boolean>(p.paramSize).fill(false));
  column.forEach((c, q) => rows[c]!.forEach((k) => (dense[k]![q] = true)));
  return dense;
}

describe("SnAp-n", () => {
  it("at the network's dependency depth equals RTRL (approximation null); below it, it does not", () => {
    // spiking's bias reaches its membrane only through the spike's reset, whose terms vanish on this sequence: SnAp-1 is exact there by chance
    const exactBelow = new Set([spiking.name]);
    for (const [cells, hidden] of [[[elman], [4]], [[twoField], [3]], [[spiking], [4]], [[adaptive], [3]], [[twoField, spiking], [3, 2]], [[elman, leaky], [3, 2]]] as [Cell[], number[]][]) {
      const s = sequence(cells, hidden);
      const name = cells.map((c) => c.name).join("+");
      const depth = influencePattern(s.network).depth();
      const exact = allEntries(gradientsOf(new Rtrl(s.network), s));
      const atDepth = new Snap(s.network, { n: depth });
      expect(relError(allEntries(gradientsOf(atDepth, s)), exact), name).toBeLessThan(1e-12);
      expect(atDepth.approximation, name).toBeNull();
      expect(relError(allEntries(gradientsOf(new Snap(s.network, { n: depth + 2 }), s)), exact), name).toBeLessThan(1e-12);
      if (depth > 1) {
        const below = new Snap(s.network, { n: depth - 1 });
        if (!exactBelow.has(name)) expect(relError(allEntries(gradientsOf(below, s)), exact), name).toBeGreaterThan(1e-6);
        expect(below.approximation, name).toMatch(/^SnAp-\d+: influence kept on the entries each parameter reaches within/);
      }
    }
  });

  it("SnAp-2 equals RTRL on per-unit cells with several coupled fields, and holds far fewer entries", () => {
    for (const cell of [spiking, adaptive]) {
      const s = sequence([cell], [5]);
      expect(influencePattern(s.network).depth(), cell.name).toBeLessThanOrEqual(2);
      const snap = new Snap(s.network, { n: 2 });
      expect(relError(allEntries(gradientsOf(snap, s)), allEntries(gradientsOf(new Rtrl(s.network), s))), cell.name).toBeLessThan(1e-12);
      // two fields of one unit per parameter entry, against every state entry
      const P = new TreeLayout(recurrentParams(s.network, s.params) as Tree).size;
      expect(snap.memoryFloats(), cell.name).toBe(2 * P);
    }
  });

  it("SnAp-1 equals OSTL's diagonal approximation on one layer where every parameter reaches all of its unit's fields within a step", () => {
    for (const cell of [elman, twoField]) {
      const s = sequence([cell], [4]);
      expect(relError(allEntries(gradientsOf(new Snap(s.network, { n: 1 }), s)), allEntries(gradientsOf(new Ostl(s.network, { approximation: "diagonal" }), s))), cell.name).toBeLessThan(1e-12);
    }
  });

  it("below the depth equals its definition written with dense Jacobians, and the analysis's pattern is the one the numbers show", () => {
    const cases: { cells: Cell[]; hidden: number[]; n: number; yRows: (s: Sequence) => [number, number] | null }[] = [
      // y is the state field h: the rows of M_t (state entries: c then h)
      { cells: [twoField], hidden: [3], n: 1, yRows: () => [3, 6] },
      // y = sigmoid(h) is a value of its own
      { cells: [elman, leaky], hidden: [3, 2], n: 1, yRows: () => null },
      { cells: [elman, leaky], hidden: [3, 2], n: 2, yRows: () => null },
      { cells: [adaptive], hidden: [3], n: 1, yRows: () => null },
    ];
    for (const { cells, hidden, n, yRows } of cases) {
      const s = sequence(cells, hidden);
      const name = `${cells.map((c) => c.name).join("+")} n=${n}`;
      const { gradient, pattern } = snapByDefinition(s, n, yRows(s));
      expect(analysisPattern(s, n), name).toEqual(pattern);
      expect(relError(recurrentEntries(gradientsOf(new Snap(s.network, { n }), s)), gradient), name).toBeLessThan(1e-12);
    }
  });

  it("gives the same numbers fed whole, step by step or in chunks", () => {
    const s = sequence([twoField, leaky], [3, 2]);
    const whole = allEntries(gradientsOf(new Snap(s.network), s));
    expect(allEntries(gradientsOf(new Snap(s.network), s, "steps"))).toEqual(whole);
    expect(allEntries(gradientsOf(new Snap(s.network), s, [[0, 1], [1, 5], [5, 7]]))).toEqual(whole);
  });

  it("refuses a batch, a bad n and an unknown option, naming them", () => {
    const s = sequence([elman], [3]);
    const snap = new Snap(s.network);
    snap.begin(s.params);
    expect(() => snap.step(core.stack([s.xs[0]!, s.xs[1]!], 0), core.stack([s.ts[0]!, s.ts[1]!], 0))).toThrow("snap.step (t=0): input x has shape [2,3]: SnAp runs one example at a time");
    expect(() => new Snap(s.network, { n: 0 })).toThrow("snap: n must be a positive integer, got 0");
    expect(() => new Snap(s.network, { depth: 2 } as object)).toThrow("snap: unknown option 'depth' (known: n)");
  });
});

describe("SnAp, UORO and KF-RTRL on a step that reads its traced values", () => {
  it("run it interpreted (jit refuses it), with the numbers of the compiled path", () => {
    const compiled = sequence([elman], [3]);
    const interpreted = { ...compiled, network: sequence([elmanReadingValues], [3]).network };
    for (const make of [(net: typeof compiled.network) => new Snap(net, { n: 1 }), (net: typeof compiled.network) => new Uoro(net, { seed: 2 }), (net: typeof compiled.network) => new KfRtrl(net, { seed: 2 })]) {
      const [reference, algo] = [make(compiled.network), make(interpreted.network)];
      // two sequences each (the programs stay interpreted for the second; UORO's and KF-RTRL's signs go on drawing)
      for (let sequenceIndex = 0; sequenceIndex < 2; sequenceIndex++) {
        const expected = allEntries(gradientsOf(reference, compiled));
        expect(relError(allEntries(gradientsOf(algo, interpreted)), expected), `${algo.name} sequence ${sequenceIndex}`).toBeLessThan(1e-12);
      }
    }
  });
});
