/**
 * `ostl study`: algorithms compared along training trajectories. One network trains with one
 * algorithm; at every recorded update every other algorithm computes its gradient passively on the
 * same sequence with the same parameters, and is compared with BPTT's exact gradient. Each
 * algorithm also trains networks of its own, whose losses give its learning curves.
 *
 * @module
 */
import * as core from "@ostl/core";
import { OstlError, PRNG } from "@ostl/core";
import { type AlgorithmChoice, algorithms as registry, type GradientAlgorithm, layerKey, type Network, type NetworkParams } from "@ostl/ostl";
import { adam, batchExamples, type Dataset, type SequenceExample } from "@ostl/models";
import type { Provenance } from "../provenance.js";

/**
 * What a study runs.
 *
 * @example
 * ```ts
 * import { type StudySettings } from "@ostl/cli";
 * import { algorithmChoice } from "@ostl/ostl";
 * const settings: StudySettings = { trainWith: algorithmChoice("bptt"), algos: [algorithmChoice("rtrl")], seeds: 2, steps: 10, every: 5, learningRate: 0.01 };
 * console.log(settings.algos.map((a) => a.key)); // ["rtrl"]
 * ```
 */
export interface StudySettings {
  /** The algorithm whose gradients update the network of the alignment runs. */
  readonly trainWith: AlgorithmChoice;
  /** The algorithms run passively on its trajectory, and trained on their own for their loss curves. */
  readonly algos: readonly AlgorithmChoice[];
  /** Independent runs (seeds 0 .. seeds-1: parameters, data order, the algorithms' own seeds stay theirs). */
  readonly seeds: number;
  /** Updates per run, one training sequence each. */
  readonly steps: number;
  /** Record alignment (and a loss point) every this many updates. */
  readonly every: number;
  /** Adam's learning rate. */
  readonly learningRate: number;
}

/**
 * A figure over seeds at each recorded update: the mean, the standard deviation and every seed's value.
 *
 * @example
 * ```ts
 * import type { SeedSeries } from "@ostl/cli";
 * const s: SeedSeries = { mean: [0.5], sd: [0.1], perSeed: [[0.4], [0.6]] };
 * console.log(s.perSeed.length); // 2
 * ```
 */
export interface SeedSeries {
  readonly mean: number[];
  readonly sd: number[];
  readonly perSeed: number[][];
}

/**
 * The results of `ostl study` (`results.json`, schema `ostl-study/1`).
 *
 * @example
 * ```ts
 * import type { StudyResults } from "@ostl/cli";
 * const empty: StudyResults["alignment"] = {};
 * console.log(Object.keys(empty).length); // 0
 * ```
 */
export interface StudyResults {
  readonly schema: "ostl-study/1";
  readonly config: {
    readonly task: string;
    readonly metric: string;
    readonly cell: string;
    readonly hidden: number;
    readonly layers: number;
    readonly trainWith: string;
    readonly algos: string[];
    readonly seeds: number;
    readonly steps: number;
    readonly every: number;
    readonly learningRate: number;
  };
  /** The updates at which figures were recorded (0-based). */
  readonly updates: number[];
  /** Per algorithm, on the trajectory of `trainWith`: cosine and relative error of its recurrent gradient against BPTT's, and its norm. */
  readonly alignment: Record<string, { cosine: SeedSeries; relError: SeedSeries; norm: SeedSeries }>;
  /** The last update of each window of `every` updates (0-based), where the loss curves are given. */
  readonly lossUpdates: number[];
  /** Per algorithm, training on its own: the mean training loss per scored step over each window of `every` updates. */
  readonly loss: Record<string, SeedSeries>;
  /** Where and how the results were made (set by `ostl study`). */
  readonly provenance?: Provenance;
  /** Per algorithm: milliseconds per time step and floats held (traces or tape), over the alignment runs; or why it does not run. */
  readonly cost: Record<string, { msPerStep: number; floats: number; notApplicable: string | null }>;
}

/** One sequence as the algorithms are fed it: unbatched steps, masked targets, scored steps. */
function feedOf(example: SequenceExample): { inputs: core.NDArray[]; targets: core.NDArray[]; scored: number } {
  const batch = batchExamples([example]);
  return { inputs: batch.inputs as core.NDArray[], targets: batch.targets as core.NDArray[], scored: batch.counts.reduce((a, b) => a + b, 0) };
}

/** The gradient an algorithm computes for one sequence with `params`, its loss, its time and the floats it held at the sequence's end (BPTT's tape, the traces). */
function gradientOf(algo: GradientAlgorithm, params: NetworkParams, feed: ReturnType<typeof feedOf>): { grads: NetworkParams; loss: number; ms: number; floats: number } {
  const start = performance.now();
  algo.begin(params);
  const loss = algo.feed(feed.inputs, feed.targets);
  const floats = algo.memoryFloats();
  const grads = algo.takeGradients();
  return { grads, loss, ms: performance.now() - start, floats };
}

