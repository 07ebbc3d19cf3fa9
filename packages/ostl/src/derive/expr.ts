/**
 * Scalar expressions in index form, as mathjs expression trees: `Σ_k W_ik x_k + b_i` is a sum
 * node over the index `k` of a product of two indexed quantities, plus a third.
 *
 * Conventions (every builder here keeps them, so the other files can rely on them):
 * - an indexed quantity is a function node `key(_i, _k)`: the function symbol names the
 *   quantity (see {@link QuantityKey}), the arguments are index symbols;
 * - index symbols start with `_` (`_i`, `_l7`); the literal index `#0` addresses a size-1 axis;
 * - `Σ(_l, size, body)` sums `body` over `_l = 0..size-1`; `δ(_a, _b)` is the Kronecker delta;
 * - `$0`, `$1`, ... are the operand placeholders of a local node (see rules.ts).
 *
 * The builders fold the trivial cases (`0·x`, `1·x`, `x + 0`) so that composed derivatives stay
 * readable without calling mathjs `simplify` (slow: about 1.5 s for an LSTM cell).
 *
 * @module
 */
import { ConstantNode, FunctionNode, type MathNode, OperatorNode, ParenthesisNode, SymbolNode } from "mathjs";

/**
 * An index variable of an index-form expression: `_` and a name (`_i`, `_l3`), or the literal
 * `#0` of a size-1 axis. Pages show them as letters by role (see {@link indexLetters}).
 *
 * @example
 * ```ts
 * import { deriveCell, type Index } from "@ostl/ostl/derive";
 * import { rnn } from "@ostl/models";
 * const out: readonly Index[] = deriveCell(rnn()).blocks[0]!.outIndices;
 * console.log(out); // ["_o0"]
 * ```
 */
export type Index = string;

/** The literal index of a size-1 axis (broadcast operands). */
export const LITERAL_ZERO: Index = "#0";
/** Function name of an index sum node `Σ(_l, size, body)`. */
export const SUM = "Σ";
/** Function name of a Kronecker delta node `δ(_a, _b)`. */
export const DELTA = "δ";

/**
 * Key of an indexed quantity: `param:W`, `previous:h`, `input:x`, `next:h`, `output:y`,
 * `inter:<id>`, `const:<id>`, or `jac:<block id>` (a Jacobian block referenced by another).
 */
export type QuantityKey = string;

let counter = 0;

/** A fresh bound index name (`_l<n>`). */
export function freshIndex(): Index {
  return `_l${counter++}`;
}

const isIndexName = (name: string) => name.startsWith("_") || name === LITERAL_ZERO;

/** A number as a node (negative numbers as a unary minus, so products render `-0.8 s`). */
export function constant(value: number): MathNode {
  return value < 0 ? new OperatorNode("-", "unaryMinus", [new ConstantNode(-value)]) : new ConstantNode(value);
}

/** The numeric value of a constant node (or of a unary minus of one), else null. */
export function numericValue(node: MathNode): number | null {
  if (node.type === "ConstantNode") return typeof (node as ConstantNode).value === "number" ? ((node as ConstantNode).value as number) : null;
  if (node.type === "OperatorNode" && (node as OperatorNode).fn === "unaryMinus") {
    const inner = numericValue((node as OperatorNode).args[0]!);
    return inner === null ? null : -inner;
  }
  if (node.type === "ParenthesisNode") return numericValue((node as ParenthesisNode).content);
  return null;
}

const ARITHMETIC: Readonly<Record<string, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  subtract: (a, b) => a - b,
  multiply: (a, b) => a * b,
  divide: (a, b) => a / b,
};

/**
 * Folds arithmetic on numbers into one number when it has a short decimal form (mathjs
 * `derivative` writes 0.8 as `4 / 5`); other fractions are kept as they are.
 */
export function foldConstants(node: MathNode): MathNode {
  const folded = node.map((child) => foldConstants(child));
  if (folded.type !== "OperatorNode") return folded;
  const f = ARITHMETIC[(folded as OperatorNode).fn];
  const [a, b] = (folded as OperatorNode).args.map(numericValue);
  if (f === undefined || a === null || a === undefined || b === null || b === undefined) return folded;
  const v = f(a, b);
  return String(v).length <= 8 ? constant(v) : folded;
}

/** A function application `name(args)`. */
export function call(name: string, args: readonly MathNode[]): MathNode {
  return new FunctionNode(new SymbolNode(name), [...args]);
}

/** The function name of a function node, or null for any other node. */
export function functionName(node: MathNode): string | null {
  if (node.type !== "FunctionNode") return null;
  const fn = (node as FunctionNode).fn as unknown as MathNode;
  return fn.type === "SymbolNode" ? (fn as SymbolNode).name : null;
}

/** The indexed quantity `key` at indices `idx`. */
export function quantity(key: QuantityKey, idx: readonly Index[]): MathNode {
  return call(key, idx.map((i) => new SymbolNode(i)));
}

/** The index names of a quantity, sum or delta node's index arguments. */
export function indexArgs(node: MathNode): Index[] {
  return (node as FunctionNode).args.filter((a) => a.type === "SymbolNode" && isIndexName((a as SymbolNode).name)).map((a) => (a as SymbolNode).name);
}

