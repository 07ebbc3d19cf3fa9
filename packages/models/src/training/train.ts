/**
 * The training loop: any gradient algorithm, updates once per sequence (batch) or every k steps,
 * per-epoch train / valid / test figures, seeded shuffling, and hooks for progress reports,
 * checkpoints and interruption.
 *
 * @module
 */
import { type AlgorithmName, algorithmByName, type GradientAlgorithm, type Network, type NetworkArrays, type NetworkParams, type OstlOptions } from "@ostl/ostl";
import { type PRNG, ValueError } from "@ostl/core";
import { batchExamples } from "../data/batch.js";
import type { Dataset } from "../data/dataset.js";
import { clipGlobalNorm } from "../optim/clip.js";
import { scaleTreeInPlace } from "../optim/leaves.js";
import type { Optimizer } from "../optim/optimizer.js";
import { describeNonFinite, TrainingDivergedError, type TrainingPosition } from "./divergence.js";
import { scoreExamples } from "./evaluate.js";
import { withMaskedLoss } from "./network.js";

/**
 * When updates are applied: after every `k` steps of a sequence (and at its end), or once per
 * sequence (per batch of sequences).
 *
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { adam, copyTask, datasetNetwork, rnn, train, type UpdateEvery } from "@ostl/models";
 * const data = copyTask({ symbols: 3, length: 2, delay: 2, examples: [4, 2, 2], seed: 0 });
 * const net = datasetNetwork(data, rnn(), 8);
 * const updates = async (updateEvery: UpdateEvery) => {
 *   const optimizer = adam({ learningRate: 0.01 });
 *   await train(net, net.init(new PRNG(1)), data, { algorithm: "ostl", optimizer, epochs: 1, updateEvery });
 *   return optimizer.steps;
 * };
 * // once per sequence, or after every step that carries a loss
 * console.log(await updates("sequence"), await updates(1)); // 4 8
 * ```
 */
export type UpdateEvery = number | "sequence";

/**
 * Options of {@link train}.
 *
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { adam, copyTask, datasetNetwork, rnn, train, type TrainOptions } from "@ostl/models";
 * const data = copyTask({ symbols: 3, length: 2, delay: 2, examples: [8, 2, 2], seed: 0 });
 * const net = datasetNetwork(data, rnn(), 8);
 * const options: TrainOptions = { algorithm: "bptt", optimizer: adam({ learningRate: 1e-2 }), epochs: 3, batchSize: 4, clipNorm: 1, shuffle: new PRNG(1) };
 * const { history } = await train(net, net.init(new PRNG(0)), data, options);
 * console.log(history.map((m) => m.epoch), options.optimizer.steps); // [1, 2, 3] 6
 * ```
 */
export interface TrainOptions {
  readonly algorithm: AlgorithmName;
  readonly optimizer: Optimizer;
  readonly epochs: number;
  /** Default `"sequence"`. */
  readonly updateEvery?: UpdateEvery;
  /** Sequences per batch (padded and masked; default 1). */
  readonly batchSize?: number;
  /** Clip the averaged gradients to this global L2 norm before each update (default: no clipping). */
  readonly clipNorm?: number;
  /** Shuffles the training sequences at every epoch (default: the data set's order). */
  readonly shuffle?: PRNG;
  /** Options of the OSTL algorithm (e.g. the diagonal approximation). */
  readonly ostl?: OstlOptions;
  /** Sequences per batch when scoring valid and test (default 1, where the compiled step runs matrix-vector products; the figures do not depend on it). */
  readonly evalBatchSize?: number;
  /**
   * The first epoch to run (default 1), for a run resumed from a {@link Checkpoint} of epoch
   * `firstEpoch - 1`: pass its params, the optimizer and the shuffling generator with its state
   * loaded, and the epochs that follow are those of the uninterrupted run, to the bit.
   */
  readonly firstEpoch?: number;
}