/** Cosine, relative error and norm of the recurrent layers' gradients against the reference. */
function alignmentOf(network: Network, got: NetworkParams, reference: NetworkParams): { cosine: number; relError: number; norm: number } {
  let [dot, gg, rr, dd] = [0, 0, 0, 0];
  for (let l = 0; l < network.depth; l++) {
    for (const [name, r] of Object.entries(reference[layerKey(l)]!)) {
      const g = core.contiguous(got[layerKey(l)]![name] as core.NDArray);
      const rv = core.contiguous(r as core.NDArray);
      for (let i = 0; i < rv.size; i++) {
        const [a, b] = [g.data[i]!, rv.data[i]!];
        [dot, gg, rr, dd] = [dot + a * b, gg + a * a, rr + b * b, dd + (a - b) ** 2];
      }
    }
  }
  const [ng, nr] = [Math.sqrt(gg), Math.sqrt(rr)];
  return { cosine: ng === 0 || nr === 0 ? (ng === nr ? 1 : 0) : dot / (ng * nr), relError: Math.sqrt(dd) / Math.max(nr, 1e-12), norm: ng };
}

function seriesOf(perSeed: number[][]): SeedSeries {
  const points = perSeed[0]?.length ?? 0;
  const mean = Array.from({ length: points }, (_, i) => perSeed.reduce((a, s) => a + s[i]!, 0) / perSeed.length);
  const sd = mean.map((m, i) => (perSeed.length < 2 ? 0 : Math.sqrt(perSeed.reduce((a, s) => a + (s[i]! - m) ** 2, 0) / (perSeed.length - 1))));
  return { mean, sd, perSeed };
}

/** The algorithm on the network, or why it does not run there. */
function make(choice: AlgorithmChoice, network: Network): GradientAlgorithm | string {
  try {
    return registry[choice.name].create(network, choice.options);
  } catch (error) {
    if (error instanceof OstlError) return error.message;
    throw error;
  }
}

/**
 * Runs a study on a network (its loss masks unscored steps, see `withMaskedLoss`) and a data set.
 * Per seed: parameters from `network.init(PRNG(seed))`, the training sequences in a seeded order,
 * Adam. `onProgress` is called after every run with a label.
 *
 * @throws {@link OstlError} when `trainWith` does not run on the network (naming why).
 * @example
 * ```ts
 * import { runStudy } from "@ostl/cli";
 * import { algorithmChoice } from "@ostl/ostl";
 * import { addTask, datasetNetwork, rnn, withMaskedLoss } from "@ostl/models";
 * const data = addTask({ length: 12, lags: [2, 4], examples: [8, 2, 2], seed: 0 });
 * const net = withMaskedLoss(datasetNetwork(data, rnn(), 4));
 * const settings = { trainWith: algorithmChoice("bptt"), algos: [algorithmChoice("rtrl"), algorithmChoice("uoro")], seeds: 2, steps: 4, every: 2, learningRate: 0.01 };
 * const r = runStudy(net, data, { task: "add", cell: "rnn", hidden: 4 }, settings);
 * // RTRL's gradient is BPTT's at every recorded update
 * console.log(r.updates, r.alignment.rtrl!.cosine.mean.map((c) => c.toFixed(9))); // [0, 2] ["1.000000000", "1.000000000"]
 * console.log(r.loss.uoro!.perSeed.length, r.cost.uoro!.floats > 0); // 2 true
 * ```
 */