/** The Kronecker delta `δ_ab` (1 when a = b). */
export function delta(a: Index, b: Index): MathNode {
  return call(DELTA, [new SymbolNode(a), new SymbolNode(b)]);
}

/** `Σ_index body` for `index` over `0..size-1`. */
export function indexSum(index: Index, size: number, body: MathNode): MathNode {
  return call(SUM, [new SymbolNode(index), new ConstantNode(size), body]);
}

/** The parts of a sum node: bound index, range size, body. */
export function sumParts(node: MathNode): { index: Index; size: number; body: MathNode } {
  const [i, n, body] = (node as FunctionNode).args as [SymbolNode, ConstantNode, MathNode];
  return { index: i.name, size: n.value as unknown as number, body };
}

/** `-x`, folding numbers and double negation. */
export function negate(node: MathNode): MathNode {
  const v = numericValue(node);
  if (v !== null) return constant(-v);
  if (node.type === "OperatorNode" && (node as OperatorNode).fn === "unaryMinus") return (node as OperatorNode).args[0]!;
  return new OperatorNode("-", "unaryMinus", [node]);
}

/** The factors of a product node (itself when it is not one), with its sign pulled out. */
function factorsOf(node: MathNode): { sign: number; factors: MathNode[] } {
  if (node.type === "OperatorNode") {
    const op = node as OperatorNode;
    if (op.fn === "unaryMinus") {
      const inner = factorsOf(op.args[0]!);
      return { sign: -inner.sign, factors: inner.factors };
    }
    if (op.fn === "multiply") {
      const parts = op.args.map(factorsOf);
      return { sign: parts.reduce((s, p) => s * p.sign, 1), factors: parts.flatMap((p) => p.factors) };
    }
  }
  if (node.type === "ParenthesisNode") return factorsOf((node as ParenthesisNode).content);
  return { sign: 1, factors: [node] };
}

/**
 * The product of `factors` as one flat implicit product: numbers multiplied into one leading
 * coefficient, signs pulled to the front, index sums last (so `Σ` never swallows a factor that
 * follows it). Returns null (zero) when a factor is 0, and the number 1 for an empty product.
 */
export function product(factors: readonly MathNode[]): MathNode | null {
  let coefficient = 1;
  const rest: MathNode[] = [];
  const sums: MathNode[] = [];
  for (const f of factors) {
    const parts = factorsOf(f);
    coefficient *= parts.sign;
    for (const p of parts.factors) {
      const v = numericValue(p);
      if (v !== null) coefficient *= v;
      else (functionName(p) === SUM ? sums : rest).push(p);
    }
  }
  if (coefficient === 0) return null;
  const all = [...rest, ...sums];
  const magnitude = Math.abs(coefficient);
  if (magnitude !== 1 || all.length === 0) all.unshift(new ConstantNode(magnitude));
  const body = all.reduce((acc, f) => new OperatorNode("*", "multiply", [acc, f], true));
  return coefficient < 0 ? new OperatorNode("-", "unaryMinus", [body]) : body;
}

/** The sum of `terms`, skipping zeros (null); null when all are zero. Negative terms become subtractions. */
export function sum(terms: readonly (MathNode | null)[]): MathNode | null {
  let acc: MathNode | null = null;
  for (const t of terms) {
    if (t === null || numericValue(t) === 0) continue;
    if (acc === null) acc = t;
    else if (t.type === "OperatorNode" && (t as OperatorNode).fn === "unaryMinus") acc = new OperatorNode("-", "subtract", [acc, (t as OperatorNode).args[0]!]);
    else acc = new OperatorNode("+", "add", [acc, t]);
  }
  return acc;
}

/** Replaces index symbols by `map` (indices not in the map are kept). */
export function renameIndices(node: MathNode, map: ReadonlyMap<Index, Index>): MathNode {
  if (map.size === 0) return node;
  return node.transform((n) => (n.type === "SymbolNode" && map.has((n as SymbolNode).name) ? new SymbolNode(map.get((n as SymbolNode).name)!) : n));
}

/**
 * A copy of `node` with its free indices renamed by `map` and every bound (summed) index given a
 * fresh name, so the copy can be placed inside any other expression without index capture.
 */
export function instantiate(node: MathNode, map: ReadonlyMap<Index, Index>): MathNode {
  const bound = new Map(map);
  node.traverse((n) => {
    if (functionName(n) === SUM) bound.set(sumParts(n).index, freshIndex());
  });
  return renameIndices(node, bound);
}

/** Replaces the operand placeholders `$0`, `$1`, ... by `operands`. */
export function substituteOperands(node: MathNode, operands: readonly MathNode[]): MathNode {
  return node.transform((n) => {
    if (n.type !== "SymbolNode") return n;
    const m = /^\$(\d+)$/.exec((n as SymbolNode).name);
    return m ? operands[Number(m[1])]! : n;
  });
}

/** The placeholder symbol of operand `r` of a local node. */
export function placeholder(r: number): MathNode {
  return new SymbolNode(`$${r}`);
}
