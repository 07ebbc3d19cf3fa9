import * as core from "@ostl/core";
import type { Tensor } from "@ostl/autodiff";
import { analyze, Bptt, type Cell, type GradientAlgorithm, layerKey, Network, Ostl, Rtrl } from "@ostl/ostl";
import { mse } from "@ostl/models";
import { loadCell } from "../load-cell.js";
import { compareGroup, measureRun } from "./measure.js";

/** The algorithms compared. */
export const ALGORITHMS = ["bptt", "rtrl", "ostl"] as const;
export type AlgorithmKey = (typeof ALGORITHMS)[number];

/** One algorithm's figures on one network. */
export interface AlgorithmResult {
  relErrorToBptt: number[];
  cosineToBptt: number[];
  secondsPerStep: number;
  traceFloats: number;
  peakBytes: number;
  approximation: string | null;
}

/** One network's comparison (the `networks` entries of the ostl-compare/1 schema). */
export interface NetworkResult {
  cell: string;
  layers: number;
  hiddenSize: number;
  inputSize: number;
  T: number;
  structure: { layer: number; temporalJacobian: "diagonal" | "dense"; traceFloats: number; layouts: Record<string, string> }[];
  algorithms: Record<AlgorithmKey, AlgorithmResult>;
}

/** A network to compare: a named cell at some depth. */
export interface SuiteEntry {
  readonly name: string;
  readonly cell: Cell;
  readonly layers: number;
}

/** Sizes and data of a comparison run. */
export interface SuiteConfig {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  readonly T: number;
  readonly seed: number;
}

/** The built-in cells of the default suite: rnn, lstm, gru, snu, ssnu and the recurrent SNU. */
export async function defaultCells(): Promise<{ name: string; cell: Cell }[]> {
  return Promise.all(["rnn", "lstm", "gru", "snu", "ssnu", "rsnu"].map((name) => loadCell(name)));
}

/**
 * Seeded synthetic data: inputs uniform in [0, 1) (so spiking cells fire), Gaussian targets.
 *
 * @example
 * ```ts
 * import { syntheticSequence } from "@ostl/cli";
 * const { xs, targets } = syntheticSequence(4, 2, 10, 0);
 * ```
 */
export function syntheticSequence(inputSize: number, outputSize: number, T: number, seed: number): { xs: Tensor[]; targets: Tensor[] } {
  const rng = new core.PRNG(seed);
  return {
    xs: Array.from({ length: T }, () => rng.uniform([inputSize], 0, 1.5)),
    targets: Array.from({ length: T }, () => rng.normal([outputSize])),
  };
}

/**
 * Runs BPTT, RTRL and OSTL on one network and compares each with BPTT, layer by layer.
 *
 * @example
 * ```ts
 * import { compareNetwork } from "@ostl/cli";
 * import { rnn } from "@ostl/models";
 * const r = compareNetwork({ name: "rnn", cell: rnn(), layers: 1 }, { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0 });
 * r.algorithms.ostl.relErrorToBptt; // [~1e-16]
 * ```
 */
export function compareNetwork(entry: SuiteEntry, config: SuiteConfig): NetworkResult {
  const network = new Network({
    inputSize: config.inputSize,
    layers: Array.from({ length: entry.layers }, () => ({ cell: entry.cell, hiddenSize: config.hiddenSize })),
    outputSize: config.outputSize,
    loss: mse,
  });
  const rng = new core.PRNG(config.seed);
  const params = network.init(rng.split());
  const { xs, targets } = syntheticSequence(config.inputSize, config.outputSize, config.T, config.seed + 1);
  const analysis = analyze(network);
  const makers: Record<AlgorithmKey, () => GradientAlgorithm> = { bptt: () => new Bptt(network), rtrl: () => new Rtrl(network), ostl: () => new Ostl(network) };
  const runs = Object.fromEntries(ALGORITHMS.map((a) => [a, measureRun(makers[a](), params, xs, targets)])) as Record<AlgorithmKey, ReturnType<typeof measureRun>>;
  const reference = runs.bptt.grads;
  const analyticFloats: Record<AlgorithmKey, number> = { bptt: runs.bptt.memoryFloats, rtrl: analysis.traceFloats.rtrl, ostl: analysis.traceFloats.ostl };
  const algorithms = Object.fromEntries(
    ALGORITHMS.map((a) => {
      const per = Array.from({ length: entry.layers }, (_, l) => compareGroup(runs[a].grads, reference, layerKey(l)));
      const approximation = a === "ostl" ? new Ostl(network).approximation : null;
      return [a, { relErrorToBptt: per.map((p) => p.relError), cosineToBptt: per.map((p) => p.cosine), secondsPerStep: runs[a].secondsPerStep, traceFloats: analyticFloats[a], peakBytes: runs[a].peakBytes, approximation }];
    }),
  ) as Record<AlgorithmKey, AlgorithmResult>;
  return {
    cell: entry.name,
    layers: entry.layers,
    hiddenSize: config.hiddenSize,
    inputSize: config.inputSize,
    T: config.T,
    structure: analysis.layers.map((l) => ({ layer: l.layer, temporalJacobian: l.temporalJacobian, traceFloats: l.traceFloats, layouts: Object.fromEntries(l.params.map((p) => [p.name, p.layout])) })),
    algorithms,
  };
}
