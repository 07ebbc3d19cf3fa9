/**
 * Seeded parameter initialisers. Each one is an {@link Initializer}: it draws from the key it is
 * given and never calls `Math.random`, so the same seed gives the same parameters everywhere.
 *
 * @module
 */
import { full, type NDArray, type PRNG, ValueError } from "@ostl/core";

/**
 * Creates one parameter array of the given shape from a seeded key.
 *
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { type Initializer } from "@ostl/models";
 * const half: Initializer = (key, shape) => key.uniform(shape, -0.5, 0.5);
 * console.log(half(new PRNG(1), [2]).shape); // [2]
 * ```
 */
export type Initializer = (key: PRNG, shape: readonly number[]) => NDArray;

/**
 * Glorot (Xavier) uniform: U(-a, a) with `a = sqrt(6 / (fanIn + fanOut))`, for a matrix stored
 * (out, in) as the cells store their weights.
 *
 * @throws {@link ValueError} unless `shape` is a matrix `[out, in]`.
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { glorotUniform } from "@ostl/models";
 * const W = glorotUniform(new PRNG(0), [4, 3]);
 * console.log(W.shape, W.toFlat().every((w) => Math.abs(w) <= Math.sqrt(6 / 7))); // [4, 3] true
 * ```
 */
export const glorotUniform: Initializer = (key, shape) => {
  if (shape.length !== 2) throw new ValueError("glorotUniform", `needs a matrix shape [out, in], got [${shape.join(",")}]`);
  const bound = Math.sqrt(6 / (shape[0]! + shape[1]!));
  return key.uniform(shape, -bound, bound);
};

/**
 * Uniform in ±1/sqrt(n): PyTorch's default for its recurrent layers (with n the hidden size).
 *
 * @throws {@link ValueError} unless `n` is a positive integer.
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { uniformFanIn } from "@ostl/models";
 * const U = uniformFanIn(16)(new PRNG(0), [16, 16]);
 * console.log(U.toFlat().every((u) => Math.abs(u) <= 0.25)); // true
 * ```
 */
export function uniformFanIn(n: number): Initializer {
  if (!Number.isInteger(n) || n < 1) throw new ValueError("uniformFanIn", `n must be a positive integer, got ${n}`);
  const bound = 1 / Math.sqrt(n);
  return (key, shape) => key.uniform(shape, -bound, bound);
}

/**
 * Every entry equal to `value` (the key is not used).
 *
 * @throws {@link ValueError} unless `value` is finite.
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { constant } from "@ostl/models";
 * console.log(constant(-1)(new PRNG(0), [3]).toNested()); // [-1, -1, -1]
 * ```
 */
export function constant(value: number): Initializer {
  if (!Number.isFinite(value)) throw new ValueError("constant", `value must be a finite number, got ${value}`);
  return (_key, shape) => full(shape, value);
}

/**
 * All zeros: `constant(0)`.
 *
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { zerosInit } from "@ostl/models";
 * console.log(zerosInit(new PRNG(0), [2]).toNested()); // [0, 0]
 * ```
 */
export const zerosInit: Initializer = constant(0);

/**
 * Draws a named set of parameters, each from its own child key (`key.split()` in the table's
 * order), so one parameter's values do not depend on the shapes of the others.
 *
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { constant, glorotUniform, initParams } from "@ostl/models";
 * const p = initParams(new PRNG(0), { W: [glorotUniform, [4, 3]], b: [constant(-1), [4]] });
 * console.log(p.W!.shape); // [4, 3]
 * ```
 */
export function initParams(key: PRNG, table: Readonly<Record<string, readonly [Initializer, readonly number[]]>>): Record<string, NDArray> {
  const params: Record<string, NDArray> = {};
  for (const [name, [init, shape]] of Object.entries(table)) params[name] = init(key.split(), shape);
  return params;
}
