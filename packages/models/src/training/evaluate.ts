/**
 * Forward-only scoring of a network on examples, in padded batches.
 *
 * @module
 */
import { type NDArray, ValueError } from "@ostl/core";
import { ValueReadError } from "@ostl/autodiff";
import { type Network, type NetworkParams, type NetworkState, type StepLoss, StepPrograms } from "@ostl/ostl";
import { batchExamples } from "../data/batch.js";
import type { SequenceExample } from "../data/dataset.js";
import { withMaskedLoss } from "./network.js";

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
    return { loss: net.spec.loss(out.logits, target) as NDArray, state: out.state };
  };
}

/**
 * The mean per-step loss of a network over every scored step of some examples (for JSB: the
 * frame-level NLL per time step), each step run as the network's compiled step program. Each example starts from the initial state; examples are run
 * `batchSize` at a time (default 1), padded and masked, which changes nothing but the speed.
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
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError("evaluate", `batchSize must be a positive integer, got ${batchSize}`);
  const net = withMaskedLoss(network);
  const step = compiledOrInterpreted(net);
  // the params' values now: the compiled step keeps their weight matrices between calls
  const own = net.ownParams(params);
  let total = 0;
  let scored = 0;
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
    });
  }
  if (scored === 0) throw new ValueError("evaluate", `the ${examples.length} examples have no scored step`);
  return total / scored;
}
