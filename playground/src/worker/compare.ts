/**
 * Compare: every registered algorithm on one seeded sequence, each one's gradient against BPTT's
 * layer by layer (cosine similarity and relative error of the layer's parameters flattened), with
 * its time per step (the median of a few timed passes after an untimed first one, which compiles
 * the steps) and the floats it carries between steps. The same figures as `ostl compare`, without
 * its live-memory measurement, which needs Node's heap statistics.
 */
import { concat, type NDArray, OstlError, PRNG, reshape } from "@ostl/core";
import { ALGORITHM_NAMES, algorithms, type GradientAlgorithm, layerKey, type NetworkParams } from "@ostl/ostl";
import type { Tensor } from "@ostl/autodiff";
import type { Cell } from "@ostl/ostl";
import type { AlgorithmFigures, Comparison } from "../protocol.js";
import { COMPARE_SEQUENCE, SIZES } from "./sizes.js";
import { studyNetwork } from "./structure.js";

/** Timed passes of each algorithm after its first one. */
const TIMED_PASSES = 3;

/** All parameters of one group (`layer0`, `readout`) flattened in key order. */
function groupVector(params: NetworkParams, group: string): Float64Array {
  const record = params[group]!;
  const flat = concat(Object.keys(record).sort().map((k) => reshape(record[k] as NDArray, [-1])));
  return Float64Array.from(flat.toFlat());
}

/** Cosine similarity and relative error of one group's gradient against the reference's. */
export function agreement(got: NetworkParams, reference: NetworkParams, group: string): { cosine: number; relError: number } {
  const g = groupVector(got, group);
  const r = groupVector(reference, group);
  let gr = 0;
  let gg = 0;
  let rr = 0;
  let dd = 0;
  g.forEach((gi, k) => {
    const ri = r[k]!;
    gr += gi * ri;
    gg += gi * gi;
    rr += ri * ri;
    dd += (gi - ri) * (gi - ri);
  });
  const cosine = gg === 0 || rr === 0 ? (gg === rr ? 1 : 0) : gr / Math.sqrt(gg * rr);
  return { cosine, relError: Math.sqrt(dd) / Math.max(Math.sqrt(rr), 1e-12) };
}

/** One pass over the sequence: the gradients and the milliseconds per step. */
function pass(algorithm: GradientAlgorithm, params: NetworkParams, xs: readonly Tensor[], targets: readonly Tensor[]): { grads: NetworkParams; msPerStep: number } {
  algorithm.reset();
  const start = performance.now();
  algorithm.begin(params);
  xs.forEach((x, t) => algorithm.step(x, targets[t]!));
  const grads = algorithm.gradients();
  return { grads, msPerStep: (performance.now() - start) / xs.length };
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Every registered algorithm on `cell` stacked `layers` deep, against BPTT. */
export function compareCell(cell: Cell, layers: number): Comparison {
  const start = performance.now();
  const network = studyNetwork(cell, layers);
  const { T, seed } = COMPARE_SEQUENCE;
  const params = network.init(new PRNG(seed).split());
  // inputs uniform in [0, 1.5) so that spiking cells fire; Gaussian targets
  const data = new PRNG(seed + 1);
  const xs = Array.from({ length: T }, () => data.uniform([SIZES.inputSize], 0, 1.5));
  const targets = Array.from({ length: T }, () => data.normal([SIZES.outputSize]));
  let reference: NetworkParams | null = null;
  const figures: AlgorithmFigures[] = [];
  // BPTT first: the reference
  for (const name of ["bptt" as const, ...ALGORITHM_NAMES.filter((n) => n !== "bptt")]) {
    const entry = algorithms[name];
    let algorithm: GradientAlgorithm;
    try {
      algorithm = entry.create(network, {});
    } catch (error) {
      if (!(error instanceof OstlError) || name === "bptt") throw error;
      figures.push({ name, title: entry.title, cosine: [], relError: [], msPerStep: null, floats: 0, notApplicable: error.message });
      continue;
    }
    const first = pass(algorithm, params, xs, targets);
    const floats = entry.plannedFloats(network, {}) ?? algorithm.memoryFloats();
    const times = Array.from({ length: TIMED_PASSES }, () => pass(algorithm, params, xs, targets).msPerStep);
    reference ??= first.grads;
    const per = Array.from({ length: layers }, (_, l) => agreement(first.grads, reference!, layerKey(l)));
    figures.push({ name, title: entry.title, cosine: per.map((p) => p.cosine), relError: per.map((p) => p.relError), msPerStep: median(times), floats, notApplicable: null });
  }
  return { cell: cell.name, layers, hiddenSize: SIZES.hiddenSize, T, seed, algorithms: figures, elapsedMs: performance.now() - start };
}
