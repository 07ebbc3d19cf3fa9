import * as core from "@ostl/core";
import type { OpDef } from "../op.js";
import { type Surrogate, tanhDerivative } from "../surrogate.js";
import { bind, type Tensor, type TensorLike } from "../tracer.js";
import { mul } from "./arithmetic.js";

/** d step(x) := surrogate(x) dx  (a definition: the step's true derivative is 0 almost everywhere) */
export const heavisideOp: OpDef<{ surrogate: Surrogate }> = {
  name: "heaviside",
  impl: ([x]) => core.greater(x!, 0),
  jvp: (_ctx, [x], [t], _out, p) => (t ? mul(t, p.surrogate.derivative(x!)) : null),
  vjp: (ct, [x], _out, p) => [mul(ct, p.surrogate.derivative(x!))],
  partials: ([x], _out, p) => [p.surrogate.derivative(x!)],
};

/**
 * The Heaviside step `[x > 0]`, differentiated through a declared surrogate derivative (default:
 * the derivative of tanh, as in the SNU papers).
 * @example
 * ```ts
 * import { grad, heaviside, sigmoidDerivative, sum, tensor } from "@ostl/autodiff";
 * console.log(heaviside(tensor([-1, 2])).toNested()); // [0, 1]
 * console.log(grad((x) => sum(heaviside(x, sigmoidDerivative(4))))(tensor([0])).toNested()); // [1]
 * ```
 */
export function heaviside(x: TensorLike, surrogate: Surrogate = tanhDerivative()): Tensor {
  return bind(heavisideOp, [x], { surrogate });
}
