import { ValueError } from "@ostl/core";
import { abs, add, div, maximum, mul, sigmoid, sub, tanh } from "./ops/arithmetic.js";
import type { Tensor, TensorLike } from "./tracer.js";

/**
 * A surrogate (pseudo-)derivative for the Heaviside step: the value it takes as `d step(x)/dx`.
 * By definition, not by calculus: the true derivative is zero almost everywhere. `derivative` is
 * written with differentiable ops, so second derivatives through a step are defined too.
 *
 * @example
 * ```ts
 * import { heaviside, grad, sum, tensor, type Surrogate, mul, abs, sub, maximum } from "@ostl/autodiff";
 * const box: Surrogate = { name: "box", tex: "[|x| < 1/2]", derivative: (x) => maximum(0, sub(0.5, abs(x))) };
 * console.log(grad((x) => sum(heaviside(x, box)))(tensor([0.1, 2])).toNested()); // [0.4, 0]
 * ```
 */
export interface Surrogate {
  /** Short name, shown in traces and docs. */
  readonly name: string;
  /** The pseudo-derivative in LaTeX, with `x` as the argument (for the derived-gradient docs). */
  readonly tex: string;
  /** The pseudo-derivative at `x`. */
  derivative(x: TensorLike): Tensor;
}

function positive(what: string, k: number): number {
  if (!Number.isFinite(k) || k <= 0) throw new ValueError("surrogate", `${what} must be a positive finite number, got ${k}`);
  return k;
}

/**
 * The derivative of tanh, `1 - tanh(x)^2`: the SNU papers' pseudo-derivative and the default.
 * @example
 * ```ts
 * import { grad, heaviside, sum, tanhDerivative, tensor } from "@ostl/autodiff";
 * console.log(tanhDerivative().derivative(tensor([0])).toNested()); // [1]
 * console.log(grad((x) => sum(heaviside(x, tanhDerivative())))(tensor([0])).toNested()); // [1]
 * ```
 */
export function tanhDerivative(): Surrogate {
  return {
    name: "tanh'",
    tex: "1 - \\tanh^2(x)",
    derivative: (x) => {
      const t = tanh(x);
      return sub(1, mul(t, t));
    },
  };
}

/**
 * The derivative of a sigmoid with slope `k`: `k σ(kx) (1 - σ(kx))`.
 * @example
 * ```ts
 * import { sigmoidDerivative, tensor } from "@ostl/autodiff";
 * const s = sigmoidDerivative(4);
 * console.log(s.name, s.derivative(tensor([0])).toNested()); // sigmoid'(k=4) [1]
 * ```
 */
export function sigmoidDerivative(slope = 1): Surrogate {
  const k = positive("slope", slope);
  return {
    name: `sigmoid'(k=${k})`,
    tex: `${k}\\,\\sigma(${k}x)\\,(1 - \\sigma(${k}x))`,
    derivative: (x) => {
      const s = sigmoid(mul(k, x));
      return mul(k, mul(s, sub(1, s)));
    },
  };
}

/**
 * The fast sigmoid (SuperSpike) pseudo-derivative: `1 / (1 + k|x|)^2`.
 * @example
 * ```ts
 * import { fastSigmoid, tensor } from "@ostl/autodiff";
 * console.log(fastSigmoid(10).derivative(tensor([0, 0.1])).toNested()); // [1, 0.25]
 * ```
 */
export function fastSigmoid(slope = 10): Surrogate {
  const k = positive("slope", slope);
  return {
    name: `fastSigmoid(k=${k})`,
    tex: `\\frac{1}{(1 + ${k}|x|)^2}`,
    derivative: (x) => {
      const d = add(1, mul(k, abs(x)));
      return div(1, mul(d, d));
    },
  };
}

/**
 * The triangle pseudo-derivative: `max(0, 1 - |x| / width) / width`.
 * @example
 * ```ts
 * import { triangle, tensor } from "@ostl/autodiff";
 * console.log(triangle(1).derivative(tensor([0, 0.5, 2])).toNested()); // [1, 0.5, 0]
 * ```
 */
export function triangle(width = 1): Surrogate {
  const w = positive("width", width);
  return {
    name: `triangle(w=${w})`,
    tex: `\\frac{\\max(0,\\, 1 - |x|/${w})}{${w}}`,
    derivative: (x) => div(maximum(0, sub(1, div(abs(x), w))), w),
  };
}
