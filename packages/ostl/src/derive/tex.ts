/**
 * LaTeX for derived expressions: symbols of quantities (`W^{(f)}_{ik}`, `h^{t-1}_{j}`), index
 * letters by role (units i, j, l…; inputs k, q…), index sums, Kronecker deltas, Iverson brackets
 * and the functions mathjs does not know, through a mathjs `toTex` handler.
 *
 * @module
 */
import { type ConditionalNode, type FunctionNode, type MathNode, OperatorNode, type SymbolNode } from "mathjs";
import { DELTA, functionName, type Index, indexArgs, LITERAL_ZERO, SUM, sumParts } from "./expr.js";
import { type ScalarFunctionName, scalarFunctions } from "./functions.js";
import type { Derivation, JacobianBlock, QuantityKind } from "./model.js";

const GREEK = new Set(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega"]);

/** LaTeX of a name: one letter as is, Greek names as letters, longer names upright; `W_f` → `W^{(f)}` parts. */
function nameParts(name: string): { head: string; tail: string | null } {
  const cut = name.indexOf("_");
  const head = cut < 0 ? name : name.slice(0, cut);
  const tail = cut < 0 ? null : name.slice(cut + 1);
  const texHead = head.length === 1 ? head : GREEK.has(head.toLowerCase()) ? `\\${head}` : `\\mathrm{${head}}`;
  return { head: texHead, tail: tail === null ? null : tail.length === 1 ? tail : `\\mathrm{${tail}}` };
}

/**
 * The LaTeX symbol (without indices) of a quantity of the given kind: parameters as named,
 * previous state with superscript `t-1`, next state, input and output with `t`.
 *
 * @example
 * ```ts
 * import { quantityTex } from "@ostl/ostl/derive";
 * console.log(quantityTex("param", "W_f"), quantityTex("previous", "h"), quantityTex("param", "tau")); // W^{(f)} h^{t-1} \tau
 * ```
 */
export function quantityTex(kind: QuantityKind, name: string): string {
  if (kind === "constant") return `\\kappa^{(${name})}`;
  const { head, tail } = nameParts(name);
  const time = kind === "previous" ? "t-1" : kind === "next" || kind === "input" || kind === "output" ? "t" : null;
  const sup = [tail === null ? null : `(${tail})`, time].filter((s) => s !== null).join(",");
  return sup === "" ? head : `${head}^{${sup}}`;
}

const POOLS = { unit: ["i", "j", "l", "r", "p"], input: ["k", "q", "u"], other: ["p", "v", "w"] } as const;

/**
 * Letters for indices of the given sizes, in order, by role (units of the cell: i, j, l, …;
 * inputs: k, q, …; other sizes: p, v, w), avoiding `used`.
 *
 * @example
 * ```ts
 * import { indexLetters } from "@ostl/ostl/derive";
 * const sizes = { hiddenSize: 4, inputSize: 3 };
 * console.log([...indexLetters(sizes, [["_o0", 4], ["_s0", 4], ["_s1", 3]]).values()]); // ["i", "j", "k"]
 * ```
 */
export function indexLetters(d: Pick<Derivation, "hiddenSize" | "inputSize">, indices: readonly (readonly [Index, number])[], used: Iterable<string> = []): Map<Index, string> {
  const taken = new Set(used);
  const out = new Map<Index, string>();
  for (const [index, size] of indices) {
    const pool = size === d.hiddenSize ? POOLS.unit : size === d.inputSize ? POOLS.input : POOLS.other;
    const letter = pool.find((l) => !taken.has(l)) ?? `${pool[0]}_{${taken.size}}`;
    taken.add(letter);
    out.set(index, letter);
  }
  return out;
}

interface TexOptions {
  readonly handler: (node: MathNode, options: TexOptions) => string | undefined;
  readonly implicit: "hide";
  readonly parenthesis: "auto";
  readonly letters: ReadonlyMap<Index, string>;
  readonly condition: boolean;
}

const RELATIONS = new Set(["larger", "largerEq", "smaller", "smallerEq", "equal", "unequal"]);

/** The LaTeX subscript `_{ik}` of indices under `letters` (literal indices of size-1 axes left out). */
export function subscript(idx: readonly Index[], letters: ReadonlyMap<Index, string>): string {
  const shown = idx.filter((i) => i !== LITERAL_ZERO).map((i) => letters.get(i) ?? i);
  if (shown.length === 0) return "";
  return `_{${shown.every((l) => l.length === 1) ? shown.join("") : shown.join(",")}}`;
}

/**
 * LaTeX of a derived expression. `letters` names the free indices (see {@link indexLetters});
 * summed indices get letters of their role that are not in use.
 *
 * @example
 * ```ts
 * import { deriveCell, indexLetters, expressionTex } from "@ostl/ostl/derive";
 * import { rnn } from "@ostl/models";
 * const d = deriveCell(rnn());
 * const eq = d.equations[0];
 * const letters = indexLetters(d, eq.indices.map((i) => [i, d.hiddenSize] as const));
 * console.log(expressionTex(eq.rhs, d, letters)); // \sum_{k} W_{ik}~x^{t}_{k}+\sum_{j} U_{ij}~h^{t-1}_{j}+b_{i}
 * ```
 */
export function expressionTex(node: MathNode, d: Derivation, letters: ReadonlyMap<Index, string>): string {
  const surrogateNames = [...d.surrogates.keys()];
  const surrogateTex = (key: string) => (surrogateNames.length === 1 ? "\\Theta'" : `\\Theta'_{${surrogateNames.indexOf(key) + 1}}`);
  const sub = (n: MathNode, o: TexOptions) => n.toTex(o as object);

  const handler = (n: MathNode, o: TexOptions): string | undefined => {
    if (n.type === "SymbolNode") {
      const name = (n as SymbolNode).name;
      return o.letters.get(name);
    }
    if (n.type === "ConditionalNode") {
      const c = n as ConditionalNode;
      return `\\begin{cases} ${sub(c.trueExpr, o)} & \\text{if } ${sub(c.condition, { ...o, condition: true })} \\\\ ${sub(c.falseExpr, o)} & \\text{otherwise} \\end{cases}`;
    }
    if (n.type === "OperatorNode" && RELATIONS.has((n as OperatorNode).fn) && !o.condition) {
      return `\\left[${sub(n, { ...o, condition: true })}\\right]`;
    }
    if (n.type === "OperatorNode" && (n as OperatorNode).fn === "unaryMinus" && functionName((n as OperatorNode).args[0]!) === null) {
      const arg = (n as OperatorNode).args[0]!;
      if (arg.type === "OperatorNode" && (arg as OperatorNode).fn === "multiply") return `-${sub(arg, o)}`;
    }
    const name = functionName(n);
    if (name === null) return undefined;
    const args = (n as FunctionNode).args;
    if (name === SUM) {
      const { index, size, body } = sumParts(n);
      const letters = new Map(o.letters);
      letters.set(index, indexLetters(d, [[index, size]], o.letters.values()).get(index)!);
      const inner = sub(body, { ...o, letters });
      const wrap = body.type === "OperatorNode" && ["add", "subtract"].includes((body as OperatorNode).fn);
      return `\\sum_{${letters.get(index)}} ${wrap ? `\\left(${inner}\\right)` : inner}`;
    }
    if (name === DELTA) return `\\delta${subscript(indexArgs(n), o.letters)}`;
    if (name.startsWith("jac:")) {
      const block = d.blocks.find((b) => b.id === name.slice(4))!;
      const idx = indexArgs(n);
      const k = block.outIndices.length;
      return jacobianTex(d, block, subscript(idx.slice(0, k), o.letters), subscript(idx.slice(k), o.letters));
    }
    const q = d.quantities.get(name);
    if (q !== undefined) return `${q.tex}${subscript(indexArgs(n), o.letters)}`;
    const texArgs = args.map((a) => sub(a, o));
    if (Object.hasOwn(scalarFunctions, name)) return scalarFunctions[name as ScalarFunctionName].tex(texArgs);
    if (d.surrogates.has(name)) return `${surrogateTex(name)}\\left(${texArgs.join(", ")}\\right)`;
    return undefined;
  };
  return sub(juxtaposed(node), { handler, implicit: "hide", parenthesis: "auto", letters, condition: false });
}

/** Every product written by juxtaposition (mathjs writes an explicit one as `\cdot`, glued to the next token). */
function juxtaposed(node: MathNode): MathNode {
  const n = node.map(juxtaposed);
  const o = n as OperatorNode;
  return n.type === "OperatorNode" && o.fn === "multiply" && !o.implicit ? new OperatorNode("*", "multiply", [...o.args], true) : n;
}

/** `\frac{\partial o_{i}}{\partial s_{j}}` for a block, given the LaTeX subscripts of its two entries. */
export function jacobianTex(d: Derivation, block: JacobianBlock, outSub: string, srcSub: string): string {
  return `\\frac{\\partial ${d.quantities.get(block.outputKey)!.tex}${outSub}}{\\partial ${d.quantities.get(block.source.key)!.tex}${srcSub}}`;
}

/** LaTeX letters of a block's free indices (output first, then the source's own). */
export function blockLetters(d: Derivation, block: JacobianBlock): Map<Index, string> {
  const all = [...new Set([...block.outIndices, ...block.srcIndices])];
  return indexLetters(d, all.map((i) => [i, block.sizes[i]!] as const));
}

