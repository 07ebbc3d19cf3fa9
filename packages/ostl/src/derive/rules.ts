/**
 * The symbolic rules of the derived-gradient pages: for every primitive of the op table, the
 * local node it contributes to an index-form expression, and how its derivative is obtained.
 * Typed `{ [K in OpName]: ... }`, so adding an op to the table without a symbolic rule (or an
 * explicit "no rule") fails to compile.
 *
 * @module
 */
import type { Surrogate } from "@ostl/autodiff";
import type { opTable, OpName } from "@ostl/autodiff";
import { ConditionalNode, type MathNode, OperatorNode } from "mathjs";
import { call, constant, type Index, LITERAL_ZERO, negate, product, sum } from "./expr.js";
import type { ScalarFunctionName } from "./functions.js";

/**
 * What a rule may ask of the derivation it is part of.
 *
 * @example
 * ```ts
 * import { symbolicRules, type RuleContext, type ScalarRule } from "@ostl/ostl/derive";
 * import { tanhDerivative, type Surrogate } from "@ostl/autodiff";
 * import { SymbolNode } from "mathjs";
 * const ctx: RuleContext = { surrogate: (s) => `surrogate:${s.name}` };
 * const heaviside = symbolicRules.heaviside as ScalarRule<{ surrogate: Surrogate }>;
 * const [d] = heaviside.partials!([new SymbolNode("x")], { surrogate: tanhDerivative() }, ctx);
 * console.log(d!.toString()); // surrogate:tanh'(x)
 * ```
 */
export interface RuleContext {
  /** The function name under which a surrogate derivative appears in expressions. */
  surrogate(s: Surrogate): string;
}

/**
 * An elementwise op: `value` builds the local node from its operands' scalar expressions. Its
 * derivative comes from mathjs `derivative` of that node, unless `partials` gives it by rule
 * (functions mathjs cannot differentiate: relu, heaviside, max, …). A `null` partial is zero.
 *
 * @example
 * ```ts
 * import { symbolicRules, type ScalarRule } from "@ostl/ostl/derive";
 * import { SymbolNode, derivative } from "mathjs";
 * const ctx = { surrogate: () => "" };
 * // each op's rule is of one kind; the table's type is the union of the three
 * const [tanhRule, reluRule] = [symbolicRules.tanh, symbolicRules.relu] as ScalarRule<object>[];
 * const tanh = tanhRule!.value([new SymbolNode("u")], {}, ctx);
 * console.log(tanh.toString(), derivative(tanh, "u").toString()); // tanh(u) sech(u) ^ 2
 * console.log(reluRule!.partials!([new SymbolNode("u")], {}, ctx)[0]!.toString()); // positive(u)
 * ```
 */
export interface ScalarRule<P> {
  readonly kind: "scalar";
  value(args: readonly MathNode[], params: P, ctx: RuleContext): MathNode;
  partials?(args: readonly MathNode[], params: P, ctx: RuleContext): readonly (MathNode | null)[];
  /** Applies a named function (`tanh(a)`): a composite argument gets a name of its own on the pages. */
  readonly isFunction?: boolean;
}

/**
 * One factor of an index rule: operand `operand` at indices `idx`.
 *
 * @example
 * ```ts
 * import { symbolicRules, type IndexFactor, type IndexRule } from "@ostl/ostl/derive";
 * // transpose: out[a, b] = in[b, a]
 * const transpose = symbolicRules.transpose as IndexRule<{ perm: readonly number[] }>;
 * const [f]: readonly IndexFactor[] = transpose.entries(["a", "b"], [[3, 4]], { perm: [1, 0] }, () => "l").factors;
 * console.log(f); // { operand: 0, idx: ["b", "a"] }
 * ```
 */
export interface IndexFactor {
  readonly operand: number;
  readonly idx: readonly Index[];
}

/**
 * `Σ_{sums} Π factors`: one product of operand entries.
 *
 * @example
 * ```ts
 * import { symbolicRules, type IndexProduct, type IndexRule, type ParamsOf } from "@ostl/ostl/derive";
 * // sum over axis 1: out[a] = Σ_l in[a, l]
 * const sum = symbolicRules.sum as IndexRule<ParamsOf<"sum">>;
 * const p: IndexProduct = sum.entries(["a"], [[4, 3]], { axes: [1], keepdims: false }, () => "l");
 * console.log(p.sums, p.factors); // [{ index: "l", size: 3 }] [{ operand: 0, idx: ["a", "l"] }]
 * ```
 */
