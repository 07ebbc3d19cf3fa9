/**
 * The script of the page that browser-library.test.ts bundles for headless Chromium: it checks
 * the derivative rules of a few ops, compares OSTL's gradients with BPTT's on one-layer networks
 * and derives a cell's Jacobians with mathjs, then leaves what it found in `globalThis.results`.
 */
import { div, exp, logSumExp, matmul, mul, sigmoid, sum, tanh, type Tensor } from "@ostl/autodiff";
import { checkGrads } from "@ostl/autodiff/testing";
import { PRNG } from "@ostl/core";
import { Bptt, type Cell, Network, type NetworkArrays, Ostl } from "@ostl/ostl";
import { checkDerivation, deriveCell } from "@ostl/ostl/derive";
import { lstm, mse, snu } from "@ostl/models";

/** What the page found: each finding names its subject, so that a failed assertion says which. */
export interface BrowserLibraryResults {
  /** Per op, null when `checkGrads` passed (first and second order, forward and reverse), else its message. */
  readonly gradientChecks: readonly { readonly op: string; readonly failure: string | null }[];
  /** Per cell, OSTL's gradients against BPTT's on one seeded sequence. */
  readonly ostlAgainstBptt: readonly { readonly cell: string; readonly entries: number; readonly maxRelativeDifference: number }[];
  /** A built-in cell's Jacobians derived by `deriveCell` and evaluated against the engine's. */
  readonly derivation: { readonly cell: string; readonly blocks: number; readonly maxError: number };
}

const rng = new PRNG(3);
const vector = rng.normal([5]);
const matrix = rng.normal([3, 5]);
const scalarFunctions: Record<string, (...args: Tensor[]) => Tensor> = {
  tanh: (x) => sum(tanh(x)),
  sigmoid: (x) => sum(mul(sigmoid(x), x)),
  exp: (x) => sum(exp(mul(0.3, x))),
  div: (x) => sum(div(x, exp(x))),
  logSumExp: (x) => logSumExp(x),
};
const gradientChecks = [
  ...Object.entries(scalarFunctions).map(([op, f]) => ({ op, check: () => checkGrads(f, [vector], { name: op }) })),
  { op: "matmul", check: () => checkGrads((w, x) => sum(tanh(matmul(w, x))), [matrix, vector], { name: "matmul" }) },
].map(({ op, check }) => {
  try {
    check();
    return { op, failure: null };
  } catch (e) {
    return { op, failure: (e as Error).message };
  }
});

/** Over every parameter, the largest entry of |ostl − bptt| over the largest entry of |bptt|. */
function maxRelativeDifference(ostl: NetworkArrays, bptt: NetworkArrays): { entries: number; maxRelativeDifference: number } {
  let entries = 0;
  let largest = 0;
  for (const [layer, params] of Object.entries(bptt)) {
    for (const [name, exact] of Object.entries(params)) {
      const b = exact.toFlat();
      const o = ostl[layer]![name]!.toFlat();
      const scale = Math.max(...b.map(Math.abs));
      const difference = Math.max(...b.map((v, i) => Math.abs(o[i]! - v)));
      entries += b.length;
      largest = Math.max(largest, scale === 0 ? difference : difference / scale);
    }
  }
  return { entries, maxRelativeDifference: largest };
}

const steps = 12;
const ostlAgainstBptt = (
  [
    ["snu", snu()],
    ["lstm", lstm()],
  ] as [string, Cell][]
).map(([name, cell]) => {
  const network = new Network({ inputSize: 3, layers: [{ cell, hiddenSize: 6 }], outputSize: 2, loss: mse });
  const params = network.init(new PRNG(0));
  const data = new PRNG(1);
  const xs = Array.from({ length: steps }, () => data.uniform([3], 0, 1.5));
  const targets = Array.from({ length: steps }, () => data.normal([2]));
  const [bptt, ostl] = [new Bptt(network), new Ostl(network)].map((algorithm) => {
    algorithm.begin(params);
    xs.forEach((x, t) => algorithm.step(x, targets[t]!));
    return algorithm.gradients();
  });
  return { cell: name, ...maxRelativeDifference(ostl!, bptt!) };
});

const derivedCell = snu();
const derived = deriveCell(derivedCell);
const derivation = { cell: derived.cell, blocks: derived.blocks.length, maxError: checkDerivation(derived, derivedCell).maxError };

const results: BrowserLibraryResults = { gradientChecks, ostlAgainstBptt, derivation };
(globalThis as { results?: BrowserLibraryResults }).results = results;
