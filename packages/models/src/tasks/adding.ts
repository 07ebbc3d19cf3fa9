/**
 * The adding problem (Hochreiter & Schmidhuber 1997; Arjovsky et al. 2016): a stream of random
 * values, two of them marked; at the last step the network must output the sum of the marked
 * values. Only the last step is scored.
 *
 * @module
 */
import { fromTyped, type NDArray, PRNG, tensor } from "@ostl/core";
import type { Dataset, SequenceExample } from "../data/dataset.js";
import { generateSplits, integerOption, type SplitSizes } from "./split-sizes.js";

/**
 * Options of {@link adding}.
 *
 * @example
 * ```ts
 * import { adding, type AddingOptions } from "@ostl/models";
 * const options: AddingOptions = { length: 50, examples: [20, 5, 5], seed: 3 };
 * const data = adding(options);
 * console.log(data.train.length, data.test.length, data.train[0]!.inputs.length, data.inputSize); // 20 5 50 2
 * ```
 */
export interface AddingOptions {
  /** Steps per sequence T >= 2 (default 50). */
  readonly length?: number;
  /** Examples per split (default [1000, 100, 100]). */
  readonly examples?: SplitSizes;
  /** Seed of the generator. */
  readonly seed: number;
}

/**
 * The adding problem: input `[value_t, marker_t]` with values uniform in [0, 1) and exactly two
 * markers, one in each half of the sequence; the target at the last step is the sum of the two
 * marked values. Scored by `mse` (½ squared error) at the last step only: always answering 1
 * scores 1/12 ≈ 0.083 on average; the exact sum scores 0.
 *
 * @throws {@link ValueError} unless the length is an integer >= 2.
 * @example
 * ```ts
 * import { adding } from "@ostl/models";
 * const data = adding({ length: 6, examples: [2, 1, 1], seed: 0 });
 * const ex = data.train[0]!;
 * const marked = ex.inputs.filter((x) => x.get(1) === 1).map((x) => x.get(0));
 * console.log(ex.targets[5]!.get(0) === marked[0]! + marked[1]!, ex.targets[0]); // true null
 * ```
 */
export function adding(options: AddingOptions): Dataset {
  const T = integerOption("adding", "length", options.length ?? 50, 2);
  const half = Math.floor(T / 2);
  const make = (key: PRNG): SequenceExample => {
    const first = key.integers(half);
    const second = half + key.integers(T - half);
    let total = 0;
    const inputs: NDArray[] = [];
    for (let t = 0; t < T; t++) {
      const value = key.next();
      const marked = t === first || t === second;
      if (marked) total += value;
      inputs.push(fromTyped(new Float64Array([value, marked ? 1 : 0]), [2]));
    }
    const targets: (NDArray | null)[] = inputs.map(() => null);
    targets[T - 1] = tensor([total]);
    return { inputs, targets };
  };
  return {
    name: "adding",
    inputSize: 2,
    outputSize: 1,
    loss: "mse",
    metric: "½ squared error at the last step (always answering 1: about 0.083)",
    ...generateSplits("adding", options.examples ?? [1000, 100, 100], new PRNG(options.seed), make),
  };
}