export interface IndexProduct {
  readonly sums: readonly { readonly index: Index; readonly size: number }[];
  readonly factors: readonly IndexFactor[];
}

/**
 * A structural op (matmul, transpose, sums, broadcasting): the output entry at `out` as products
 * of operand entries. Linear ops have one factor per product, matmul two; derivatives follow by
 * the product rule, so no derivative is written here. Throws {@link DeriveError} for shapes it has
 * no index form for.
 *
 * @example
 * ```ts
 * import { symbolicRules, type IndexRule } from "@ostl/ostl/derive";
 * // (x Wᵀ)_i = Σ_l (Wᵀ)_li x_l, for x of shape [3] and Wᵀ of shape [3, 4]
 * const p = (symbolicRules.matmul as IndexRule<object>).entries(["i"], [[3], [3, 4]], {}, () => "l");
 * console.log(p.sums, p.factors); // [{ index: "l", size: 3 }] [{ operand: 1, idx: ["l", "i"] }, { operand: 0, idx: ["l"] }]
 * ```
 */
export interface IndexRule<P> {
  readonly kind: "index";
  entries(out: readonly Index[], shapes: readonly (readonly number[])[], params: P, fresh: () => Index): IndexProduct;
}

/**
 * An op without a symbolic rule (the reason is shown to the user).
 *
 * @example
 * ```ts
 * import { symbolicRules } from "@ostl/ostl/derive";
 * console.log(symbolicRules.concat); // { kind: "none", reason: "concatenation shifts indices; it has no index form here" }
 * ```
 */
export interface NoRule {
  readonly kind: "none";
  readonly reason: string;
}

/**
 * The params record of op `K`, as its kernel takes it.
 *
 * @example
 * ```ts
 * import type { ParamsOf } from "@ostl/ostl/derive";
 * const perm: ParamsOf<"transpose"> = { perm: [1, 0] };
 * console.log(perm.perm); // [1, 0]
 * ```
 */
export type ParamsOf<K extends OpName> = Parameters<(typeof opTable)[K]["impl"]>[1];

/**
 * A symbolic rule for an op with params `P`.
 *
 * @example
 * ```ts
 * import { symbolicRules, type SymbolicRule } from "@ostl/ostl/derive";
 * const rule: SymbolicRule<unknown> = symbolicRules.sigmoid;
 * console.log(rule.kind); // scalar
 * ```
 */
export type SymbolicRule<P> = ScalarRule<P> | IndexRule<P> | NoRule;

/**
 * An error of the derivation: an op without a symbolic rule, or a shape without an index form.
 *
 * @example
 * ```ts
 * import { defineCell } from "@ostl/ostl";
 * import { deriveCell, DeriveError } from "@ostl/ostl/derive";
 * import { concat, slice } from "@ostl/autodiff";
 * import { zeros } from "@ostl/core";
 * const rotate = defineCell({
 *   name: "rotate",
 *   init: (_, c) => ({ params: {}, state: { h: zeros([c.hiddenSize]) } }),
 *   step: (_, s) => { const h = concat([slice(s.h!, [1], [4]), slice(s.h!, [0], [1])]); return { state: { h }, y: h }; },
 * });
 * try { deriveCell(rotate); } catch (e) { console.log(e instanceof DeriveError, (e as DeriveError).op); } // true slice
 * ```
 */
export class DeriveError extends Error {
  override name = "DeriveError";
  constructor(
    message: string,
    /** The op concerned, when there is one. */
    readonly op: string | null = null,
  ) {
    super(message);
  }
}