/**
 * The figures of one epoch: the mean per-step loss over the training steps as they were trained
 * (parameters changing along the epoch), and over the valid and test splits after the epoch;
 * `seconds` is the epoch's wall-clock time, scoring included.
 *
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { adam, copyTask, datasetNetwork, rnn, train, type EpochMetrics } from "@ostl/models";
 * const data = copyTask({ symbols: 3, length: 2, delay: 2, examples: [4, 2, 2], seed: 0 });
 * const net = datasetNetwork(data, rnn(), 8);
 * const { history } = await train(net, net.init(new PRNG(0)), data, { algorithm: "ostl", optimizer: adam({ learningRate: 0.01 }), epochs: 1 });
 * const m: EpochMetrics = history[0]!;
 * console.log(Object.keys(m), m.epoch, m.valid > 0); // ["epoch", "train", "valid", "test", "seconds"] 1 true
 * ```
 */
export interface EpochMetrics {
  readonly epoch: number;
  readonly train: number;
  readonly valid: number;
  readonly test: number;
  readonly seconds: number;
  /** For binary multi-label targets (JSB, scored by sigmoid cross-entropy): the frame-level accuracy of valid and test (see scoreExamples). */
  readonly validAccuracy?: number;
  readonly testAccuracy?: number;
}

/**
 * Where training is, reported after every batch.
 *
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { adam, copyTask, datasetNetwork, rnn, train, type TrainProgress } from "@ostl/models";
 * const data = copyTask({ symbols: 3, length: 2, delay: 2, examples: [4, 2, 2], seed: 0 });
 * const net = datasetNetwork(data, rnn(), 8);
 * const seen: TrainProgress[] = [];
 * await train(net, net.init(new PRNG(0)), data, { algorithm: "ostl", optimizer: adam({ learningRate: 0.01 }), epochs: 2, batchSize: 2 }, { onProgress: (p) => seen.push(p) });
 * console.log(seen.map((p) => `${p.epoch}/${p.epochs}: ${p.sequence}/${p.sequences}`)); // ["1/2: 2/4", "1/2: 4/4", "2/2: 2/4", "2/2: 4/4"]
 * ```
 */
export interface TrainProgress {
  readonly epoch: number;
  readonly epochs: number;
  /** Sequences trained so far in this epoch. */
  readonly sequence: number;
  readonly sequences: number;
  /** Mean per-step loss of this epoch so far. */
  readonly runningLoss: number;
}

/**
 * Callbacks of {@link train}.
 *
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { adam, copyTask, datasetNetwork, rnn, train, type TrainHooks } from "@ostl/models";
 * const data = copyTask({ symbols: 3, length: 2, delay: 2, examples: [4, 2, 2], seed: 0 });
 * const net = datasetNetwork(data, rnn(), 8);
 * const epochs: number[] = [];
 * // stop during the third epoch: the two finished epochs are kept
 * const hooks: TrainHooks = { onEpoch: (m) => void epochs.push(m.epoch), shouldStop: () => epochs.length === 2 };
 * const result = await train(net, net.init(new PRNG(0)), data, { algorithm: "ostl", optimizer: adam({ learningRate: 0.01 }), epochs: 5 }, hooks);
 * console.log(epochs, result.history.length, result.stopped); // [1, 2] 2 true
 * ```
 */
export interface TrainHooks {
  /** After every batch. */
  onProgress?(progress: TrainProgress): void;
  /** After every epoch, with the figures, the params reached and the split of the time. */
  onEpoch?(metrics: EpochMetrics, params: NetworkArrays, timing: { readonly trainSeconds: number; readonly evalSeconds: number }): void | Promise<void>;
  /** Checked before every batch; `true` stops training, keeping the epochs already finished. */
  shouldStop?(): boolean;
}

/**
 * What {@link train} returns.
 *
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { adam, copyTask, datasetNetwork, evaluate, rnn, train, type TrainResult } from "@ostl/models";
 * const data = copyTask({ symbols: 3, length: 2, delay: 2, examples: [4, 2, 2], seed: 0 });
 * const net = datasetNetwork(data, rnn(), 8);
 * const result: TrainResult = await train(net, net.init(new PRNG(0)), data, { algorithm: "rtrl", optimizer: adam({ learningRate: 0.01 }), epochs: 2 });
 * console.log(result.history.length, result.stopped, evaluate(net, result.params, data.test) === result.history[1]!.test); // 2 false true
 * ```
 */
