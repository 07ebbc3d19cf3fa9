/**
 * The gradient algorithms by name: what each computes (exactness), the options it takes, and a
 * factory. The command line (`train --algo`, `compare`, `gradcheck`) reads its lists from here.
 *
 * @module
 */
import { ValueError } from "@ostl/core";
import type { AlgorithmName, GradientAlgorithm } from "./algorithm.js";
import { Bptt, type BpttOptions } from "./bptt.js";
import type { Network } from "../model/network.js";
import { checkChoice, checkOptions } from "../model/options.js";
import { Ostl, type OstlOptions } from "./ostl.js";
import { Rtrl } from "./rtrl.js";
import { Eprop, type EpropOptions } from "./eprop.js";
import { Snap, type SnapOptions } from "./snap.js";
import { Uoro, type UoroOptions } from "./uoro.js";
import { KfRtrl, type KfRtrlOptions } from "./kf-rtrl.js";
import { Rflo } from "./rflo.js";
import { analyze } from "./analyze.js";
import { influencePattern } from "../analysis/influence-pattern.js";

/**
 * How close an algorithm's gradient is to the exact one (BPTT's):
 * - `exact`: equal to rounding;
 * - `exact-top-layer`: exact for a one-layer network and for the top layer of a stack;
 *   approximate below, where the terms through the upper layers' recurrence are dropped;
 * - `unbiased`: a stochastic estimate whose mean over seeds is the exact gradient (RTRL's);
 * - `approximate`: an approximation on every layer.
 *
 * @example
 * ```ts
 * import { algorithms, type Exactness } from "@ostl/ostl";
 * const exactness: Exactness[] = [algorithms.bptt.exactness, algorithms.ostl.exactness];
 * console.log(exactness); // ["exact", "exact-top-layer"]
 * ```
 */
export type Exactness = "exact" | "exact-top-layer" | "unbiased" | "approximate";

/**
 * One option an algorithm accepts.
 *
 * @example
 * ```ts
 * import { algorithms, type AlgorithmOption } from "@ostl/ostl";
 * const option: AlgorithmOption = algorithms.ostl.options[0]!;
 * console.log(option.name, option.values, option.default, option.approximates); // approximation ["none", "diagonal"] none ["diagonal"]
 * ```
 */
export interface AlgorithmOption {
  readonly name: string;
  /** The allowed values, or `"positive integer"`, or `"non-negative integer"` (a seed). */
  readonly values: readonly string[] | "positive integer" | "non-negative integer";
  /** The value used when the option is absent (`"none"` when absence means off). */
  readonly default: string;
  /** The values that make the algorithm approximate on every layer (`"positive integer"`: any value given). */
  readonly approximates: readonly string[] | "positive integer";
  readonly description: string;
}

/**
 * What an algorithm does, named along three axes (as BrainTrace names its online algorithms):
 * - `traces`: what it carries of the influence of the parameters on the state;
 * - `signal`: how the error reaches the recurrent layers at each step;
 * - `feedback`: the matrix that sends the output error back, where the signal is fed back.
 *
 * @example
 * ```ts
 * import { algorithms, type AlgorithmAxes } from "@ostl/ostl";
 * const axes: AlgorithmAxes = algorithms.eprop.axes;
 * console.log(axes); // { traces: "each unit's own block", signal: "output error fed back (symmetric: OSTL's signal)", feedback: "symmetric (default) or random" }
 * ```
 */
export interface AlgorithmAxes {
  readonly traces: string;
  readonly signal: string;
  readonly feedback: string;
}

/**
 * A gradient algorithm in the registry.
 *
 * @example
 * ```ts
 * import { algorithms, type AlgorithmEntry, Network } from "@ostl/ostl";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const entry: AlgorithmEntry = algorithms.bptt;
 * console.log(entry.create(net, { window: 4 }).approximation); // truncated BPTT (window 4)
 * ```
 */
export interface AlgorithmEntry {
  readonly name: AlgorithmName;
  /** The name as papers write it, for titles and prose (`BPTT`, `e-prop`). */
  readonly title: string;
  /** One line: what the algorithm does and what it costs. */
  readonly description: string;
  /** The exactness with every option at its default. */
  readonly exactness: Exactness;
  /** What it does, along the axes traces, signal and feedback. */
  readonly axes: AlgorithmAxes;
  readonly options: readonly AlgorithmOption[];
  /**
   * The floats the algorithm carries between steps on `network` with `options`, from the plan
   * (the structure analysis), before anything runs; `null` where they grow with the sequence
   * (BPTT's tape).
   */
  plannedFloats(network: Network, options?: object): number | null;
  /**
   * The algorithm on `network` with `options`.
   *
   * @throws {@link ValueError} for an unknown option or value (naming the algorithm, the option and the known ones).
   */
  create(network: Network, options?: object): GradientAlgorithm;
}

