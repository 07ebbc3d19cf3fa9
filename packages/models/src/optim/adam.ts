/**
 * Adam (Kingma & Ba, 2015) in PyTorch's arithmetic, so runs can be compared with PyTorch ones.
 *
 * @module
 */
import { checkHyper, ElementwiseOptimizer, type Optimizer } from "./optimizer.js";
import { WasmAdam } from "./adam-kernel.js";

/**
 * Options of {@link adam} (defaults as PyTorch's).
 *
 * @example
 * ```ts
 * import { adam, type AdamOptions } from "@ostl/models";
 * import { type NDArray, tensor } from "@ostl/core";
 * const options: AdamOptions = { learningRate: 0.1, beta2: 0.99 };
 * const next = adam(options).step({ w: tensor([1]) }, { w: tensor([4]) });
 * // the first Adam step moves every entry by about the learning rate, whatever the gradient's size
 * console.log((next.w as NDArray).toFlat()); // [0.9000000002499999]
 * ```
 */
export interface AdamOptions {
  /** Step size (default 1e-3). */
  readonly learningRate?: number;
  /** Decay of the first moment, in [0, 1) (default 0.9). */
  readonly beta1?: number;
  /** Decay of the second moment, in [0, 1) (default 0.999). */
  readonly beta2?: number;
  /** Added to the denominator (default 1e-8). */
  readonly epsilon?: number;
}

/**
 * Adam: at step t,
 *
 * ```text
 * m ← β1 m + (1 - β1) g
 * v ← β2 v + (1 - β2) g²
 * p ← p - (lr / (1 - β1^t)) · m / (sqrt(v) / sqrt(1 - β2^t) + ε)
 * ```
 *
 * Float64 leaves are updated by a WebAssembly SIMD kernel ({@link WasmAdam}) where it runs, with
 * the loop's values bit for bit.
 *
 * @throws {@link ValueError} for a learning rate <= 0, a beta outside [0, 1) or a negative epsilon.
 * @example
 * ```ts
 * import { type NDArray, tensor } from "@ostl/core";
 * import { adam } from "@ostl/models";
 * const opt = adam({ learningRate: 0.1 });
 * // the first step moves every entry by about lr, whatever the gradient's size
 * const p = opt.step({ w: tensor([1, 1]) }, { w: tensor([1000, -0.001]) });
 * console.log((p.w as NDArray).toFlat()); // [0.900000000001, 1.09999900001]
 * ```
 */
export function adam(options: AdamOptions = {}): Optimizer {
  const lr = options.learningRate ?? 1e-3;
  const b1 = checkHyper("adam", "beta1", options.beta1 ?? 0.9, 0, 1);
  const b2 = checkHyper("adam", "beta2", options.beta2 ?? 0.999, 0, 1);
  const eps = checkHyper("adam", "epsilon", options.epsilon ?? 1e-8, 0);
  // the moments live in the kernel's memory (null where WebAssembly SIMD is missing: arrays of their own)
  let kernel: WasmAdam | null = null;
  const slotStorage = (sizes: readonly number[]) => {
    kernel = WasmAdam.forLeaves(sizes);
    return kernel === null ? sizes.map((size) => [new Float64Array(size), new Float64Array(size)]) : kernel.moments.map(([m, v]) => [m, v]);
  };
  return new ElementwiseOptimizer("adam", lr, 2, (out, p, g, slots, t, scale) => {
    const m = slots[0]!;
    const v = slots[1]!;
    const stepSize = lr / (1 - b1 ** t);
    const bc2 = Math.sqrt(1 - b2 ** t);
    const [c1, c2] = [1 - b1, 1 - b2];
    if (kernel !== null && kernel.holds(m) && out instanceof Float64Array && p instanceof Float64Array && g instanceof Float64Array) {
      kernel.run(out, p, g, m, v, { stepSize, bc2, b1, b2, c1, c2, eps, scale });
      return;
    }
    // the moments in locals, each read and written once (the same values as m[i] and v[i] read back)
    for (let i = 0, n = p.length; i < n; i++) {
      const gi = g[i]! * scale;
      const mi = b1 * m[i]! + c1 * gi;
      const vi = b2 * v[i]! + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      out[i] = p[i]! - (stepSize * mi) / (Math.sqrt(vi) / bc2 + eps);
    }
  }, slotStorage);
}
