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
 *   console.log(e instanceof UsageError, (e as Error).message); // true Unknown option '--jsn' (see 'ostl gradcheck --help')
 * }
 * ```
 */
export function parseFlags<O extends Options>(command: string, argv: readonly string[], options: O): { values: FlagValues<O> } {
  try {
    return { values: parseArgs({ args: [...argv], options, allowPositionals: false, strict: true }).values as FlagValues<O> };
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify.*$/s, "")} (see 'ostl ${command} --help')`);
  }
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