/** Throws unless every option is one the entry lists, with an allowed value. */
function checkEntryOptions(name: string, options: object, known: readonly AlgorithmOption[]): void {
  checkOptions(name, options, known.map((o) => o.name));
  for (const option of known) if (typeof option.values !== "string") checkChoice(name, option.name, (options as Record<string, unknown>)[option.name], option.values);
}

function entry(spec: Omit<AlgorithmEntry, "create" | "plannedFloats">, make: (network: Network, options: object) => GradientAlgorithm, floats: (network: Network, options: Record<string, unknown>) => number | null): AlgorithmEntry {
  return {
    ...spec,
    create: (network, options = {}) => {
      checkEntryOptions(spec.name, options, spec.options);
      return make(network, options);
    },
    plannedFloats: (network, options = {}) => {
      checkEntryOptions(spec.name, options, spec.options);
      return floats(network, options as Record<string, unknown>);
    },
  };
}

/** The seed option of a stochastic algorithm: of what it draws. */
const seedEntry = (what: string): AlgorithmOption => ({ name: "seed", values: "non-negative integer", default: "0", approximates: [], description: `seed of ${what}` });

/** OSTL's diagonal traces with the diagonal approximation (e-prop, RFLO), and the random feedback matrices when the feedback is random. */
function feedbackTraceFloats(network: Network, feedback: unknown, randomByDefault: boolean): number {
  const random = feedback === "random" || (feedback === undefined && randomByDefault);
  const matrices = random ? network.spec.layers.reduce((n, l) => n + l.hiddenSize * network.spec.outputSize, 0) : 0;
  return analyze(network, { approximation: "diagonal" }).traceFloats.ostl + matrices;
}

/**
 * The gradient algorithms, by name, in the order the command line lists them.
 *
 * @example
 * ```ts
 * import { algorithms } from "@ostl/ostl";
 * console.log(Object.values(algorithms).map((a) => `${a.name}: ${a.exactness} (${a.options.map((o) => o.name).join(", ")})`));
 * // ["bptt: exact (window)", "rtrl: exact ()", "ostl: exact-top-layer (approximation, denseImmediate)", "eprop: approximate (feedback, seed)", "snap: approximate (n)", "uoro: unbiased (seed)", "kfrtrl: unbiased (seed)", "rflo: approximate (feedback, seed)"]
 * ```
 */
