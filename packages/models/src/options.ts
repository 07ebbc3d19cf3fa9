/**
 * Validation of cell option objects: option bags come from code and from the command line alike,
 * so a misspelt option must fail loudly instead of being ignored.
 *
 * @module
 */
import { ValueError } from "@ostl/core";

/**
 * Throws unless `options` is a plain object whose keys are all in `known`.
 *
 * @throws {@link ValueError} naming the factory, the unknown option and the known ones.
 * @example
 * ```ts
 * import { checkOptions } from "@ostl/models";
 * checkOptions("snu", { decay: 0.9 }, ["decay", "recurrent"]); // passes
 * try {
 *   checkOptions("snu", { dacay: 0.9 }, ["decay"]);
 * } catch (e) {
 *   console.log((e as Error).message); // snu: unknown option 'dacay' (known: decay)
 * }
 * ```
 */
export function checkOptions(factory: string, options: object, known: readonly string[]): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ValueError(factory, `options must be an object, got ${options === null ? "null" : Array.isArray(options) ? "an array" : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ValueError(factory, `unknown option '${key}' (known: ${known.length === 0 ? "none" : known.join(", ")})`);
    }
  }
}
