/**
 * Forward-only scoring of a network on examples, in padded batches.
 *
 * @module
 */
import { contiguous, type NDArray, ValueError } from "@ostl/core";
import { ValueReadError } from "@ostl/autodiff";
import { type Network, type NetworkParams, type NetworkState, type StepLoss, StepPrograms } from "@ostl/ostl";
import { batchExamples } from "../data/batch.js";
import type { SequenceExample } from "../data/dataset.js";
import { withMaskedLoss } from "./network.js";
import { MASKED } from "../data/mask.js";

/** The step with its loss: the network's compiled program, or, for a cell that reads its traced values (which `jit` refuses), the interpreted step. */
function compiledOrInterpreted(net: Network): (params: NetworkParams, state: NetworkState, x: NDArray, target: NDArray) => StepLoss {
  const programs = StepPrograms.of(net);
  let compiled = true;
  return (params, state, x, target) => {
    if (compiled) {
      try {
        return programs.stepLoss(params, state, x, target);
      } catch (error) {
        if (!(error instanceof ValueReadError)) throw error;
        compiled = false;
      }
    }
    const out = net.step(params, state, x);
    return { loss: net.spec.loss(out.logits, target) as NDArray, state: out.state, logits: out.logits as NDArray };
  };
}

/**
 * What {@link scoreExamples} returns: the mean per-step loss, and with `frameAccuracy` the
 * frame-level accuracy of Boulanger-Lewandowski et al. (2012), TP / (TP + FP + FN) summed over
 * every scored frame, a note counted as played where its logit is above 0 (probability above 0.5).
 *
 * @example
 * ```ts
 * import type { SplitScore } from "@ostl/models";
 * const score: SplitScore = { loss: 8.8, accuracy: 0.31 };
 * console.log(score.accuracy); // 0.31
 * ```
 */
export interface SplitScore {
  readonly loss: number;
  readonly accuracy?: number;
}

/**
 * The mean per-step loss of a network over every scored step of some examples and, with
 * `frameAccuracy` (for binary multi-label targets: JSB's piano rolls), the frame-level accuracy.
 * Each step runs as the network's compiled step program; each example starts from the initial
 * state; examples are run `batchSize` at a time, padded and masked, which changes nothing but the
 * speed.
 *
 * @throws {@link ValueError} when the examples have no scored step or `batchSize` is not a positive integer.
 * @example
 * ```ts
 * import { fromTyped, PRNG } from "@ostl/core";
 * import { datasetNetwork, rnn, scoreExamples, type Dataset } from "@ostl/models";
 * // three notes; one example of two frames
 * const frame = (...notes: number[]) => fromTyped(Float64Array.from(notes), [3]);
 * const data: Dataset = { name: "toy", inputSize: 3, outputSize: 3, loss: "sigmoidCrossEntropy", metric: "", train: [], valid: [], test: [{ inputs: [frame(1, 0, 0), frame(0, 1, 0)], targets: [frame(0, 1, 0), frame(0, 0, 1)] }] };
 * const net = datasetNetwork(data, rnn(), 4);
 * const score = scoreExamples(net, net.init(new PRNG(0)), data.test, 1, true);
 * console.log(score.loss > 0, score.accuracy! >= 0 && score.accuracy! <= 1); // true true
 * ```
 */
export function scoreExamples(network: Network, params: NetworkParams, examples: readonly SequenceExample[], batchSize = 1, frameAccuracy = false): SplitScore {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError("evaluate", `batchSize must be a positive integer, got ${batchSize}`);
  const net = withMaskedLoss(network);
  const step = compiledOrInterpreted(net);
  // the params' values now: the compiled step keeps their weight matrices between calls
  const own = net.ownParams(params);
  let total = 0;
  let scored = 0;
  const counts = { truePositive: 0, falsePositive: 0, falseNegative: 0 };
  // batches of examples of like lengths: little padding
  const sorted = batchSize === 1 ? examples : [...examples].sort((a, b) => b.inputs.length - a.inputs.length);
  for (let i = 0; i < sorted.length; i += batchSize) {
    const batch = batchExamples(sorted.slice(i, i + batchSize));
    let state = net.initialState(batch.size === 1 ? undefined : batch.size);
    batch.inputs.forEach((x, t) => {
      const out = step(own, state, x, batch.targets[t]!);
      state = out.state;
      if (batch.counts[t]! > 0) total += out.loss.item();
      scored += batch.counts[t]!;
      if (frameAccuracy && batch.counts[t]! > 0) countFrames(out.logits, batch.targets[t]!, counts);
    });
  }
  if (scored === 0) throw new ValueError("evaluate", `the ${examples.length} examples have no scored step`);
  const { truePositive, falsePositive, falseNegative } = counts;
  const denominator = truePositive + falsePositive + falseNegative;
  return frameAccuracy ? { loss: total / scored, accuracy: denominator === 0 ? 1 : truePositive / denominator } : { loss: total / scored };
}

/** Adds one step's true positives, false positives and false negatives (logit above 0 against a target of 1), over its rows that are not masked. */
function countFrames(logits: NDArray, target: NDArray, counts: { truePositive: number; falsePositive: number; falseNegative: number }): void {
  const l = contiguous(logits);
  const y = contiguous(target);
  const K = y.shape[y.ndim - 1]!;
  for (let row = 0; row < y.size / K; row++) {
    if (y.data[row * K] === MASKED) continue;
    for (let k = 0; k < K; k++) {
      const [played, predicted] = [y.data[row * K + k]! > 0.5, l.data[row * K + k]! > 0];
      if (played && predicted) counts.truePositive++;
      else if (predicted) counts.falsePositive++;
      else if (played) counts.falseNegative++;
    }
  }
}

/**
 * The mean per-step loss of a network over every scored step of some examples (for JSB: the
 * frame-level NLL per time step): {@link scoreExamples}' loss.
 *
 * @throws {@link ValueError} when the examples have no scored step or `batchSize` is not a positive integer.
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { adding, datasetNetwork, evaluate, rnn } from "@ostl/models";
 * const data = adding({ length: 8, examples: [4, 4, 4], seed: 0 });
 * const net = datasetNetwork(data, rnn(), 8);
 * // the mean of the ½ squared error at the last step of each sequence (the only scored step)
 * const loss = evaluate(net, net.init(new PRNG(0)), data.test);
 * console.log(loss.toFixed(4), evaluate(net, net.init(new PRNG(0)), data.test, 1) === loss); // 1.1411 true
 * ```
 */
export function evaluate(network: Network, params: NetworkParams, examples: readonly SequenceExample[], batchSize = 1): number {
  return scoreExamples(network, params, examples, batchSize).loss;
}