export interface TrainResult {
  readonly params: NetworkArrays;
  readonly history: readonly EpochMetrics[];
  /** Whether `shouldStop` ended training before the last epoch. */
  readonly stopped: boolean;
}

/**
 * The gradient algorithm called `name` on a network.
 *
 * @throws {@link ValueError} for an unknown name.
 * @example
 * ```ts
 * import { Network } from "@ostl/ostl";
 * import { makeAlgorithm, mse, ssnu } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: ssnu(), hiddenSize: 4 }], outputSize: 1, loss: mse });
 * console.log(makeAlgorithm("ostl", net).name); // ostl
 * ```
 */
export function makeAlgorithm(name: AlgorithmName, network: Network, ostl: OstlOptions = {}): GradientAlgorithm {
  return algorithmByName(name).create(network, name === "ostl" ? ostl : {});
}

function checkOptions(options: TrainOptions): { every: number; batchSize: number } {
  const { epochs, updateEvery = "sequence", batchSize = 1, firstEpoch = 1 } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ValueError("train", `epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(firstEpoch) || firstEpoch < 1 || firstEpoch > epochs + 1) throw new ValueError("train", `firstEpoch must be an integer from 1 to epochs + 1 = ${epochs + 1}, got ${firstEpoch}`);
  if (updateEvery !== "sequence" && (!Number.isInteger(updateEvery) || updateEvery < 1)) {
    throw new ValueError("train", `updateEvery must be a positive integer or "sequence", got ${String(updateEvery)}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError("train", `batchSize must be a positive integer, got ${batchSize}`);
  return { every: updateEvery === "sequence" ? Infinity : updateEvery, batchSize };
}

/**
 * Lets pending events (a SIGINT handler, timers, a worker's messages) run between batches: with
 * Node's `setImmediate`, or where there is none (browsers) a message through a channel, which runs
 * as soon as the event loop turns, without the clamp of nested `setTimeout`.
 */
const yieldToEvents: () => Promise<void> = typeof setImmediate === "function" ? () => new Promise<void>((resolve) => setImmediate(resolve)) : channelYield();

/** The browser's MessageChannel, as much of it as {@link channelYield} uses (Node's types describe Node's own). */
interface BrowserChannel {
  readonly port1: { onmessage: (() => void) | null };
  readonly port2: { postMessage(message: null): void };
}

function channelYield(): () => Promise<void> {
  const waiting: (() => void)[] = [];
  const channel = new (globalThis as unknown as { MessageChannel: new () => BrowserChannel }).MessageChannel();
  channel.port1.onmessage = () => waiting.shift()?.();
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(null);
    });
}

/**
 * Trains a network on a data set. For every batch of training sequences (shuffled per epoch when
 * `shuffle` is given) the algorithm starts from the initial state and is fed the batch in chunks
 * of `updateEvery` steps (or whole); after each chunk the gradients, summed over its scored steps,
 * are averaged over them (the loss averaged over the steps), clipped if asked, and applied by the
 * optimizer. Chunks without a scored step apply no update. Valid and test are scored after every epoch.
 *
 * @throws {@link ValueError} for bad options; {@link TrainingDivergedError} when a loss, a gradient or
 *   an updated parameter is NaN or infinite (naming the epoch, the sequence and the value); the
 *   epochs reported to `onEpoch` before it stand.
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { adam, copyTask, datasetNetwork, rnn, train } from "@ostl/models";
 * const data = copyTask({ symbols: 3, length: 2, delay: 2, examples: [64, 16, 16], seed: 0 });
 * const net = datasetNetwork(data, rnn(), 16);
 * const result = await train(net, net.init(new PRNG(1)), data, {
 *   algorithm: "ostl", optimizer: adam({ learningRate: 0.01 }), epochs: 2, shuffle: new PRNG(2),
 * });
 * console.log(result.history.length); // 2
 * ```
 */
