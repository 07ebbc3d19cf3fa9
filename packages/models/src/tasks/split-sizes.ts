/**
 * How many examples a synthetic task generates for each split.
 *
 * @module
 */
import { type PRNG, ValueError } from "@ostl/core";
import type { SequenceExample } from "../data/dataset.js";

/**
 * Numbers of train, valid and test examples.
 *
 * @example
 * ```ts
 * import { adding, type SplitSizes } from "@ostl/models";
 * const sizes: SplitSizes = [10, 2, 3];
 * const data = adding({ length: 5, examples: sizes, seed: 0 });
 * console.log(data.train.length, data.valid.length, data.test.length); // 10 2 3
 * ```
 */
export type SplitSizes = readonly [train: number, valid: number, test: number];

/**
 * Generates the three splits of a synthetic task from one seed: each split draws from its own
 * child key, so changing the number of train examples leaves valid and test unchanged.
 *
 * @throws {@link ValueError} naming the task unless every size is a positive integer.
 * @example
 * ```ts
 * import { PRNG, tensor } from "@ostl/core";
 * import { generateSplits } from "@ostl/models";
 * const splits = generateSplits("noise", [3, 1, 1], new PRNG(0), (key) => ({ inputs: [tensor([key.next()])], targets: [tensor([0])] }));
 * console.log(splits.train.length, splits.test.length); // 3 1
 * ```
 */
export function generateSplits(task: string, sizes: SplitSizes, key: PRNG, make: (key: PRNG) => SequenceExample): { train: SequenceExample[]; valid: SequenceExample[]; test: SequenceExample[] } {
  if (!Array.isArray(sizes) || sizes.length !== 3 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new ValueError(task, `option 'examples' must be [train, valid, test] positive integers, got ${JSON.stringify(sizes)}`);
  }
  const keys = [key.split(), key.split(), key.split()];
  const gen = (i: number) => Array.from({ length: sizes[i]! }, () => make(keys[i]!));
  return { train: gen(0), valid: gen(1), test: gen(2) };
}

/**
 * Throws unless option `name` of `task` is an integer >= `min`.
 *
 * @throws {@link ValueError} naming the task, the option and the value.
 * @example
 * ```ts
 * import { integerOption } from "@ostl/models";
 * console.log(integerOption("copy", "delay", 3, 1)); // 3
 * ```
 */
export function integerOption(task: string, name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new ValueError(task, `option '${name}' must be an integer >= ${min}, got ${String(value)}`);
  return value;
}