export const algorithms = {
  bptt: entry(
    {
      name: "bptt",
      title: "BPTT",
      description: "backpropagation through time: exact; memory grows with the sequence length",
      exactness: "exact",
      axes: { traces: "none: the tape of the whole sequence, differentiated backward", signal: "exact, through time", feedback: "none" },
      options: [{ name: "window", values: "positive integer", default: "none", approximates: "positive integer", description: "truncated BPTT: backpropagate and drop the tape every N steps" }],
    },
    (network, options) => new Bptt(network, options as BpttOptions),
    () => null,
  ),
  rtrl: entry(
    {
      name: "rtrl",
      title: "RTRL",
      description: "real-time recurrent learning: exact and online; the influence matrix holds parameters × state floats",
      exactness: "exact",
      axes: { traces: "the whole influence matrix", signal: "exact, at each step", feedback: "none" },
      options: [],
    },
    (network) => new Rtrl(network),
    (network) => analyze(network).traceFloats.rtrl,
  ),
  ostl: entry(
    {
      name: "ostl",
      title: "OSTL",
      description: "online spatio-temporal learning: online, traces structured by the cell's temporal Jacobian",
      exactness: "exact-top-layer",
      axes: { traces: "each layer's own influence", signal: "exact within a step, through the layers above", feedback: "none" },
      options: [
        { name: "approximation", values: ["none", "diagonal"], default: "none", approximates: ["diagonal"], description: "diagonal approximation of dense temporal Jacobians" },
        { name: "denseImmediate", values: ["auto", "reverse", "forward"], default: "auto", approximates: [], description: "how dense traces compute the immediate terms (same results, speed only)" },
      ],
    },
    (network, options) => new Ostl(network, options as OstlOptions),
    (network, options) => analyze(network, options as OstlOptions).traceFloats.ostl,
  ),
  eprop: entry(
    {
      name: "eprop",
      title: "e-prop",
      description: "e-prop: online, each unit's own eligibility traces (OSTL's diagonal approximation) and a learning signal fed back from the output error",
      exactness: "approximate",
      axes: { traces: "each unit's own block", signal: "output error fed back (symmetric: OSTL's signal)", feedback: "symmetric (default) or random" },
      options: [
        { name: "feedback", values: ["symmetric", "random"], default: "symmetric", approximates: ["random"], description: "the readout's transpose (symmetric) or a fixed random matrix per layer (random)" },
        seedEntry("the random feedback matrices"),
      ],
    },
    (network, options) => new Eprop(network, options as EpropOptions),
    (network, options) => feedbackTraceFloats(network, options.feedback, false),
  ),
  snap: entry(
    {
      name: "snap",
      title: "SnAp",
      description: "sparse n-step approximation of RTRL: online, the influence matrix kept on the entries each parameter reaches within n steps (exact from the network's dependency depth on)",
      exactness: "approximate",
      axes: { traces: "the entries n steps reach", signal: "exact, at each step", feedback: "none" },
      options: [{ name: "n", values: "positive integer", default: "1", approximates: [], description: "steps of reach kept (SnAp-n)" }],
    },
    (network, options) => new Snap(network, options as SnapOptions),
    (network, options) => {
      const { column, rows } = influencePattern(network).snap((options.n as number | undefined) ?? 1);
      return column.reduce((n, c) => n + rows[c]!.length, 0);
    },
  ),
  uoro: entry(
    {
      name: "uoro",
      title: "UORO",
      description: "unbiased online recurrent optimization: online, a rank-one random estimate of RTRL's influence matrix (|S| + P floats)",
      exactness: "unbiased",
      axes: { traces: "a rank-one random estimate", signal: "exact, at each step", feedback: "none" },
      options: [seedEntry("the random signs")],
    },
    (network, options) => new Uoro(network, options as UoroOptions),
    (network) => influencePattern(network).stateSize + influencePattern(network).paramSize,
  ),
  kfrtrl: entry(
    {
      name: "kfrtrl",
      title: "KF-RTRL",
      description: "Kronecker-factored RTRL: online, an unbiased random estimate of the influence of each weight that enters as a product W u, for one recurrent layer",
      exactness: "unbiased",
      axes: { traces: "Kronecker-factored random estimate", signal: "exact, at each step", feedback: "none" },
      options: [seedEntry("the random signs")],
    },
    (network, options) => new KfRtrl(network, options as KfRtrlOptions),
    (network, options) => new KfRtrl(network, options as KfRtrlOptions).plannedFloats(),
  ),
  rflo: entry(
    {
      name: "rflo",
      title: "RFLO",
      description: "random-feedback local online learning: online, each unit's own leak as its traces (no path through the weights) and the output error fed back",
      exactness: "approximate",
      axes: { traces: "each unit's own leak", signal: "output error fed back", feedback: "random (default) or symmetric" },
      options: [
        { name: "feedback", values: ["random", "symmetric"], default: "random", approximates: ["random"], description: "a fixed random matrix per layer (random, the paper's) or the readout's transpose (symmetric)" },
        seedEntry("the random feedback matrices"),
      ],
    },
    (network, options) => new Rflo(network, options as EpropOptions),
    (network, options) => feedbackTraceFloats(network, options.feedback, true),
  ),
} as const satisfies Record<AlgorithmName, AlgorithmEntry>;

/**
 * The registered algorithms' names, in order.
 *
 * @example
 * ```ts
 * import { ALGORITHM_NAMES } from "@ostl/ostl";
 * console.log(ALGORITHM_NAMES); // ["bptt", "rtrl", "ostl", "eprop", "snap", "uoro", "kfrtrl", "rflo"]
 * ```
 */
export const ALGORITHM_NAMES = Object.keys(algorithms) as readonly AlgorithmName[];

/**
 * The registry entry called `name`.
 *
 * @throws {@link ValueError} for an unknown name, listing the known ones.
 * @example
 * ```ts
 * import { algorithmByName } from "@ostl/ostl";
 * console.log(algorithmByName("rtrl").exactness); // exact
 * try {
 *   algorithmByName("BPTT");
 * } catch (e) {
 *   console.log((e as Error).message); // algorithmByName: unknown algorithm 'BPTT' (known: bptt, rtrl, ostl, eprop, snap, uoro, kfrtrl, rflo)
 * }
 * ```
 */
