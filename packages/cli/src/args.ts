import { parseArgs } from "node:util";
import { UsageError } from "./command.js";

type Options = Record<string, { type: "string" | "boolean"; short?: string }>;

/** Parsed flag values: strings for string flags, booleans for boolean flags, undefined when absent. */
export type FlagValues<O extends Options> = { [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string };

/**
 * Parses a command's flags with `node:util`'s parseArgs; unknown flags and missing values become
 * {@link UsageError}s naming the command.
 *
 * @example
 * ```ts
 * import { parseFlags } from "@ostl/cli";
 * import { UsageError } from "@ostl/cli";
 * const options = { json: { type: "boolean" }, seed: { type: "string" } } as const;
 * const { values } = parseFlags("gradcheck", ["--json", "--seed", "3"], options);
 * console.log(values.json, values.seed); // true 3
 * try {
 *   parseFlags("gradcheck", ["--jsn"], options);
 * } catch (e) {
 *   console.log(e instanceof UsageError, (e as Error).message); // true Unknown option '--jsn'; did you mean --json? (see 'ostl gradcheck --help')
 * }
 * ```
 */
export function parseFlags<O extends Options>(command: string, argv: readonly string[], options: O): { values: FlagValues<O> } {
  try {
    return { values: parseArgs({ args: [...argv], options, allowPositionals: false, strict: true }).values as FlagValues<O> };
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify.*$/s, "");
    const unknown = /^Unknown option '--([^']+)'/.exec(message)?.[1];
    const near = unknown === undefined ? null : nearestName(unknown, Object.keys(options));
    throw new UsageError(`${message}${near === null ? "" : `; did you mean --${near}?`} (see 'ostl ${command} --help')`);
  }
}

/**
 * The edit distance between two strings (insertions, deletions, substitutions and swaps of two
 * neighbours, each counting 1: the optimal string alignment distance).
 *
 * @example
 * ```ts
 * import { editDistance } from "@ostl/cli";
 * console.log(editDistance("hiden", "hidden"), editDistance("lyaers", "layers"), editDistance("T", "seed")); // 1 1 4
 * ```
 */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known name closest to a misspelt one: within an edit distance of 2 (1 for names of up to
 * 4 characters), the nearest, or `null` when none is that close.
 *
 * @example
 * ```ts
 * import { nearestName } from "@ostl/cli";
 * console.log(nearestName("hiden", ["hidden", "layers"]), nearestName("x", ["hidden"])); // hidden null
 * ```
 */
export function nearestName(given: string, known: readonly string[]): string | null {
  const limit = given.length <= 4 ? 1 : 2;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const name of known) {
    const distance = editDistance(given.toLowerCase(), name.toLowerCase());
    if (distance <= limit && distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

/**
 * Reads a numeric flag, with a usage error naming the flag when it is not a finite number in range.
 *
 * @example
 * ```ts
 * import { numberFlag } from "@ostl/cli";
 * console.log(numberFlag("--tolerance", "1e-8", { min: 0 }), numberFlag("--seed", undefined)); // 1e-8 undefined
 * try {
 *   numberFlag("--hidden", "2.5", { min: 1, integer: true });
 * } catch (e) {
 *   console.log((e as Error).message); // --hidden must be an integer >= 1, got '2.5'
 * }
 * ```
 */
export function numberFlag(name: string, raw: string | undefined, range: { min?: number; integer?: boolean } = {}): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(v) || (range.integer && !Number.isInteger(v)) || (range.min !== undefined && v < range.min)) {
    const kind = range.integer ? "an integer" : "a number";
    throw new UsageError(`${name} must be ${kind}${range.min !== undefined ? ` >= ${range.min}` : ""}, got '${raw}'`);
  }
  return v;
}
