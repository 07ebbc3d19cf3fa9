/**
 * The data model of training: a sequence example is a list of inputs and a list of targets, one
 * per time step, where a `null` target means the step has no loss (the adding problem scores only
 * its last step); a data set is three splits of examples and the loss they are scored with.
 *
 * @module
 */
import { type NDArray, ValueError } from "@ostl/core";
import type { LossName } from "../losses.js";

/**
 * One sequence: `inputs[t]` has shape `[inputSize]`, `targets[t]` shape `[outputSize]` or `null`
 * when step `t` carries no loss.
 *
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { scoredSteps, type SequenceExample } from "@ostl/models";
 * const ex: SequenceExample = { inputs: [tensor([1]), tensor([0])], targets: [null, tensor([1])] };
 * console.log(ex.inputs.length, scoredSteps([ex])); // 2 1
 * ```
 */
export interface SequenceExample {
  readonly inputs: readonly NDArray[];
  readonly targets: readonly (NDArray | null)[];
}

/**
 * A data set: train / valid / test examples, their sizes, and the per-step loss that scores them.
 *
 * @example
 * ```ts
 * import { adding, type Dataset } from "@ostl/models";
 * const data: Dataset = adding({ length: 10, examples: [8, 2, 2], seed: 0 });
 * console.log(data.inputSize, data.outputSize, data.loss); // 2 1 mse
 * ```
 */
export interface Dataset {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  /** The per-step loss `E_t`, summed over a step's output entries. */
  readonly loss: LossName;
  /** What the reported figure means (the mean of `E_t` over every scored step of a split). */
  readonly metric: string;
  readonly train: readonly SequenceExample[];
  readonly valid: readonly SequenceExample[];
  readonly test: readonly SequenceExample[];
}

/**
 * Number of scored steps (non-null targets) of some examples.
 *
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { scoredSteps } from "@ostl/models";
 * console.log(scoredSteps([{ inputs: [tensor([1]), tensor([0])], targets: [null, tensor([1])] }])); // 1
 * ```
 */
export function scoredSteps(examples: readonly SequenceExample[]): number {
  let n = 0;
  for (const ex of examples) for (const t of ex.targets) if (t !== null) n++;
  return n;
}

/**
 * Checks every example of a data set: inputs and targets of the declared sizes, one target per
 * input, at least one step.
 *
 * @throws {@link ValueError} naming the data set, the split, the example and the step.
 * @example
 * ```ts
 * import { checkDataset, copyTask } from "@ostl/models";
 * import { tensor } from "@ostl/core";
 * const data = copyTask({ symbols: 3, length: 2, delay: 2, examples: [4, 1, 1], seed: 0 });
 * checkDataset(data); // passes
 * try {
 *   checkDataset({ ...data, test: [{ inputs: [tensor([1])], targets: [null] }] });
 * } catch (e) {
 *   console.log((e as Error).message); // copy: test[0] input at step 0 has shape [1], expected [5]
 * }
 * ```
 */
export function checkDataset(data: Dataset): void {
  for (const split of ["train", "valid", "test"] as const) {
    data[split].forEach((ex, i) => {
      const where = `${split}[${i}]`;
      if (ex.inputs.length === 0) throw new ValueError(data.name, `${where} has no steps`);
      if (ex.inputs.length !== ex.targets.length) throw new ValueError(data.name, `${where} has ${ex.inputs.length} inputs and ${ex.targets.length} targets`);
      ex.inputs.forEach((x, t) => {
        if (x.shape.length !== 1 || x.shape[0] !== data.inputSize) throw new ValueError(data.name, `${where} input at step ${t} has shape [${x.shape.join(",")}], expected [${data.inputSize}]`);
        const y = ex.targets[t];
        if (y !== null && y !== undefined && (y.shape.length !== 1 || y.shape[0] !== data.outputSize)) {
          throw new ValueError(data.name, `${where} target at step ${t} has shape [${y.shape.join(",")}], expected [${data.outputSize}]`);
        }
      });
    });
  }
}