export function algorithmByName(name: string): AlgorithmEntry {
  if (!Object.hasOwn(algorithms, name)) throw new ValueError("algorithmByName", `unknown algorithm '${name}' (known: ${ALGORITHM_NAMES.join(", ")})`);
  return algorithms[name as AlgorithmName];
}

/**
 * The exactness of algorithm `name` with `options`: an option set to one of its approximating
 * values makes any algorithm `approximate`.
 *
 * @throws {@link ValueError} for an unknown name.
 * @example
 * ```ts
 * import { exactnessOf } from "@ostl/ostl";
 * console.log(exactnessOf("ostl"), exactnessOf("ostl", { approximation: "diagonal" }), exactnessOf("bptt", { window: 10 })); // exact-top-layer approximate approximate
 * ```
 */
export function exactnessOf(name: string, options: object = {}): Exactness {
  const found = algorithmByName(name);
  const given = options as Record<string, unknown>;
  const approximating = found.options.some((o) => given[o.name] !== undefined && (o.approximates === "positive integer" || o.approximates.includes(String(given[o.name]))));
  return approximating ? "approximate" : found.exactness;
}

/**
 * An algorithm as the command line names it: a registered name, or a preset that carries a
 * paper's name for a point of an algorithm's option space (`snap2`: SnAp with n = 2).
 *
 * @example
 * ```ts
 * import { algorithmChoice, type AlgorithmChoice } from "@ostl/ostl";
 * const choice: AlgorithmChoice = algorithmChoice("snap2");
 * console.log(choice.key, choice.name, choice.options); // snap2 snap { n: 2 }
 * ```
 */
export interface AlgorithmChoice {
  /** The name given: a registered algorithm's or a preset's. */
  readonly key: string;
  readonly name: AlgorithmName;
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * The presets: papers' and common names for points of the registered algorithms' option spaces.
 *
 * @example
 * ```ts
 * import { ALGORITHM_PRESETS } from "@ostl/ostl";
 * console.log(Object.keys(ALGORITHM_PRESETS)); // ["ostl-diagonal", "eprop-random", "snap1", "snap2", "snap3"]
 * ```
 */
export const ALGORITHM_PRESETS: Readonly<Record<string, { readonly name: AlgorithmName; readonly options: Readonly<Record<string, unknown>>; readonly description: string }>> = {
  "ostl-diagonal": { name: "ostl", options: { approximation: "diagonal" }, description: "OSTL with the diagonal approximation of dense temporal Jacobians" },
  "eprop-random": { name: "eprop", options: { feedback: "random" }, description: "e-prop with random feedback" },
  snap1: { name: "snap", options: { n: 1 }, description: "SnAp-1: each parameter's immediate targets" },
  snap2: { name: "snap", options: { n: 2 }, description: "SnAp-2: the entries two steps reach" },
  snap3: { name: "snap", options: { n: 3 }, description: "SnAp-3: the entries three steps reach" },
};

/**
 * The algorithm a name stands for: a registered algorithm with its default options, or a preset.
 *
 * @throws {@link ValueError} for an unknown name, listing the algorithms and the presets.
 * @example
 * ```ts
 * import { algorithmChoice } from "@ostl/ostl";
 * console.log(algorithmChoice("uoro").options, algorithmChoice("eprop-random").options); // {} { feedback: "random" }
 * try {
 *   algorithmChoice("snap9");
 * } catch (e) {
 *   console.log((e as Error).message); // algorithmChoice: unknown algorithm 'snap9' (algorithms: bptt, rtrl, ostl, eprop, snap, uoro, kfrtrl, rflo; presets: ostl-diagonal, eprop-random, snap1, snap2, snap3)
 * }
 * ```
 */
export function algorithmChoice(key: string): AlgorithmChoice {
  if (Object.hasOwn(algorithms, key)) return { key, name: key as AlgorithmName, options: {} };
  if (Object.hasOwn(ALGORITHM_PRESETS, key)) return { key, ...ALGORITHM_PRESETS[key]! };
  throw new ValueError("algorithmChoice", `unknown algorithm '${key}' (algorithms: ${ALGORITHM_NAMES.join(", ")}; presets: ${Object.keys(ALGORITHM_PRESETS).join(", ")})`);
}
