/**
 * The algorithm lists the commands print and accept, read from the registry of `@ostl/ostl`
 * (`algorithms`), so that an algorithm added there appears in every usage text, flag and report.
 *
 * @module
 */
import { type AlgorithmChoice, algorithmChoice, ALGORITHM_NAMES, algorithms, type OstlOptions } from "@ostl/ostl";
import { ValueError } from "@ostl/core";
import { UsageError } from "./command.js";

/**
 * Words joined as prose: `a, b or c` (or `a, b and c` with `"and"`).
 *
 * @example
 * ```ts
 * import { joinWords } from "@ostl/cli";
 * console.log(joinWords(["bptt", "rtrl", "ostl"], "or"), "|", joinWords(["jsb"], "and")); // bptt, rtrl or ostl | jsb
 * ```
 */
export function joinWords(words: readonly string[], conjunction: "and" | "or"): string {
  return words.length <= 1 ? words.join("") : `${words.slice(0, -1).join(", ")} ${conjunction} ${words.at(-1)}`;
}

/**
 * The registered algorithms as prose: their names (flag values) or their titles (as papers write them).
 *
 * @example
 * ```ts
 * import { algorithmList } from "@ostl/cli";
 * console.log(algorithmList("or"), "|", algorithmList("and", "title")); // bptt, rtrl, ostl, eprop, snap, uoro, kfrtrl or rflo | BPTT, RTRL, OSTL, e-prop, SnAp, UORO, KF-RTRL and RFLO
 * ```
 */
export function algorithmList(conjunction: "and" | "or", style: "flag" | "title" = "flag"): string {
  return joinWords(style === "flag" ? ALGORITHM_NAMES : ALGORITHM_NAMES.map((n) => algorithms[n].title), conjunction);
}

/**
 * An approximation `ostl train --approximation` accepts.
 *
 * @example
 * ```ts
 * import { type OstlApproximation, OSTL_APPROXIMATIONS } from "@ostl/cli";
 * const chosen: OstlApproximation = OSTL_APPROXIMATIONS[0]!;
 * console.log(chosen); // diagonal
 * ```
 */
export type OstlApproximation = Exclude<NonNullable<OstlOptions["approximation"]>, "none">;

const approximationOption = algorithms.ostl.options.find((o) => o.name === "approximation")!;

/**
 * The values of OSTL's `approximation` option other than its default (off): what
 * `--approximation` accepts.
 *
 * @example
 * ```ts
 * import { OSTL_APPROXIMATIONS } from "@ostl/cli";
 * console.log(OSTL_APPROXIMATIONS); // ["diagonal"]
 * ```
 */
export const OSTL_APPROXIMATIONS = (approximationOption.values as readonly string[]).filter((v) => v !== approximationOption.default) as readonly OstlApproximation[];

/**
 * The registry's one-line description of OSTL's `approximation` option.
 *
 * @example
 * ```ts
 * import { OSTL_APPROXIMATION_DESCRIPTION } from "@ostl/cli";
 * console.log(OSTL_APPROXIMATION_DESCRIPTION); // diagonal approximation of dense temporal Jacobians
 * ```
 */
export const OSTL_APPROXIMATION_DESCRIPTION = approximationOption.description;

/**
 * A comma-separated list of registered algorithms and presets (`--algos rtrl,snap2`), as choices.
 *
 * @throws {@link UsageError} naming the flag and the unknown name, with the known ones.
 * @example
 * ```ts
 * import { parseAlgorithmList } from "@ostl/cli";
 * console.log(parseAlgorithmList("--algos", "rtrl, snap2").map((c) => `${c.key}=${c.name}`)); // ["rtrl=rtrl", "snap2=snap"]
 * ```
 */
export function parseAlgorithmList(flag: string, list: string): AlgorithmChoice[] {
  return list.split(",").map((key) => {
    try {
      return algorithmChoice(key.trim());
    } catch (error) {
      if (error instanceof ValueError) throw new UsageError(`${flag}: ${error.message.replace(/^algorithmChoice: /, "")}`);
      throw error;
    }
  });
}