export function runStudy(network: Network, data: Dataset, about: { task: string; cell: string; hidden: number; layers?: number }, settings: StudySettings, onProgress: (label: string) => void = () => {}): StudyResults {
  const { seeds, steps, every } = settings;
  const keys = [settings.trainWith.key, ...settings.algos.map((a) => a.key).filter((k) => k !== settings.trainWith.key)];
  const choices = new Map([settings.trainWith, ...settings.algos].map((c) => [c.key, c] as const));
  const updates = Array.from({ length: steps }, (_, u) => u).filter((u) => u % every === 0);
  const n = data.train.length;
  const orderFor = (seed: number) => new PRNG(seed + 1).permutation(n);
  const alignment = new Map(keys.map((k) => [k, { cosine: [] as number[][], relError: [] as number[][], norm: [] as number[][] }]));
  const losses = new Map(keys.map((k) => [k, [] as number[][]]));
  const costs = new Map(keys.map((k) => [k, { ms: 0, steps: 0, floats: 0, notApplicable: null as string | null }]));
  const trainer = make(settings.trainWith, network);
  if (typeof trainer === "string") throw new OstlError("study", `--train-with ${settings.trainWith.key} does not run on this network: ${trainer}`);
  const bptt = registry.bptt.create(network);

  /** One training run of `algo`; with `passive`, the others' alignment at the recorded updates. Returns the loss per window. */
  const runOnce = (algo: GradientAlgorithm, key: string, seed: number, passive: Map<string, GradientAlgorithm> | null): number[] => {
    const params = network.ownParams(network.init(new PRNG(seed)));
    const optimizer = adam({ learningRate: settings.learningRate });
    const order = orderFor(seed);
    const windows: number[] = [];
    let [lossSum, scoredSum] = [0, 0];
    const series = passive === null ? null : new Map([...passive.keys(), key].map((k) => [k, { cosine: [] as number[], relError: [] as number[], norm: [] as number[] }]));
    for (let u = 0; u < steps; u++) {
      const feed = feedOf(data.train[order[u % n]!]!);
      const own = gradientOf(algo, params, feed);
      [lossSum, scoredSum] = [lossSum + own.loss, scoredSum + feed.scored];
      if (series !== null && u % every === 0) {
        const reference = key === "bptt" ? own.grads : gradientOf(bptt, params, feed).grads;
        const record = (k: string, grads: NetworkParams) => {
          const a = alignmentOf(network, grads, reference);
          const s = series.get(k)!;
          s.cosine.push(a.cosine);
          s.relError.push(a.relError);
          s.norm.push(a.norm);
        };
        record(key, own.grads);
        const cost = costs.get(key)!;
        [cost.ms, cost.steps, cost.floats] = [cost.ms + own.ms, cost.steps + feed.inputs.length, own.floats];
        for (const [k, other] of passive!) {
          const g = gradientOf(other, params, feed);
          record(k, g.grads);
          const c = costs.get(k)!;
          [c.ms, c.steps, c.floats] = [c.ms + g.ms, c.steps + feed.inputs.length, g.floats];
        }
      }
      if (feed.scored > 0) optimizer.update(params, own.grads, 1 / feed.scored);
      if ((u + 1) % every === 0 || u === steps - 1) {
        windows.push(scoredSum === 0 ? NaN : lossSum / scoredSum);
        [lossSum, scoredSum] = [0, 0];
      }
    }
    if (series !== null) {
      for (const [k, s] of series) {
        const into = alignment.get(k)!;
        into.cosine.push(s.cosine);
        into.relError.push(s.relError);
        into.norm.push(s.norm);
      }
    }
    return windows;
  };

  // the alignment runs: the trainer's trajectory, the others passive on it
  const passive = new Map<string, GradientAlgorithm>();
  for (const k of keys.slice(1)) {
    const made = make(choices.get(k)!, network);
    if (typeof made === "string") costs.get(k)!.notApplicable = made;
    else passive.set(k, made);
  }
  for (let seed = 0; seed < seeds; seed++) {
    losses.get(keys[0]!)!.push(runOnce(trainer, keys[0]!, seed, passive));
    onProgress(`${keys[0]} seed ${seed} (alignment)`);
  }
  // each other algorithm's own training runs, for its loss curve
  for (const [k, algo] of passive) {
    for (let seed = 0; seed < seeds; seed++) {
      losses.get(k)!.push(runOnce(algo, k, seed, null));
      onProgress(`${k} seed ${seed}`);
    }
  }
  const ran = keys.filter((k) => costs.get(k)!.notApplicable === null);
  return {
    schema: "ostl-study/1",
    config: { task: about.task, metric: data.metric, cell: about.cell, hidden: about.hidden, layers: about.layers ?? 1, trainWith: keys[0]!, algos: keys.slice(1), seeds, steps, every, learningRate: settings.learningRate },
    updates,
    lossUpdates: Array.from({ length: Math.ceil(steps / every) }, (_, w) => Math.min((w + 1) * every, steps) - 1),
    alignment: Object.fromEntries(ran.map((k) => [k, { cosine: seriesOf(alignment.get(k)!.cosine), relError: seriesOf(alignment.get(k)!.relError), norm: seriesOf(alignment.get(k)!.norm) }])),
    loss: Object.fromEntries(ran.map((k) => [k, seriesOf(losses.get(k)!)])),
    cost: Object.fromEntries(keys.map((k) => {
      const c = costs.get(k)!;
      return [k, { msPerStep: c.steps === 0 ? 0 : c.ms / c.steps, floats: c.floats, notApplicable: c.notApplicable }];
    })),
  };
}
