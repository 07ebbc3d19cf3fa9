/**
 * Validation of option bags: options come from code and from the command line alike, so a
 * misspelt option or value must fail loudly instead of being ignored.
 *
 * @module
 */
import { ValueError } from "@ostl/core";

/**
 * Throws unless `options` is a plain object whose keys are all in `known`.
 *
 * @throws {@link ValueError} naming the operation, the unknown option and the known ones.
 * @example
 * ```ts
 * import { checkOptions } from "@ostl/ostl";
 * checkOptions("snu", { decay: 0.9 }, ["decay", "recurrent"]); // passes
 * try {
 *   checkOptions("snu", { dacay: 0.9 }, ["decay"]);
 * } catch (e) {
 *   console.log((e as Error).message); // snu: unknown option 'dacay' (known: decay)
 * }
 * ```
 */
export function checkOptions(op: string, options: object, known: readonly string[]): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ValueError(op, `options must be an object, got ${options === null ? "null" : Array.isArray(options) ? "an array" : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ValueError(op, `unknown option '${key}' (known: ${known.length === 0 ? "none" : known.join(", ")})`);
    }
  }
}

/**
 * Throws unless the option `name` is absent (`undefined`) or one of `known`.
 *
 * @throws {@link ValueError} naming the operation, the option, the value given and the known ones.
 * @example
 * ```ts
 * import { checkChoice } from "@ostl/ostl";
 * checkChoice("ostl", "approximation", undefined, ["none", "diagonal"]); // passes: the default
 * try {
 *   checkChoice("ostl", "approximation", "Diagonal", ["none", "diagonal"]);
 * } catch (e) {
 *   console.log((e as Error).message); // ostl: unknown approximation 'Diagonal' (known: none, diagonal)
 * }
 * ```
 */
export function checkChoice(op: string, name: string, value: unknown, known: readonly string[]): void {
  if (value === undefined || known.includes(value as string)) return;
  throw new ValueError(op, `unknown ${name} ${typeof value === "string" ? `'${value}'` : String(value)} (known: ${known.join(", ")})`);
}