const op = (symbol: string, fn: string, args: readonly MathNode[]) => new OperatorNode(symbol as never, fn as never, [...args] as never);
const fn = (name: ScalarFunctionName | "exp" | "log" | "tanh" | "sqrt" | "abs" | "max" | "min", ...args: MathNode[]) => call(name, args);
const mathjs = <P>(value: (a: readonly MathNode[], p: P) => MathNode, isFunction = false): ScalarRule<P> => ({ kind: "scalar", value, isFunction });
const comparison = <P>(symbol: string, name: string): ScalarRule<P> => ({ kind: "scalar", value: ([a, b]) => op(symbol, name, [a!, b!]), partials: () => [null, null] });

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Operand indices of an operand of shape `inShape` broadcast to an output indexed by `out` of shape `outShape`. */
export function broadcastIndices(out: readonly Index[], inShape: readonly number[], outShape: readonly number[], what: string): Index[] {
  const lead = outShape.length - inShape.length;
  if (lead < 0) throw new DeriveError(`${what}: cannot broadcast [${inShape}] to [${outShape}]`, what);
  return inShape.map((d, a) => {
    if (d === outShape[lead + a]) return out[lead + a]!;
    if (d === 1) return LITERAL_ZERO;
    throw new DeriveError(`${what}: cannot broadcast [${inShape}] to [${outShape}]`, what);
  });
}

function matmulEntries(out: readonly Index[], [a, b]: readonly (readonly number[])[], fresh: () => Index): IndexProduct {
  if (a!.length > 2 || b!.length > 2) throw new DeriveError(`matmul of [${a}] and [${b}]: only vectors and matrices have an index form here`, "matmul");
  const l = fresh();
  const ia = a!.length === 2 ? [out[0]!, l] : [l];
  const ib = b!.length === 2 ? [l, out[out.length - 1]!] : [l];
  const factors = [{ operand: 0, idx: ia }, { operand: 1, idx: ib }];
  // the matrix first, as in `Σ_k W_ik x_k`
  return { sums: [{ index: l, size: a![a!.length - 1]! }], factors: a!.length < b!.length ? factors.reverse() : factors };
}

/** `out[idx] = in[idx]` for ops that keep the shape (identity reshapes, broadcasts and sums). */
function sameShapeOnly(name: string): IndexRule<{ shape: readonly number[] }> {
  return {
    kind: "index",
    entries: (out, [s], p) => {
      if (!sameShape(s!, p.shape)) throw new DeriveError(`${name} from [${s}] to [${p.shape}] has no index form here (only shape-preserving ${name})`, name);
      return { sums: [], factors: [{ operand: 0, idx: out }] };
    },
  };
}

const noRule = (reason: string): NoRule => ({ kind: "none", reason });

/**
 * The symbolic rule of every primitive. Derivatives of ops mathjs can differentiate (sums,
 * products, quotients, powers, exp, log, tanh, sqrt) come from mathjs `derivative`; the others
 * are given here, matching the op table's rules (relu'(0) = 0, ties of max split evenly, the
 * surrogate as the derivative of the step).
 *
 * @example
 * ```ts
 * import { symbolicRules } from "@ostl/ostl/derive";
 * import { opTable } from "@ostl/autodiff";
 * console.log(Object.keys(symbolicRules).length === Object.keys(opTable).length); // true
 * console.log(Object.entries(symbolicRules).filter(([, r]) => r.kind === "none").map(([op]) => op)); // ["max", "slice", "padSlice", "concat"]
 * ```
 */
