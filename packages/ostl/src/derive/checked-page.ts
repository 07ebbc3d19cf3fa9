/**
 * A cell's derived-gradient page that may be written: derived, its expression trees checked
 * against the engine, printed, and every printed equation parsed back and checked against the
 * engine at the same point. Anything that disagrees refuses the page, naming the cell and the
 * equations.
 *
 * @module
 */
import type { Cell } from "../model/cell.js";
import { ostlCost } from "./cost.js";
import { deriveCell } from "./derive.js";
import { checkDerivation, randomPoint } from "./evaluate.js";
import type { Derivation } from "./model.js";
import { type PageOptions, printCellPage } from "./page.js";
import { checkPrintedPage, type PrintedEquationCheck } from "./readback.js";

/**
 * Largest relative error against the engine (float64) before an expression or a printed
 * equation counts as wrong.
 *
 * @example
 * ```ts
 * import { PAGE_TOLERANCE } from "@ostl/ostl/derive";
 * console.log(PAGE_TOLERANCE); // 1e-9
 * ```
 */
export const PAGE_TOLERANCE = 1e-9;

/**
 * A derived-gradient page that disagrees with the engine: what is wrong, one line per
 * expression or printed equation.
 *
 * @example
 * ```ts
 * import { DerivationMismatchError } from "@ostl/ostl/derive";
 * const e = new DerivationMismatchError("leaky", 9, ["printed equation h^{t}_{i} [h__t(i) == …]: relative error 1.0e-1"]);
 * console.log(e.message); // cell 'leaky': its page (9 equations) is not written, as it disagrees with the engine: printed equation h^{t}_{i} [h__t(i) == …]: relative error 1.0e-1
 * ```
 */
export class DerivationMismatchError extends Error {
  override name = "DerivationMismatchError";
  constructor(
    readonly cell: string,
    /** Equations displayed on the page. */
    readonly equations: number,
    /** What disagrees, one line each. */
    readonly mismatches: readonly string[],
  ) {
    super(`cell '${cell}': its page (${equations} equations) is not written, as it disagrees with the engine: ${mismatches.join("; ")}`);
  }
}

/**
 * A page that agrees with the engine: its Markdown, the derivation, and the check of every
 * printed equation.
 *
 * @example
 * ```ts
 * import { checkedCellPage, type CheckedCellPage } from "@ostl/ostl/derive";
 * import { snu } from "@ostl/models";
 * const page: CheckedCellPage = checkedCellPage(snu());
 * console.log(page.equations.length, page.maxError < 1e-12); // 12 true
 * ```
 */
export interface CheckedCellPage {
  readonly markdown: string;
  readonly derivation: Derivation;
  /** Each displayed equation as parsed back and compared with the engine, in page order. */
  readonly equations: readonly PrintedEquationCheck[];
  /** The worst relative error of a printed equation. */
  readonly maxError: number;
}

/**
 * Options of {@link checkedCellPage}.
 *
 * @example
 * ```ts
 * import { checkedCellPage, type CheckedPageOptions } from "@ostl/ostl/derive";
 * import { rnn } from "@ostl/models";
 * const options: CheckedPageOptions = { command: "ostl derive --cell rnn", seed: 7 };
 * console.log(checkedCellPage(rnn(), options).markdown.includes("`ostl derive --cell rnn`")); // true
 * ```
 */
export interface CheckedPageOptions extends PageOptions {
  /** Seed of the random point both checks evaluate at (default 1). */
  readonly seed?: number;
}

/**
 * Derives a cell's page and checks it before it may be written: every expression tree against
 * the engine's Jacobians and step, then every printed equation, parsed back from its plain form,
 * at the same random point (relative error at most {@link PAGE_TOLERANCE}).
 *
 * @throws {@link DeriveError} when the step cannot be derived (an op without a symbolic rule);
 * {@link DerivationMismatchError} when an expression or a printed equation disagrees with the
 * engine, naming the cell and each of them.
 * @example
 * ```ts
 * import { checkedCellPage } from "@ostl/ostl/derive";
 * import { lstm } from "@ostl/models";
 * const { markdown, equations } = checkedCellPage(lstm(), { command: "ostl derive --cell lstm" });
 * console.log(markdown.split("\n")[0], equations.every((e) => e.error < 1e-9)); // # Derived gradients: `lstm` true
 * ```
 */
export function checkedCellPage(cell: Cell, options: CheckedPageOptions = {}): CheckedCellPage {
  const derivation = deriveCell(cell);
  const point = randomPoint(cell, derivation, options.seed ?? 1);
  const trees = checkDerivation(derivation, cell, point);
  const page = printCellPage(derivation, ostlCost(cell), options);
  const printed = checkPrintedPage(page, derivation, cell, point);
  const wrong = (e: number) => !(e <= PAGE_TOLERANCE);
  const mismatches = [
    ...[...trees.blocks.map((b) => [b.id, b.error] as const), ...trees.values.map((v) => [v.key, v.error] as const)].filter(([, e]) => wrong(e)).map(([id, e]) => `derived expression ${id}: relative error ${e.toExponential(1)}`),
    ...printed.problems,
    ...printed.equations.filter((e) => wrong(e.error)).map((e) => `printed equation ${e.label} [${e.plain}]: ${e.problem ?? `relative error ${e.error.toExponential(1)}`}`),
  ];
  if (mismatches.length > 0) throw new DerivationMismatchError(cell.name, page.equations.length, mismatches);
  return { markdown: page.markdown, derivation, equations: printed.equations, maxError: printed.maxError };
}
