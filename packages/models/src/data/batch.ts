/**
 * Batching sequences of different lengths: the examples are padded at the end to the longest
 * one, and every step that does not count (padding, or a `null` target) is masked in the target
 * (see {@link maskedLoss}), so the loss and the gradients of a batch are the sums over the steps
 * that count. Padding at the end is enough: a padded step comes after the example's last scored
 * step, so nothing it computes can reach a scored step's loss.
 *
 * @module
 */
import { contiguous, fromTyped, type NDArray, ValueError } from "@ostl/core";
import type { SequenceExample } from "./dataset.js";
import { MASKED, maskedTarget } from "./mask.js";

/**
 * Steps ready to feed to a gradient algorithm: `inputs[t]` is `[B, m]` and `targets[t]` `[B, k]`
 * (or `[m]`, `[k]` for a batch of one example), with masked target rows where a step does not count.
 *
 * @example
 * ```ts
 * import { batchExamples, type Batch, copyTask } from "@ostl/models";
 * const data = copyTask({ symbols: 3, length: 2, delay: 1, examples: [4, 1, 1], seed: 0 });
 * const batch: Batch = batchExamples(data.train);
 * console.log(batch.size, batch.inputs[0]!.shape); // 4 [4, 5]
 * ```
 */
export interface Batch {
  /** Number of examples B. */
  readonly size: number;
  readonly inputs: readonly NDArray[];
  readonly targets: readonly NDArray[];
  /** `[T, B]`: 1 where the step of that example counts, 0 where it is padding or unscored. */
  readonly mask: NDArray;
  /** Per step, how many rows count (the sum of a row of `mask`). */
  readonly counts: readonly number[];
}

function sizeOf(examples: readonly SequenceExample[], what: "inputs" | "targets"): number {
  for (const ex of examples) for (const v of ex[what]) if (v !== null) return v.shape[0]!;
  throw new ValueError("batchExamples", `no example has any ${what === "inputs" ? "input" : "scored target"}`);
}

/** Copies row vectors (or zeros / the mask value for absent rows) into one `[B, size]` array. */
function stackRows(rows: readonly (NDArray | null | undefined)[], size: number, absent: number): NDArray {
  const out = new Float64Array(rows.length * size);
  rows.forEach((r, b) => {
    if (r === null || r === undefined) out.fill(absent, b * size, (b + 1) * size);
    else {
      if (r.size !== size) throw new ValueError("batchExamples", `example ${b} has a row of ${r.size} entries, expected ${size}`);
      // one block copy of the row's entries in order
      out.set(contiguous(r).data, b * size);
    }
  });
  return fromTyped(out, [rows.length, size]);
}

/**
 * Pads examples to a common length and masks what does not count. One example gives unbatched
 * steps (`[m]`, `[k]`), the gradient algorithms' fastest path; padded inputs are zeros.
 *
 * @throws {@link ValueError} for no examples, an example without steps, or rows of different sizes.
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { batchExamples } from "@ostl/models";
 * const a = { inputs: [tensor([1]), tensor([2])], targets: [tensor([0]), tensor([1])] };
 * const b = { inputs: [tensor([3])], targets: [tensor([1])] };
 * const batch = batchExamples([a, b]);
 * console.log(batch.mask.toNested(), batch.counts); // [[1, 1], [1, 0]] [2, 1]
 * ```
 */
export function batchExamples(examples: readonly SequenceExample[]): Batch {
  if (examples.length === 0) throw new ValueError("batchExamples", "needs at least one example");
  examples.forEach((ex, b) => {
    if (ex.inputs.length === 0) throw new ValueError("batchExamples", `example ${b} has no steps`);
    if (ex.inputs.length !== ex.targets.length) throw new ValueError("batchExamples", `example ${b} has ${ex.inputs.length} inputs and ${ex.targets.length} targets`);
  });
  const k = sizeOf(examples, "targets");
  const T = Math.max(...examples.map((ex) => ex.inputs.length));
  const B = examples.length;
  const mask = new Float64Array(T * B);
  const counts = new Array<number>(T).fill(0);
  examples.forEach((ex, b) => {
    ex.targets.forEach((y, t) => {
      if (y !== null) {
        mask[t * B + b] = 1;
        counts[t]!++;
      }
    });
  });
  if (B === 1) {
    const [ex] = examples as [SequenceExample];
    const masked = maskedTarget(k);
    return { size: 1, inputs: ex.inputs, targets: ex.targets.map((y) => y ?? masked), mask: fromTyped(mask, [T, 1]), counts };
  }
  const m = sizeOf(examples, "inputs");
  const inputs: NDArray[] = [];
  const targets: NDArray[] = [];
  for (let t = 0; t < T; t++) {
    inputs.push(stackRows(examples.map((ex) => ex.inputs[t]), m, 0));
    targets.push(stackRows(examples.map((ex) => ex.targets[t]), k, MASKED));
  }
  return { size: B, inputs, targets, mask: fromTyped(mask, [T, B]), counts };
}
