/**
 * The scalar functions of derived expressions that mathjs does not know (or knows under another
 * convention): how each is written in LaTeX, what it means (a definition line for the pages) and
 * how to evaluate it at a number (for checking rendered expressions against the engine).
 *
 * @module
 */

/** A scalar function used in derived expressions. */
export interface ScalarFunction {
  /** LaTeX of an application, given the LaTeX of the arguments. */
  tex(args: readonly string[]): string;
  /** Its definition, shown once on a page that uses it (LaTeX, with `x` as the argument). */
  readonly definition: string;
  /** Its value at numbers. */
  evaluate(...args: number[]): number;
}

const paren = (x: string) => `\\left(${x}\\right)`;

/**
 * The functions the symbolic rules emit besides mathjs built-ins, by the name used in the
 * expression trees. Surrogate derivatives are added per cell (they carry their own definition).
 */
export const scalarFunctions = {
  sigmoid: {
    tex: ([x]) => `\\sigma${paren(x!)}`,
    definition: "\\sigma(x) = \\frac{1}{1 + e^{-x}}",
    evaluate: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  },
  relu: {
    tex: ([x]) => `\\operatorname{relu}${paren(x!)}`,
    definition: "\\operatorname{relu}(x) = \\max(x, 0)",
    evaluate: (x) => Math.max(x, 0),
  },
  softplus: {
    tex: ([x]) => `\\operatorname{softplus}${paren(x!)}`,
    definition: "\\operatorname{softplus}(x) = \\ln(1 + e^{x})",
    evaluate: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  },
  log1p: {
    tex: ([x]) => `\\ln${paren(`1 + ${x!}`)}`,
    definition: "",
    evaluate: (x) => Math.log1p(x),
  },
  heaviside: {
    tex: ([x]) => `\\Theta${paren(x!)}`,
    definition: "\\Theta(x) = [x > 0]",
    evaluate: (x) => (x > 0 ? 1 : 0),
  },
  positive: {
    tex: ([x]) => `\\left[${x!} > 0\\right]`,
    definition: "[\\,\\cdot\\,] \\text{ is 1 when the condition holds, else 0 (Iverson bracket)}",
    evaluate: (x) => (x > 0 ? 1 : 0),
  },
  sgn: {
    tex: ([x]) => `\\operatorname{sgn}${paren(x!)}`,
    definition: "\\operatorname{sgn}(x) \\in \\{-1, 0, 1\\}",
    evaluate: (x) => Math.sign(x),
  },
  maxGate: {
    tex: ([a, b]) => `\\left[${a!} > ${b!}\\right] + \\tfrac{1}{2}\\left[${a!} = ${b!}\\right]`,
    definition: "",
    evaluate: (a, b) => (a > b ? 1 : a === b ? 0.5 : 0),
  },
} as const satisfies Record<string, ScalarFunction>;

/** Name of a function in {@link scalarFunctions}. */
export type ScalarFunctionName = keyof typeof scalarFunctions;
