/**
 * The add task of Marschall, Cho and Savin (JMLR 2020): binary inputs, and a target that adds two
 * of them at fixed lags, so that which lags a learning rule can reach shows in its loss.
 *
 * @module
 */
import { fromTyped, type NDArray, PRNG, tensor } from "@ostl/core";
import type { Dataset, SequenceExample } from "../data/dataset.js";
import { generateSplits, integerOption, type SplitSizes } from "./split-sizes.js";

/**
 * Options of {@link addTask}.
 *
 * @example
 * ```ts
 * import { addTask, type AddTaskOptions } from "@ostl/models";
 * const options: AddTaskOptions = { length: 30, lags: [3, 6], examples: [20, 5, 5], seed: 1 };
 * const data = addTask(options);
 * console.log(data.train.length, data.train[0]!.inputs.length, data.inputSize, data.outputSize); // 20 30 1 1
 * ```
 */
export interface AddTaskOptions {
  /** Steps per sequence T (default 40); must exceed the longer lag. */
  readonly length?: number;
  /** The lags t1 < t2 (default [5, 9]). */
  readonly lags?: readonly [number, number];
  /** Examples per split (default [1000, 100, 100]). */
  readonly examples?: SplitSizes;
  /** Seed of the generator. */
  readonly seed: number;
}

/**
 * The add task: inputs x_t ∈ {0, 1} (fair coin flips), target y_t = 0.5 + 0.5 x_{t−t1} − 0.25 x_{t−t2},
 * scored by `mse` (½ squared error) from step t2 on (earlier steps have no target). The
 * baselines, in expectation: the mean 0.625 scores 0.0391 (nothing learned); knowing x_{t−t1}
 * scores 0.0078; knowing both lags scores 0.
 *
 * @throws {@link ValueError} unless the lags are integers 1 <= t1 < t2 < length.
 * @example
 * ```ts
 * import { addTask } from "@ostl/models";
 * const data = addTask({ length: 12, lags: [2, 4], examples: [1, 1, 1], seed: 0 });
 * const { inputs, targets } = data.train[0]!;
 * const x = (t: number) => inputs[t]!.get(0);
 * console.log(targets[3], targets[7]!.get(0) === 0.5 + 0.5 * x(5) - 0.25 * x(3)); // null true
 * ```
 */
export function addTask(options: AddTaskOptions): Dataset {
  const [t1, t2] = options.lags ?? [5, 9];
  const T = integerOption("add", "length", options.length ?? 40, 2);
  integerOption("add", "lags[0]", t1, 1);
  integerOption("add", "lags[1]", t2, t1 + 1);
  integerOption("add", "length", T, t2 + 1);
  const make = (key: PRNG): SequenceExample => {
    const bits = Array.from({ length: T }, () => (key.next() < 0.5 ? 0 : 1));
    const inputs: NDArray[] = bits.map((b) => fromTyped(new Float64Array([b]), [1]));
    const targets = bits.map((_, t) => (t < t2 ? null : tensor([0.5 + 0.5 * bits[t - t1]! - 0.25 * bits[t - t2]!])));
    return { inputs, targets };
  };
  return {
    name: "add",
    inputSize: 1,
    outputSize: 1,
    loss: "mse",
    metric: `½ squared error from step ${t2} on (lags ${t1}, ${t2}; nothing learned: 0.039, lag ${t1} only: 0.0078, both: 0)`,
    ...generateSplits("add", options.examples ?? [1000, 100, 100], new PRNG(options.seed), make),
  };
}