export const symbolicRules: { readonly [K in OpName]: SymbolicRule<ParamsOf<K>> } = {
  add: mathjs(([a, b]) => sum([a!, b!]) ?? constant(0)),
  sub: mathjs(([a, b]) => sum([a!, negate(b!)]) ?? constant(0)),
  mul: mathjs(([a, b]) => product([a!, b!]) ?? constant(0)),
  div: mathjs(([a, b]) => op("/", "divide", [a!, b!])),
  pow: mathjs(([a, b]) => op("^", "pow", [a!, b!])),
  neg: mathjs(([a]) => negate(a!)),
  exp: mathjs(([a]) => fn("exp", a!), true),
  log: mathjs(([a]) => fn("log", a!), true),
  tanh: mathjs(([a]) => fn("tanh", a!), true),
  sqrt: mathjs(([a]) => fn("sqrt", a!), true),
  // d log(1 + x) = dx / (1 + x)
  log1p: { kind: "scalar", isFunction: true, value: ([a]) => fn("log1p", a!), partials: ([a]) => [op("/", "divide", [constant(1), op("+", "add", [constant(1), a!])])] },
  // d σ(x) = σ(x) (1 - σ(x)) dx
  sigmoid: { kind: "scalar", isFunction: true, value: ([a]) => fn("sigmoid", a!), partials: ([a]) => [product([fn("sigmoid", a!), op("-", "subtract", [constant(1), fn("sigmoid", a!)])])] },
  // d softplus(x) = σ(x) dx
  softplus: { kind: "scalar", isFunction: true, value: ([a]) => fn("softplus", a!), partials: ([a]) => [fn("sigmoid", a!)] },
  // d relu(x) = [x > 0] dx
  relu: { kind: "scalar", isFunction: true, value: ([a]) => fn("relu", a!), partials: ([a]) => [fn("positive", a!)] },
  // d |x| = sgn(x) dx
  abs: { kind: "scalar", isFunction: true, value: ([a]) => fn("abs", a!), partials: ([a]) => [fn("sgn", a!)] },
  // d max(a, b) = ([a > b] + [a = b]/2) da + ([b > a] + [a = b]/2) db
  maximum: { kind: "scalar", isFunction: true, value: ([a, b]) => fn("max", a!, b!), partials: ([a, b]) => [fn("maxGate", a!, b!), fn("maxGate", b!, a!)] },
  // d min(a, b) = ([b > a] + [a = b]/2) da + ([a > b] + [a = b]/2) db
  minimum: { kind: "scalar", isFunction: true, value: ([a, b]) => fn("min", a!, b!), partials: ([a, b]) => [fn("maxGate", b!, a!), fn("maxGate", a!, b!)] },
  // d step(x) := surrogate(x) dx  (a definition)
  heaviside: { kind: "scalar", isFunction: true, value: ([a]) => fn("heaviside", a!), partials: ([a], p, ctx) => [call(ctx.surrogate(p.surrogate), [a!])] },
  greater: comparison(">", "larger"),
  greaterEqual: comparison(">=", "largerEq"),
  less: comparison("<", "smaller"),
  lessEqual: comparison("<=", "smallerEq"),
  equal: comparison("==", "equal"),
  notEqual: comparison("!=", "unequal"),
  sign: { kind: "scalar", isFunction: true, value: ([a]) => fn("sgn", a!), partials: () => [null] },
  // d stopGradient(x) := 0: the value passes, the derivative does not
  stopGradient: { kind: "scalar", isFunction: true, value: ([a]) => call("stopGradient", [a!]), partials: () => [null] },
  // d where(c, a, b) = where(c, da, db)
  where: {
    kind: "scalar",
    value: ([c, a, b]) => new ConditionalNode(c!, a!, b!),
    partials: ([c]) => [null, new ConditionalNode(c!, constant(1), constant(0)), new ConditionalNode(c!, constant(0), constant(1))],
  },
  matmul: { kind: "index", entries: (out, shapes, _p, fresh) => matmulEntries(out, shapes, fresh) },
  transpose: { kind: "index", entries: (out, _s, p) => ({ sums: [], factors: [{ operand: 0, idx: p.perm.map((_, a) => out[p.perm.indexOf(a)]!) }] }) },
  broadcastTo: { kind: "index", entries: (out, [s], p) => ({ sums: [], factors: [{ operand: 0, idx: broadcastIndices(out, s!, p.shape, "broadcastTo") }] }) },
  reshape: sameShapeOnly("reshape"),
  sumTo: sameShapeOnly("sumTo"),
  sum: {
    kind: "index",
    entries: (out, [s], p, fresh) => {
      const sums: { index: Index; size: number }[] = [];
      let o = 0;
      const idx = s!.map((d, a) => {
        if (!p.axes.includes(a)) return out[o++]!;
        if (p.keepdims) o++;
        const l = fresh();
        sums.push({ index: l, size: d });
        return l;
      });
      return { sums, factors: [{ operand: 0, idx }] };
    },
  },
  max: noRule("a maximum over an axis picks entries by value; it has no index form here"),
  slice: noRule("slices shift indices; they have no index form here"),
  padSlice: noRule("slices shift indices; they have no index form here"),
  concat: noRule("concatenation shifts indices; it has no index form here"),
};
