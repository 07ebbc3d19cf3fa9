import * as core from "@ostl/core";
import { type Tensor, type Tree, add, matmul, reshape, slice, tanh, transpose, unflatten } from "@ostl/autodiff";
import { type Cell, defineCell, entriesOf, type GradientAlgorithm, Network, type NetworkParams, type TensorRecord, type TreeLayout } from "@ostl/ostl";
import { mse } from "./cells.js";

/** Seeded sequences and gradient helpers shared by the tests of the online algorithms. */

/** Two state fields per unit (c, h) with a dense temporal Jacobian: e-prop keeps each unit's 2 x 2 block. */
export const twoField: Cell = defineCell({
  name: "two-field",
  init: (key, { inputSize: m, hiddenSize: n }) => ({
    params: { W: key.normal([n, m], 0, 0.6), U: key.normal([n, n], 0, 0.5), b: key.normal([n], 0, 0.2) },
    state: { c: core.zeros([n]), h: core.zeros([n]) },
  }),
  step: (p, s, x) => {
    const c = tanh(add(add(matmul(x, transpose(p.W!)), matmul(s.h!, transpose(p.U!))), add(s.c!, p.b!)));
    const h = tanh(add(s.h!, c));
    return { state: { c, h }, y: h };
  },
});

export type Sequence = { network: Network; params: NetworkParams; xs: core.NDArray[]; ts: core.NDArray[] };

export function sequence(cells: Cell[], hidden: number[], T = 7, seed = 11): Sequence {
  const network = new Network({ inputSize: 3, layers: cells.map((cell, l) => ({ cell, hiddenSize: hidden[l]! })), outputSize: 2, loss: mse });
  const rng = new core.PRNG(seed);
  const params = network.init(rng.split());
  return { network, params, xs: Array.from({ length: T }, () => rng.normal([3])), ts: Array.from({ length: T }, () => rng.normal([2])) };
}

/** The algorithm's gradients fed whole, step by step, or in the chunks given (`[start, end)` ranges). */
export function gradientsOf(algo: GradientAlgorithm, s: Sequence, feed: "whole" | "steps" | [number, number][] = "whole"): NetworkParams {
  algo.begin(s.params);
  if (feed === "whole") algo.feed(s.xs, s.ts);
  else if (feed === "steps") s.xs.forEach((x, t) => algo.step(x, s.ts[t]!));
  else for (const [a, b] of feed) algo.feed(s.xs.slice(a, b), s.ts.slice(a, b));
  return algo.gradients();
}

/** The recurrent layers' gradient entries, in flatten order (the readout's left out). */
export const recurrentEntries = (g: NetworkParams) => [...(entriesOf(Object.fromEntries(Object.entries(g).filter(([k]) => k !== "readout")) as Tree) as core.NDArray).data];
export const allEntries = (g: NetworkParams) => [...(entriesOf(g as Tree) as core.NDArray).data];

export function relError(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(...a.map((v, i) => v - b[i]!)) / Math.max(Math.hypot(...b), 1e-300);
}

/** A flat vector split into a tree of the layout's structure, by traceable ops (inside jacfwd). */
export function splitTraced(layout: TreeLayout, v: Tensor): TensorRecord {
  return unflatten(layout.def, layout.shapes.map((shape, j) => reshape(slice(v, [layout.offsets[j]!], [layout.offsets[j]! + layout.sizes[j]!]), shape))) as TensorRecord;
}

