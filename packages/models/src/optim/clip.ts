/**
 * Clipping gradients by their global norm (Pascanu et al., 2013), as PyTorch's
 * `clip_grad_norm_`: one factor for the whole tree, so the update keeps its direction.
 *
 * @module
 */
import type { Tree } from "@ostl/autodiff";
import { ValueError } from "@ostl/core";
import { globalNorm, scaleTree } from "./leaves.js";

/**
 * The result of {@link clipGlobalNorm}: the (possibly scaled) gradients and the norm before clipping.
 *
 * @example
 * ```ts
 * import { type NDArray, tensor } from "@ostl/core";
 * import { clipGlobalNorm, type Clipped } from "@ostl/models";
 * const c: Clipped<{ g: NDArray }> = clipGlobalNorm({ g: tensor([3, 4]) }, 1);
 * console.log(c.norm, c.clipped); // 5 true
 * ```
 */
export interface Clipped<T extends Tree> {
  readonly grads: T;
  /** The global L2 norm of the gradients as given. */
  readonly norm: number;
  /** Whether they were scaled down. */
  readonly clipped: boolean;
}

/**
 * Scales a gradient tree by `maxNorm / (norm + 1e-6)` when its global L2 norm exceeds `maxNorm`;
 * returns it unchanged (the same object) otherwise.
 *
 * @throws {@link ValueError} unless `maxNorm` is a positive finite number.
 * @example
 * ```ts
 * import { type NDArray, tensor } from "@ostl/core";
 * import { clipGlobalNorm } from "@ostl/models";
 * const { grads, norm } = clipGlobalNorm({ a: tensor([3]), b: tensor([4]) }, 1);
 * console.log(norm, (grads.a as NDArray).toFlat()); // 5 [0.599999880000024]
 * ```
 */
export function clipGlobalNorm<T extends Tree>(grads: T, maxNorm: number): Clipped<T> {
  if (typeof maxNorm !== "number" || !Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw new ValueError("clipGlobalNorm", `maxNorm must be a positive finite number, got ${String(maxNorm)}`);
  }
  const norm = globalNorm(grads);
  if (!(norm > maxNorm)) return { grads, norm, clipped: false };
  return { grads: scaleTree(grads, maxNorm / (norm + 1e-6)), norm, clipped: true };
}
