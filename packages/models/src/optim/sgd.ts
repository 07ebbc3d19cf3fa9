/**
 * Stochastic gradient descent with optional (heavy-ball) momentum, as PyTorch's `SGD`.
 *
 * @module
 */
import { checkHyper, ElementwiseOptimizer, type Optimizer } from "./optimizer.js";

/**
 * Options of {@link sgd}.
 *
 * @example
 * ```ts
 * import { sgd, type SgdOptions } from "@ostl/models";
 * const options: SgdOptions = { learningRate: 0.01, momentum: 0.9 };
 * console.log(sgd(options).name, sgd(options).learningRate); // sgd 0.01
 * ```
 */
export interface SgdOptions {
  /** Step size (> 0). */
  readonly learningRate: number;
  /** Momentum `μ` in [0, 1) (default 0: plain SGD). */
  readonly momentum?: number;
}

/**
 * SGD: `p ← p - lr · v` with `v ← μ v + g` (`v = g` at the first step; `μ = 0` is plain
 * `p ← p - lr · g`), PyTorch's `torch.optim.SGD` without dampening.
 *
 * @throws {@link ValueError} for a learning rate <= 0 or a momentum outside [0, 1).
 * @example
 * ```ts
 * import { type NDArray, tensor } from "@ostl/core";
 * import { sgd } from "@ostl/models";
 * const opt = sgd({ learningRate: 0.1, momentum: 0.5 });
 * let p = { w: tensor([1]) };
 * p = opt.step(p, { w: tensor([1]) }); // v = 1, w = 1 - 0.1
 * p = opt.step(p, { w: tensor([1]) }); // v = 1.5, w = 0.9 - 0.15
 * console.log((p.w as NDArray).toFlat()); // [0.75]
 * ```
 */
export function sgd(options: SgdOptions): Optimizer {
  const lr = options.learningRate;
  const mu = checkHyper("sgd", "momentum", options.momentum ?? 0, 0, 1);
  return new ElementwiseOptimizer("sgd", lr, mu === 0 ? 0 : 1, (out, p, g, slots, t, scale) => {
    if (mu === 0) {
      for (let i = 0; i < p.length; i++) out[i] = p[i]! - lr * (g[i]! * scale);
      return;
    }
    const v = slots[0]!;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]! * scale;
      v[i] = t === 1 ? gi : mu * v[i]! + gi;
      out[i] = p[i]! - lr * v[i]!;
    }
  });
}
