import * as core from "@ostl/core";
import type { Tensor } from "@ostl/autodiff";
import { type AlgorithmChoice, ALGORITHM_NAMES, algorithms as registry, type AlgorithmName, analyze, type Cell, type GradientAlgorithm, layerKey, Network } from "@ostl/ostl";
import { OstlError } from "@ostl/core";
import { mse, nonFiniteLeaves } from "@ostl/models";
import { loadCell } from "../load-cell.js";
import { compareGroup, measureRuns, TIMED_ROUNDS } from "./measure.js";
import type { TimeSpread } from "./time-spread.js";

/**
 * The algorithms compared by default: every one in the registry of `@ostl/ostl`.
 *
 * @example
 * ```ts
 * import { ALGORITHMS } from "@ostl/cli";
 * console.log(ALGORITHMS); // ["bptt", "rtrl", "ostl", "eprop", "snap", "uoro", "kfrtrl", "rflo"]
 * ```
 */
export const ALGORITHMS: readonly AlgorithmName[] = ALGORITHM_NAMES;
/**
 * The name of an algorithm compared: a registered algorithm's, or a preset's (`snap2`).
 *
 * @example
 * ```ts
 * import { ALGORITHMS, type AlgorithmKey } from "@ostl/cli";
 * const online: AlgorithmKey[] = [...ALGORITHMS.filter((a) => a !== "bptt"), "snap2"];
 * console.log(online); // ["rtrl", "ostl", "eprop", "snap", "uoro", "kfrtrl", "rflo", "snap2"]
 * ```
 */
export type AlgorithmKey = string;

/**
 * One algorithm's figures on one network.
 *
 * @example
 * ```ts
 * import { compareNetwork, type AlgorithmResult } from "@ostl/cli";
 * import { rnn } from "@ostl/models";
 * const entry = { name: "rnn", cell: rnn(), layers: 2 };
 * const result = compareNetwork(entry, { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0 });
 * const ostl: AlgorithmResult = result.algorithms.ostl;
 * // exact for the top layer; the lower layer misses the terms through the upper layer's recurrence
 * console.log(ostl.relErrorToBptt[1]! < 1e-12, ostl.relErrorToBptt[0]! > 1e-3, ostl.approximation); // true true null
 * ```
 */
export interface AlgorithmResult {
  relErrorToBptt: number[];
  cosineToBptt: number[];
  /** Milliseconds per step, gradient included, over the timed rounds; null when the algorithm did not run. */
  msPerStep: TimeSpread | null;
  traceFloats: number;
  peakBytes: number;
  approximation: string | null;
  /** The parameters whose gradient holds a NaN or infinite entry (empty when all are finite). */
  nonFinite: string[];
  /** Why the algorithm does not run on this network (KF-RTRL on a stack, say), or null; its figures are then empty. */
  notApplicable: string | null;
  /** The layers where an algorithm exact on the top layer (OSTL) is approximate by design: those below the top. */
  approximateByDesign: number[];
}

/**
 * One network's comparison (the `networks` entries of the ostl-compare/2 schema).
 *
 * @example
 * ```ts
 * import { compareNetwork, type NetworkResult } from "@ostl/cli";
 * import { rnn } from "@ostl/models";
 * const entry = { name: "rnn", cell: rnn(), layers: 2 };
 * const result: NetworkResult = compareNetwork(entry, { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0 });
 * console.log(result.cell, result.layers, result.structure.map((s) => s.temporalJacobian)); // rnn 2 ["dense", "dense"]
 * ```
 */
export interface NetworkResult {
  cell: string;
  layers: number;
  hiddenSize: number;
  inputSize: number;
  T: number;
  structure: { layer: number; temporalJacobian: "diagonal" | "dense"; traceFloats: number; layouts: Record<string, string> }[];
  /** By the name each algorithm was asked for, BPTT first. */
  algorithms: Record<AlgorithmKey, AlgorithmResult>;
}

/**
 * A network to compare: a named cell at some depth.
 *
 * @example
 * ```ts
 * import { compareNetwork, type SuiteEntry } from "@ostl/cli";
 * import { ssnu } from "@ostl/models";
 * const entry: SuiteEntry = { name: "ssnu", cell: ssnu(), layers: 1 };
 * const r = compareNetwork(entry, { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0 });
 * console.log(r.structure[0]!.layouts); // { W: "row", b: "diag" }
 * ```
 */
export interface SuiteEntry {
  readonly name: string;
  readonly cell: Cell;
  readonly layers: number;
}

/**
 * Sizes and data of a comparison run.
 *
 * @example
 * ```ts
 * import { compareNetwork, type SuiteConfig } from "@ostl/cli";
 * import { lstm } from "@ostl/models";
 * const config: SuiteConfig = { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0 };
 * const r = compareNetwork({ name: "lstm", cell: lstm(), layers: 1 }, config);
 * console.log(r.T, r.hiddenSize, r.algorithms.rtrl.relErrorToBptt[0]! < 1e-12); // 5 4 true
 * ```
 */
