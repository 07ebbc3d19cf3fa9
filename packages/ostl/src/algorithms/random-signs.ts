import { OstlError, PRNG } from "@ostl/core";

/**
 * The seed option of a stochastic algorithm: a non-negative integer, 0 when absent.
 *
 * @throws {@link OstlError} naming the algorithm and the value otherwise.
 * @example
 * ```ts
 * import { seedOption } from "@ostl/ostl";
 * console.log(seedOption("uoro", undefined), seedOption("uoro", 7)); // 0 7
 * try {
 *   seedOption("uoro", 1.5);
 * } catch (e) {
 *   console.log((e as Error).message); // uoro: seed must be a non-negative integer, got 1.5
 * }
 * ```
 */
export function seedOption(algorithm: string, seed: number | undefined): number {
  const value = seed ?? 0;
  if (!Number.isInteger(value) || value < 0) throw new OstlError(algorithm, `seed must be a non-negative integer, got ${value}`);
  return value;
}

/**
 * A random sign, -1 or 1 with equal odds, from a seeded PRNG.
 *
 * @example
 * ```ts
 * import { randomSign } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * const rng = new PRNG(0);
 * console.log(Array.from({ length: 1000 }, () => randomSign(rng)).every((s) => s === 1 || s === -1)); // true
 * ```
 */
export function randomSign(rng: PRNG): number {
  return rng.next() < 0.5 ? -1 : 1;
}

/**
 * The Euclidean norm of a vector.
 *
 * @example
 * ```ts
 * import { norm } from "@ostl/ostl";
 * console.log(norm([3, 4])); // 5
 * ```
 */
export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}
