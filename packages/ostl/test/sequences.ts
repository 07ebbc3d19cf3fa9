import { expect } from "vitest";
import * as core from "@ostl/core";
import { type Tensor, type Tree, add, matmul, reshape, slice, tanh, transpose, unflatten } from "@ostl/autodiff";
import { type Cell, defineCell, entriesOf, type GradientAlgorithm, Network, type NetworkParams, Rtrl, type TensorRecord, type TreeLayout } from "@ostl/ostl";
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


export const meanOf = (samples: number[][]) => samples[0]!.map((_, i) => samples.reduce((a, x) => a + x[i]!, 0) / samples.length);

/**
 * The unbiasedness statistic of R estimates against the exact gradient: Σ_i (mean_i - g_i)² R / σ_i²,
 * σ_i² the sample variance of entry i over `pooled`. For an unbiased estimate it is about a
 * chi-square with one degree of freedom per entry (mean: their count, standard deviation: √2 times
 * the root of it); a bias of b_i adds R b_i² / σ_i², so it grows with R. Entries whose spread is
 * rounding (computed exactly) must equal the gradient: `mismatches` counts those that do not.
 */
export function unbiasedness(samples: number[][], pooled: number[][], exact: number[]): { statistic: number; entries: number; mismatches: number } {
  const mean = meanOf(samples);
  const pooledMean = meanOf(pooled);
  let [statistic, entries, mismatches] = [0, 0, 0];
  mean.forEach((m, i) => {
    const variance = pooled.reduce((a, x) => a + (x[i]! - pooledMean[i]!) ** 2, 0) / (pooled.length - 1);
    // an entry the algorithm computes exactly varies only by rounding: it must equal the gradient
    const scale = Math.max(1, Math.abs(exact[i]!));
    if (Math.sqrt(variance) <= 1e-12 * scale) mismatches += Math.abs(m - exact[i]!) <= 1e-10 * scale ? 0 : 1;
    else [statistic, entries] = [statistic + ((m - exact[i]!) ** 2 * samples.length) / variance, entries + 1];
  });
  return { statistic, entries, mismatches };
}

/**
 * Checks a stochastic algorithm (`make(seed)`) for unbiasedness against RTRL on a sequence: for
 * R = 25, 100 and 400 estimates of disjoint seeds, the statistic of {@link unbiasedness} stays
 * within five standard deviations of its chi-square mean, and the error of the mean falls from
 * R = 25 to 400; one estimate alone is far from the gradient, so there is something to average.
 */
export function expectUnbiased(s: Sequence, make: (seed: number) => GradientAlgorithm): void {
  const exact = recurrentEntries(gradientsOf(new Rtrl(s.network), s));
  const groups = [25, 100, 400].map((R, k) => ({ R, samples: Array.from({ length: R }, (_, j) => recurrentEntries(gradientsOf(make(1000 * (k + 1) + j), s))) }));
  const pooled = groups.flatMap((g) => g.samples);
  const errors = groups.map(({ R, samples }) => {
    const { statistic, entries, mismatches } = unbiasedness(samples, pooled, exact);
    expect(mismatches, `R = ${R}: entries of zero variance that differ from RTRL`).toBe(0);
    expect(statistic, `R = ${R}`).toBeLessThan(entries + 5 * Math.sqrt(2 * entries));
    return relError(meanOf(samples), exact);
  });
  expect(errors[2]!).toBeLessThan(errors[0]!);
  expect(relError(pooled[0]!, exact)).toBeGreaterThan(0.05);
}