export async function train(network: Network, params: NetworkParams, data: Dataset, options: TrainOptions, hooks: TrainHooks = {}): Promise<TrainResult> {
  const { every, batchSize } = checkOptions(options);
  const net = withMaskedLoss(network);
  const algo = makeAlgorithm(options.algorithm, net, options.ostl);
  const history: EpochMetrics[] = [];
  const n = data.train.length;
  // the loop's own copy of the params (checked first), which the optimizer updates in place
  net.checkParams(params, "train");
  const current = net.ownParams(params);

  // O(1) per chunk for the loss; one pass over the gradients and the new params per update. The
  // algorithm takes the new params with setParams when the sequence goes on, and with the next
  // begin otherwise (either copies them once).
  const apply = (scored: number, at: TrainingPosition, sequenceGoesOn: boolean) => {
    const summed = algo.takeGradients();
    if (scored === 0) return;
    // the average is summed / scored, NaN or infinite where the sum is (scored ≥ 1)
    const badGradient = describeNonFinite(summed);
    if (badGradient !== null) throw new TrainingDivergedError(at, `the gradient of ${badGradient}`);
    // the optimizer averages the sums as it reads them; clipping needs them averaged first (in place: this loop's own arrays)
    if (options.clipNorm !== undefined) options.optimizer.update(current, clipGlobalNorm(scaleTreeInPlace(summed, 1 / scored), options.clipNorm).grads);
    else options.optimizer.update(current, summed, 1 / scored);
    const badParam = describeNonFinite(current);
    if (badParam !== null) throw new TrainingDivergedError(at, `the parameter ${badParam} after the update (learning rate ${options.optimizer.learningRate})`);
    if (sequenceGoesOn) algo.setParams(current);
  };

  for (let epoch = options.firstEpoch ?? 1; epoch <= options.epochs; epoch++) {
    const start = performance.now();
    const order = options.shuffle ? options.shuffle.permutation(n) : Array.from({ length: n }, (_, i) => i);
    let lossSum = 0;
    let lossSteps = 0;
    for (let i = 0; i < n; i += batchSize) {
      if (hooks.shouldStop?.()) return { params: current, history, stopped: true };
      const batch = batchExamples(order.slice(i, i + batchSize).map((j) => data.train[j]!));
      algo.begin(current);
      const T = batch.inputs.length;
      const at: TrainingPosition = { epoch, sequence: i + 1, sequences: n };
      for (let a = 0; a < T; a += Math.min(every, T)) {
        const b = Math.min(T, a + every);
        const loss = algo.feed(batch.inputs.slice(a, b), batch.targets.slice(a, b));
        if (!Number.isFinite(loss)) throw new TrainingDivergedError(at, `the loss is ${loss} (steps ${a + 1}-${b})`);
        lossSum += loss;
        let scored = 0;
        for (let t = a; t < b; t++) scored += batch.counts[t]!;
        lossSteps += scored;
        apply(scored, at, b < T);
      }
      hooks.onProgress?.({ epoch, epochs: options.epochs, sequence: Math.min(n, i + batchSize), sequences: n, runningLoss: lossSteps === 0 ? NaN : lossSum / lossSteps });
      await yieldToEvents();
    }
    const trained = performance.now();
    const evalBatch = options.evalBatchSize ?? 1;
    // the frame-level accuracy where the targets are notes played or not (sigmoid cross-entropy)
    const frames = data.loss === "sigmoidCrossEntropy";
    const validScore = scoreExamples(net, current, data.valid, evalBatch, frames);
    const testScore = scoreExamples(net, current, data.test, evalBatch, frames);
    const [valid, test] = [validScore.loss, testScore.loss];
    for (const [split, value] of [["valid", valid], ["test", test]] as const) {
      if (!Number.isFinite(value)) throw new TrainingDivergedError({ epoch, sequence: null, sequences: n }, `the ${split} loss is ${value}`);
    }
    const end = performance.now();
    const accuracy = frames ? { validAccuracy: validScore.accuracy!, testAccuracy: testScore.accuracy! } : {};
    const metrics: EpochMetrics = { epoch, train: lossSteps === 0 ? NaN : lossSum / lossSteps, valid, test, seconds: (end - start) / 1000, ...accuracy };
    history.push(metrics);
    // a copy: the loop goes on updating its own params in place
    await hooks.onEpoch?.(metrics, net.ownParams(current), { trainSeconds: (trained - start) / 1000, evalSeconds: (end - trained) / 1000 });
  }
  return { params: current, history, stopped: false };
}
