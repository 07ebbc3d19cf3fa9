/**
 * Per-step losses `E_t(logits, target)`: each returns a scalar, summed over every axis (a leading
 * batch axis included), and each is numerically stable for large logits.
 *
 * @module
 */
import { logSoftmax, mul, neg, softplus, sub, sum, type Tensor } from "@ostl/autodiff";
import { ShapeError, ValueError } from "@ostl/core";
import type { Loss } from "@ostl/ostl";

function sameShape(loss: string, y: Tensor, t: Tensor): void {
  if (y.shape.length !== t.shape.length || y.shape.some((d, i) => d !== t.shape[i])) {
    throw new ShapeError(loss, `logits of shape [${y.shape.join(",")}] and target of shape [${t.shape.join(",")}] must have the same shape`);
  }
}

/**
 * Squared error `E = ½ Σ (y - t)²` (the reference data's `mse`).
 *
 * @throws {@link ShapeError} when `y` and `t` differ in shape.
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { mse } from "@ostl/models";
 * console.log(mse(tensor([1, 2]), tensor([0, 0])).item()); // 2.5
 * ```
 */
export const mse: Loss = (y, t) => {
  sameShape("mse", y, t);
  const d = sub(y, t);
  return mul(0.5, sum(mul(d, d)));
};

/**
 * Softmax cross-entropy over the last axis with one-hot (or probability) targets:
 * `E = -Σ t ⊙ logSoftmax(y)` (the reference data's `xent`).
 *
 * @throws {@link ShapeError} when `y` and `t` differ in shape.
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { softmaxCrossEntropy } from "@ostl/models";
 * // log 2: the logits give both classes probability 1/2
 * console.log(softmaxCrossEntropy(tensor([0, 0]), tensor([1, 0])).item()); // 0.6931471805599453
 * ```
 */
export const softmaxCrossEntropy: Loss = (y, t) => {
  sameShape("softmaxCrossEntropy", y, t);
  return neg(sum(mul(t, logSoftmax(y, -1))));
};

/**
 * Independent sigmoid cross-entropy per entry (multi-label targets in [0, 1], e.g. the 88 keys
 * of a piano roll): `E = Σ -t log σ(y) - (1 - t) log(1 - σ(y)) = Σ softplus(y) - t ⊙ y`.
 *
 * @throws {@link ShapeError} when `y` and `t` differ in shape.
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { sigmoidCrossEntropy } from "@ostl/models";
 * // log 2 for the undecided key, 0 for the confident one (no overflow at 1000)
 * console.log(sigmoidCrossEntropy(tensor([0, 1000]), tensor([1, 1])).item()); // 0.6931471805599453
 * ```
 */
export const sigmoidCrossEntropy: Loss = (y, t) => {
  sameShape("sigmoidCrossEntropy", y, t);
  return sum(sub(softplus(y), mul(t, y)));
};

/**
 * The built-in losses by name.
 *
 * @example
 * ```ts
 * import { losses } from "@ostl/models";
 * console.log(Object.keys(losses)); // ["mse", "softmaxCrossEntropy", "sigmoidCrossEntropy"]
 * ```
 */
export const losses = { mse, softmaxCrossEntropy, sigmoidCrossEntropy } as const satisfies Record<string, Loss>;

/**
 * Name of a built-in loss.
 *
 * @example
 * ```ts
 * import { losses, type LossName } from "@ostl/models";
 * import { tensor } from "@ostl/core";
 * const name: LossName = "sigmoidCrossEntropy";
 * console.log(losses[name](tensor([0]), tensor([1])).item()); // 0.6931471805599453
 * ```
 */
export type LossName = keyof typeof losses;

/**
 * The built-in loss called `name`.
 *
 * @throws {@link ValueError} for an unknown name, listing the known ones.
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { lossByName } from "@ostl/models";
 * console.log(lossByName("mse")(tensor([1]), tensor([0])).item()); // 0.5
 * ```
 */
export function lossByName(name: string): Loss {
  if (!Object.hasOwn(losses, name)) throw new ValueError("lossByName", `unknown loss '${name}' (known: ${Object.keys(losses).join(", ")})`);
  return losses[name as LossName];
}
