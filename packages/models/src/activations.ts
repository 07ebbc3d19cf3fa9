/**
 * The activations `g` a spiking cell can apply to its membrane potential.
 *
 * @module
 */
import { greater, mul, relu, type Tensor, type TensorLike, where } from "@ostl/autodiff";
import { ValueError } from "@ostl/core";

/**
 * Name of an activation: `"identity"`, `"relu"` (with `relu'(0) = 0`) or `"leakyRelu"`.
 *
 * @example
 * ```ts
 * import { activation, type ActivationName } from "@ostl/models";
 * import { tensor } from "@ostl/core";
 * const names: ActivationName[] = ["identity", "relu", "leakyRelu"];
 * console.log(names.map((g) => activation(g)(tensor([-1])).toNested())); // [[-1], [0], [-0.01]]
 * ```
 */
export type ActivationName = "identity" | "relu" | "leakyRelu";

/**
 * The leaky rectifier `x` for `x > 0`, else `negativeSlope · x` (derivative `negativeSlope` at 0).
 *
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { leakyRelu } from "@ostl/models";
 * console.log(leakyRelu(tensor([-2, 3]), 0.1).toNested()); // [-0.2, 3]
 * ```
 */
export function leakyRelu(x: TensorLike, negativeSlope = 0.01): Tensor {
  return where(greater(x, 0), x, mul(negativeSlope, x));
}

const TABLE: { readonly [K in ActivationName]: (negativeSlope: number) => (x: Tensor) => Tensor } = {
  identity: () => (x) => x,
  relu: () => relu,
  leakyRelu: (slope) => (x) => leakyRelu(x, slope),
};

/**
 * Every activation name, in documentation order.
 *
 * @example
 * ```ts
 * import { ACTIVATIONS } from "@ostl/models";
 * console.log(ACTIVATIONS.join(", ")); // identity, relu, leakyRelu
 * ```
 */
export const ACTIVATIONS = Object.keys(TABLE) as readonly ActivationName[];

/**
 * The activation function called `name`.
 *
 * @param negativeSlope - the slope of `"leakyRelu"` for negative inputs.
 * @throws {@link ValueError} for an unknown name (listing the known ones) or a non-finite slope.
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { activation } from "@ostl/models";
 * console.log(activation("relu")(tensor([-1, 2])).toNested()); // [0, 2]
 * ```
 */
export function activation(name: ActivationName, negativeSlope = 0.01): (x: Tensor) => Tensor {
  if (!Object.hasOwn(TABLE, name)) throw new ValueError("activation", `unknown activation '${String(name)}' (known: ${ACTIVATIONS.join(", ")})`);
  if (!Number.isFinite(negativeSlope)) throw new ValueError("activation", `negativeSlope must be a finite number, got ${negativeSlope}`);
  return TABLE[name](negativeSlope);
}
