import type { OpName } from "../op-table.js";

/**
 * How an elementwise op computes one element in generated code: its operands' element
 * expressions in, one JavaScript expression out. `sigmoidScalar` and `softplusScalar` are the
 * core scalar functions, in scope in every program; each expression is the very formula of the
 * op's core kernel, so a compiled program computes the same numbers as the interpreter.
 *
 * @example
 * ```ts
 * import { type ElementwiseRule, elementwiseRules } from "@ostl/autodiff";
 * const tanh: ElementwiseRule = elementwiseRules.tanh!;
 * console.log(tanh(["x"], {})); // Math.tanh(x)
 * ```
 */
export type ElementwiseRule = (args: readonly string[], params: unknown) => string;

const binary = (op: string): ElementwiseRule => ([a, b]) => `(${a} ${op} ${b})`;
const call = (fn: string): ElementwiseRule => (args) => `${fn}(${args.join(", ")})`;
const test = (op: string): ElementwiseRule => ([a, b]) => `(${a} ${op} ${b} ? 1 : 0)`;

/**
 * The elementwise ops of the op table that compile into fused loops, by name. Ops absent here
 * compile by another rule (matmul, reductions, structure ops) or fall back to their `impl`.
 *
 * @example
 * ```ts
 * import { elementwiseRules } from "@ostl/autodiff";
 * console.log(elementwiseRules.where!(["c", "a", "b"], {}), "matmul" in elementwiseRules); // (c !== 0 ? a : b) false
 * ```
 */
export const elementwiseRules: { readonly [K in OpName]?: ElementwiseRule } = {
  add: binary("+"),
  sub: binary("-"),
  mul: binary("*"),
  div: binary("/"),
  pow: binary("**"),
  maximum: call("Math.max"),
  minimum: call("Math.min"),
  neg: ([x]) => `(-${x})`,
  exp: call("Math.exp"),
  log: call("Math.log"),
  log1p: call("Math.log1p"),
  tanh: call("Math.tanh"),
  sigmoid: call("sigmoidScalar"),
  softplus: call("softplusScalar"),
  relu: ([x]) => `(${x} < 0 ? 0 : ${x})`,
  abs: call("Math.abs"),
  sqrt: call("Math.sqrt"),
  sign: call("Math.sign"),
  greater: test(">"),
  greaterEqual: test(">="),
  less: test("<"),
  lessEqual: test("<="),
  equal: test("==="),
  notEqual: test("!=="),
  stopGradient: ([x]) => x!,
  where: ([c, a, b]) => `(${c} !== 0 ? ${a} : ${b})`,
  heaviside: ([x]) => `(${x} > 0 ? 1 : 0)`,
};