export interface SuiteConfig {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  readonly T: number;
  readonly seed: number;
  /** Timed rounds of each algorithm (default {@link TIMED_ROUNDS}), the algorithms interleaved round by round. */
  readonly rounds?: number;
  /** The algorithms to compare (default: every registered one); BPTT, the reference, is always run first. */
  readonly algorithms?: readonly AlgorithmChoice[];
}

/**
 * The built-in cells of the default suite: rnn, lstm, gru, snu, ssnu and the recurrent SNU.
 *
 * @example
 * ```ts
 * import { defaultCells } from "@ostl/cli";
 * console.log((await defaultCells()).map((c) => c.name)); // ["rnn", "lstm", "gru", "snu", "ssnu", "rsnu"]
 * ```
 */
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
 * console.log(xs.length, xs[0]!.shape, targets[0]!.shape); // 10 [4] [2]
 * ```
 */
export function syntheticSequence(inputSize: number, outputSize: number, T: number, seed: number): { xs: Tensor[]; targets: Tensor[] } {
  const rng = new core.PRNG(seed);
  return {
    xs: Array.from({ length: T }, () => rng.uniform([inputSize], 0, 1.5)),
    targets: Array.from({ length: T }, () => rng.normal([outputSize])),
  };
}

/** A registered algorithm with its default options. */
const defaultChoice = (name: AlgorithmName): AlgorithmChoice => ({ key: name, name, options: {} });

/** The choices with BPTT (the reference) first, added when absent. */
function withReference(choices: readonly AlgorithmChoice[]): AlgorithmChoice[] {
  return [defaultChoice("bptt"), ...choices.filter((c) => c.key !== "bptt")];
}

/**
 * Runs the chosen algorithms (default: every registered one) on one network, times them over
 * repeated rounds, interleaved, and compares each with BPTT, layer by layer, noting the
 * parameters whose gradient is not finite (a NaN made inside the cell, or NaN parameters), and
 * the algorithms that do not apply to the network, with their reason.
 *
 * @example
 * ```ts
 * import { compareNetwork } from "@ostl/cli";
 * import { rnn } from "@ostl/models";
 * const r = compareNetwork({ name: "rnn", cell: rnn(), layers: 1 }, { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0 });
 * // one layer: OSTL and RTRL agree with BPTT to rounding
 * console.log(r.algorithms.ostl.relErrorToBptt[0]! < 1e-12, r.algorithms.rtrl.cosineToBptt[0]!.toFixed(9)); // true 1.000000000
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
  const choices = withReference(config.algorithms ?? ALGORITHMS.map((a) => defaultChoice(a)));
  // an algorithm that does not apply to this network says why when it is made
  const made = choices.map((choice): { choice: AlgorithmChoice; algorithm: GradientAlgorithm | null; reason: string | null } => {
    try {
      return { choice, algorithm: registry[choice.name].create(network, choice.options), reason: null };
    } catch (error) {
      if (!(error instanceof OstlError) || choice.name === "bptt") throw error;
      return { choice, algorithm: null, reason: error.message };
    }
  });
  // every algorithm that applies is timed in the same rounds, so a load spike hits them alike
  const applicable = made.flatMap((m) => (m.algorithm === null ? [] : [m.algorithm]));
  const measured = measureRuns(applicable.map((algorithm) => ({ algorithm, params, xs, targets })), config.rounds ?? TIMED_ROUNDS);
  const runs = made.map((m) => (m.algorithm === null ? null : measured[applicable.indexOf(m.algorithm)]!));
  const reference = runs[0]!.grads;
  // the floats each algorithm carries come from the plan (the registry asks the structure analysis); BPTT's tape, which grows with T, is measured
  const algorithms = Object.fromEntries(
    made.map(({ choice, algorithm, reason }, i) => {
      const run = runs[i];
      if (algorithm === null || run === null) return [choice.key, { relErrorToBptt: [], cosineToBptt: [], msPerStep: null, traceFloats: 0, peakBytes: 0, approximation: null, nonFinite: [], notApplicable: reason, approximateByDesign: [] }];
      const per = Array.from({ length: entry.layers }, (_, l) => compareGroup(run.grads, reference, layerKey(l)));
      const nonFinite = nonFiniteLeaves(run.grads).map((leaf) => leaf.path);
      const traceFloats = registry[choice.name].plannedFloats(network, choice.options) ?? run.memoryFloats;
      // an algorithm exact on the top layer, running without an approximation, is approximate below by design
      const byDesign = registry[choice.name].exactness === "exact-top-layer" && algorithm.approximation === null ? Array.from({ length: entry.layers - 1 }, (_, l) => l) : [];
      return [choice.key, { relErrorToBptt: per.map((p) => p.relError), cosineToBptt: per.map((p) => p.cosine), msPerStep: run.msPerStep, traceFloats, peakBytes: run.peakBytes, approximation: algorithm.approximation, nonFinite, notApplicable: null, approximateByDesign: byDesign }];
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
