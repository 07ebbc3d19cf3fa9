import * as core from "@ostl/core";
import { denseValues } from "./algorithm.js";

/**
 * The readout's exact gradient, summed step by step as the online algorithms that carry no
 * readout traces need it: W_ro += Σ_b ḡ_b y_bᵀ and b_ro += Σ_b ḡ_b over the examples b of each
 * step (one without a batch), ḡ = ∂E_t/∂logits_t.
 *
 * @example
 * ```ts
 * import { ReadoutGradient } from "@ostl/ostl";
 * import { tensor } from "@ostl/core";
 * const sum = new ReadoutGradient();
 * sum.add(tensor([1, -1]), tensor([2, 3, 4]));
 * sum.add(tensor([0.5, 0]), tensor([2, 0, 0]));
 * const { W, b } = sum.values();
 * console.log(W.toNested(), b.toNested()); // [[3, 3, 4], [-2, -3, -4]] [1.5, -1]
 * ```
 */
export class ReadoutGradient {
  private sums: { readonly W: core.NDArray; readonly b: core.NDArray } | null = null;

  /** Adds one step's terms: `logitsCotangent` `[K]` or `[B, K]`, `y` the readout's input `[n]` or `[B, n]`. */
  add(logitsCotangent: core.NDArray, y: core.NDArray): void {
    const [outputs, n] = [logitsCotangent.shape[logitsCotangent.ndim - 1]!, y.shape[y.ndim - 1]!];
    const sums = (this.sums ??= { W: core.zeros([outputs, n], y.dtype), b: core.zeros([outputs], y.dtype) });
    const [g, values, W, b] = [denseValues(logitsCotangent), denseValues(y), sums.W.data, sums.b.data];
    for (let e = 0; e < g.length / outputs; e++) {
      for (let k = 0; k < outputs; k++) {
        const gk = g[e * outputs + k]!;
        b[k]! += gk;
        for (let j = 0; j < n; j++) W[k * n + j]! += gk * values[e * n + j]!;
      }
    }
  }

  /** The sums so far (copies). @throws {@link OstlError} before the first `add`. */
  values(): { W: core.NDArray; b: core.NDArray } {
    if (this.sums === null) throw new core.OstlError("ReadoutGradient.values", "no step has been added");
    return { W: core.fromTyped(this.sums.W.data.slice(), this.sums.W.shape), b: core.fromTyped(this.sums.b.data.slice(), this.sums.b.shape) };
  }

  /** Forgets the sums (the next `add` starts from zero). */
  clear(): void {
    this.sums = null;
  }
}
