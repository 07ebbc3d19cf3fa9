/**
 * Delayed recall (the copy-memory task of Hochreiter & Schmidhuber 1997, Arjovsky et al. 2016, in
 * a small form): a few random symbols are shown, then blanks, then a cue; after the cue the
 * network must output the symbols in order. Only the recall steps are scored.
 *
 * @module
 */
import { fromTyped, type NDArray, PRNG } from "@ostl/core";
import type { Dataset, SequenceExample } from "../data/dataset.js";
import { generateSplits, integerOption, type SplitSizes } from "./split-sizes.js";

/**
 * Options of {@link copyTask}.
 *
 * @example
 * ```ts
 * import { copyTask, type CopyOptions } from "@ostl/models";
 * const options: CopyOptions = { symbols: 4, length: 3, delay: 5, examples: [50, 5, 5], seed: 1 };
 * const data = copyTask(options);
 * console.log(data.train.length, data.train[0]!.inputs.length, data.inputSize, data.outputSize); // 50 11 6 4
 * ```
 */
export interface CopyOptions {
  /** Alphabet size K (default 4). */
  readonly symbols?: number;
  /** Symbols to remember L (default 3). */
  readonly length?: number;
  /** Steps from the last symbol to the cue D >= 1 (default 5). */
  readonly delay?: number;
  /** Examples per split (default [1000, 100, 100]). */
  readonly examples?: SplitSizes;
  /** Seed of the generator. */
  readonly seed: number;
}

function oneHot(size: number, index: number): NDArray {
  const v = new Float64Array(size);
  v[index] = 1;
  return fromTyped(v, [size]);
}

/**
 * The delayed-recall data set. With K symbols, L of them and delay D, a sequence has `2L + D`
 * steps; inputs are one-hot over K + 2 channels (the K symbols, blank, cue):
 *
 * ```text
 * step    0 .. L-1     L .. L+D-2   L+D-1   L+D .. 2L+D-1
 * input   symbols      blank        cue     blank
 * target  -            -            -       the symbols, in order (one-hot over K)
 * ```
 *
 * Scored by softmax cross-entropy on the L recall steps. Without memory the best loss per
 * scored step is `log K`; a network that remembers reaches 0.
 *
 * @throws {@link ValueError} for sizes that are not positive integers (delay >= 1, symbols >= 2).
 * @example
 * ```ts
 * import { copyTask } from "@ostl/models";
 * const data = copyTask({ symbols: 3, length: 2, delay: 2, examples: [4, 1, 1], seed: 0 });
 * const ex = data.train[0]!;
 * console.log(ex.inputs.length, data.inputSize, data.outputSize); // 6 5 3
 * console.log(ex.targets.map((t) => (t === null ? "-" : t.toFlat().indexOf(1))).join(" ")); // - - - - 1 1
 * ```
 */
export function copyTask(options: CopyOptions): Dataset {
  const K = integerOption("copy", "symbols", options.symbols ?? 4, 2);
  const L = integerOption("copy", "length", options.length ?? 3, 1);
  const D = integerOption("copy", "delay", options.delay ?? 5, 1);
  const blank = oneHot(K + 2, K);
  const cue = oneHot(K + 2, K + 1);
  const make = (key: PRNG): SequenceExample => {
    const symbols = Array.from({ length: L }, () => key.integers(K));
    const inputs: NDArray[] = [];
    const targets: (NDArray | null)[] = [];
    symbols.forEach((s) => (inputs.push(oneHot(K + 2, s)), targets.push(null)));
    for (let t = 0; t < D - 1; t++) (inputs.push(blank), targets.push(null));
    inputs.push(cue);
    targets.push(null);
    symbols.forEach((s) => (inputs.push(blank), targets.push(oneHot(K, s))));
    return { inputs, targets };
  };
  return {
    name: "copy",
    inputSize: K + 2,
    outputSize: K,
    loss: "softmaxCrossEntropy",
    metric: `softmax cross-entropy per recalled symbol (chance: log ${K} = ${Math.log(K).toFixed(4)})`,
    ...generateSplits("copy", options.examples ?? [1000, 100, 100], new PRNG(options.seed), make),
  };
}
