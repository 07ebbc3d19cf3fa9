/**
 * Masked per-step losses. The gradient algorithms feed a step's target straight to the network's
 * loss, so a step (or a row of a batched step) that must not count is marked in the target
 * itself: its entries are all {@link MASKED}. {@link maskedLoss} drops such rows before calling the
 * loss, so they add nothing to the loss and nothing to the gradients.
 *
 * @module
 */
import { add, concat, concreteOf, equal, mul, notEqual, reshape, slice, sum, type Tensor, where } from "@ostl/autodiff";
import { full, NDArray, ShapeError, ValueError } from "@ostl/core";
import type { Loss } from "@ostl/ostl";

/**
 * The value that marks a target row as masked: `-Number.MAX_VALUE` (finite, so the algorithms'
 * input checks accept it, and never a real target).
 *
 * @example
 * ```ts
 * import { MASKED } from "@ostl/models";
 * console.log(MASKED === -Number.MAX_VALUE); // true
 * ```
 */
export const MASKED = -Number.MAX_VALUE;

/**
 * A masked target row of `size` entries.
 *
 * @example
 * ```ts
 * import { maskedTarget, MASKED } from "@ostl/models";
 * console.log(maskedTarget(2).toFlat()[0] === MASKED); // true
 * ```
 */
export function maskedTarget(size: number): NDArray {
  return full([size], MASKED);
}

/** Whether row `row` of a concrete target (1-D: the only row) is masked, read from its first entry. */
function isMasked(t: NDArray, row: number): boolean {
  return t.data[t.offset + (t.shape.length === 2 ? row * t.stride[0]! : 0)] === MASKED;
}

/** Maximal runs [start, end) of rows that are not masked. */
function activeRuns(t: NDArray): [number, number][] {
  const runs: [number, number][] = [];
  const rows = t.shape[0]!;
  for (let b = 0; b < rows; b++) {
    if (isMasked(t, b)) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === b) last[1] = b + 1;
    else runs.push([b, b + 1]);
  }
  return runs;
}

/**
 * The masked loss of a traced target, whose values a compiled program cannot branch on: each row
 * r counts with weight w_r = [t_r0 ≠ MASKED], and its masked entries are replaced by 0 so that
 * the row's loss stays finite: Σ_r w_r · loss(y_r, t_r). Equal to the concrete path's loss and
 * gradients, as the loss is a sum over rows.
 */
function weightedLoss(loss: Loss, y: Tensor, target: Tensor): Tensor {
  const safe = where(equal(target, MASKED), 0, target);
  const shape = target.shape;
  if (shape.length === 1) return mul(reshape(notEqual(slice(target, [0], [1]), MASKED), []), loss(y, safe));
  if (shape.length !== 2) throw new ShapeError("maskedLoss", `target must be [k] or [batch, k], got [${shape.join(",")}]`);
  const [rows, k] = shape as [number, number];
  let total: Tensor | null = null;
  for (let r = 0; r < rows; r++) {
    const weight = reshape(notEqual(slice(target, [r, 0], [r + 1, 1]), MASKED), []);
    const row = mul(weight, loss(slice(y, [r, 0], [r + 1, k]), slice(safe, [r, 0], [r + 1, k])));
    total = total === null ? row : add(total, row);
  }
  return total!;
}

/**
 * Wraps a per-step loss so that masked target rows (filled with {@link MASKED}) are left out:
 * for a target `[k]` the step counts or not; for a batched target `[B, k]` only the rows that are
 * not masked are passed to `loss`. A fully masked step returns 0 with zero gradients. The loss
 * must be a sum over rows (all built-in losses are).
 *
 * A concrete target's masks are read from its values; a traced one (inside `jit`) is weighted
 * row by row instead, with the same loss and gradients.
 *
 * @throws {@link ValueError} when the target is not an array;
 *   {@link ShapeError} for a target that is not 1-D or 2-D.
 * @example
 * ```ts
 * import { type NDArray, tensor } from "@ostl/core";
 * import { MASKED, maskedLoss, mse } from "@ostl/models";
 * const loss = maskedLoss(mse);
 * const y = tensor([[1], [5]]);
 * // only row 0 counts
 * console.log((loss(y, tensor([[0], [MASKED]])) as NDArray).item()); // 0.5
 * ```
 */
export function maskedLoss(loss: Loss): Loss {
  return (y: Tensor, target: Tensor) => {
    if (!(target instanceof NDArray) && typeof target !== "number") return weightedLoss(loss, y, target);
    const t = concreteOf(target);
    if (t === null) throw new ValueError("maskedLoss", `the target must be an array, got the number ${String(target)}`);
    if (t.shape.length === 1) return isMasked(t, 0) ? mul(0, sum(y)) : loss(y, target);
    if (t.shape.length !== 2) throw new ShapeError("maskedLoss", `target must be [k] or [batch, k], got [${t.shape.join(",")}]`);
    const runs = activeRuns(t);
    const [rows, k] = t.shape as [number, number];
    if (runs.length === 0) return mul(0, sum(y));
    if (runs.length === 1 && runs[0]![0] === 0 && runs[0]![1] === rows) return loss(y, target);
    const pick = (x: Tensor) => {
      const parts = runs.map(([a, b]) => slice(x, [a, 0], [b, k]));
      return parts.length === 1 ? parts[0]! : concat(parts, 0);
    };
    return loss(pick(y), pick(target));
  };
}
