/**
 * The scalar functions of derived expressions: how each is printed (its LaTeX and plain-form
 * names, or the expression it stands for), what it means (a definition line for the pages) and
 * how to evaluate it at numbers.
 *
 * A function that stands for a composite expression (the derivative of a maximum is a sum of
 * Iverson brackets) is printed through `expand`, as a tree, so the printer brackets it where it
 * is a factor, the same way in both forms. A `tex` template only ever wraps its arguments whole
 * (an application, a root, bars).
 *
 * @module
 */
import { ConstantNode, type MathNode, OperatorNode } from "mathjs";
import { call } from "./expr.js";

/** What every scalar function has: a definition and a value. */
interface FunctionMeaning {
  /** Its definition, shown once on a page that uses it (LaTeX, with `x` as the argument), or "". */
  readonly definition: string;
  /** Its value at numbers. */
  evaluate(...args: number[]): number;
}

/** A function printed as an application: `\sigma\left(x\right)`, `sigmoid(x)`. */
export interface AppliedFunction extends FunctionMeaning {
  /** LaTeX of an application, given the LaTeX of the arguments (each wrapped whole). */
  tex(args: readonly string[]): string;
  /** Its name in the plain form (evaluated by mathjs: a mathjs built-in or a function the checker provides). */
  readonly plain: string;
  /** Whether mathjs knows `plain` with this meaning (else the checker provides `evaluate` under that name). */
  readonly mathjs: boolean;
}

/** A function printed as the expression it stands for. */
export interface ExpandedFunction extends FunctionMeaning {
  /** The expression it stands for, at the given arguments. */
  expand(args: readonly MathNode[]): MathNode;
}

/** A scalar function used in derived expressions. */
export type ScalarFunction = AppliedFunction | ExpandedFunction;

const paren = (x: string) => `\\left(${x}\\right)`;
const applied = (texName: string, plain: string, evaluate: (...a: number[]) => number, definition = "", mathjs = false): AppliedFunction => ({
  tex: (args) => `${texName}${paren(args.join(", "))}`,
  plain,
  mathjs,
  definition,
  evaluate,
});
const relation = (symbol: string, fn: string, a: MathNode, b: MathNode) => new OperatorNode(symbol as never, fn as never, [a, b] as never);

/**
 * The functions derived expressions use, by the name they have in the expression trees: those
 * the symbolic rules emit and those mathjs `derivative` introduces (`sech`). Surrogate
 * derivatives are added per cell (they carry their own definition).
 */
export const scalarFunctions = {
  exp: applied("\\exp", "exp", Math.exp, "", true),
  log: applied("\\ln", "log", Math.log, "", true),
  tanh: applied("\\tanh", "tanh", Math.tanh, "", true),
  sech: applied("\\mathrm{sech}", "sech", (x) => 1 / Math.cosh(x), "", true),
  max: applied("\\max", "max", Math.max, "", true),
  min: applied("\\min", "min", Math.min, "", true),
  sqrt: { tex: ([x]) => `\\sqrt{${x!}}`, plain: "sqrt", mathjs: true, definition: "", evaluate: Math.sqrt },
  abs: { tex: ([x]) => `\\left|${x!}\\right|`, plain: "abs", mathjs: true, definition: "", evaluate: Math.abs },
  sgn: applied("\\operatorname{sgn}", "sign", Math.sign, "\\operatorname{sgn}(x) \\in \\{-1, 0, 1\\}", true),
  sigmoid: applied("\\sigma", "sigmoid", (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))), "\\sigma(x) = \\frac{1}{1 + e^{-x}}"),
  relu: applied("\\operatorname{relu}", "relu", (x) => Math.max(x, 0), "\\operatorname{relu}(x) = \\max(x, 0)"),
  softplus: applied("\\operatorname{softplus}", "softplus", (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), "\\operatorname{softplus}(x) = \\ln(1 + e^{x})"),
  heaviside: applied("\\Theta", "heaviside", (x) => (x > 0 ? 1 : 0), "\\Theta(x) = [x > 0]"),
  stopGradient: applied("\\operatorname{sg}", "stopGradient", (x) => x, "\\operatorname{sg}(x) = x \\text{ (the gradient stops there)}"),
  // log1p(x) = ln(1 + x)
  log1p: { expand: ([x]) => call("log", [new OperatorNode("+", "add", [new ConstantNode(1), x!])]), definition: "", evaluate: Math.log1p },
  // positive(x) = [x > 0]
  positive: { expand: ([x]) => relation(">", "larger", x!, new ConstantNode(0)), definition: "", evaluate: (x) => (x > 0 ? 1 : 0) },
  // maxGate(a, b) = [a > b] + ½ [a = b]: the share of a in max(a, b), ties split evenly
  maxGate: {
    expand: ([a, b]) => new OperatorNode("+", "add", [relation(">", "larger", a!, b!), new OperatorNode("*", "multiply", [new OperatorNode("/", "divide", [new ConstantNode(1), new ConstantNode(2)]), relation("==", "equal", a!, b!)])]),
    definition: "",
    evaluate: (a, b) => (a > b ? 1 : a === b ? 0.5 : 0),
  },
} as const satisfies Record<string, ScalarFunction>;

/** Name of a function in {@link scalarFunctions}. */
export type ScalarFunctionName = keyof typeof scalarFunctions;

/** The function of that name in {@link scalarFunctions}, or undefined. */
export function scalarFunction(name: string): ScalarFunction | undefined {
  return Object.hasOwn(scalarFunctions, name) ? scalarFunctions[name as ScalarFunctionName] : undefined;
}

/** Definition of the Iverson bracket, shown on a page that uses one. */
export const IVERSON_DEFINITION = "[\\,\\cdot\\,] \\text{ is 1 when the condition holds, else 0 (Iverson bracket)}";
