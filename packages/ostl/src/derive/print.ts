/**
 * The printer of derived expressions, with two back-ends: LaTeX for the pages and a plain form
 * that mathjs parses, so that what a page shows can be parsed back and evaluated (readback.ts).
 * Every structural decision (which terms a sum has and their signs, which factor needs brackets,
 * where a sum over an index ends) is made once, on the tree, and both forms are written from
 * it: they cannot disagree in structure.
 *
 * Plain forms: an indexed quantity is a call `W(i, k)` (its indices as letters, the literal index
 * of a size-1 axis left out as in LaTeX), `Sum(k, 3, …)` sums over `k = 0..2`, `delta(i, j)` is
 * the Kronecker delta, `partial(h__t(i), W(j, k))` is the entry of a Jacobian block, an Iverson
 * bracket is `(a > b ? 1 : 0)`; an equation is `lhs == rhs`.
 *
 * @module
 */
import { type ConditionalNode, ConstantNode, type FunctionNode, type MathNode, type OperatorNode, type ParenthesisNode, type SymbolNode } from "mathjs";
import { DELTA, functionName, type Index, indexArgs, LITERAL_ZERO, SUM, sumParts } from "./expr.js";
import { IVERSON_DEFINITION, scalarFunction } from "./functions.js";
import type { Derivation, JacobianBlock, Quantity } from "./model.js";
import { DeriveError } from "./rules.js";
import { indexLetters } from "./tex.js";

/**
 * A printed expression in both forms: LaTeX, and a plain form mathjs parses.
 *
 * @example
 * ```ts
 * import { deriveCell, printedExpression, type Printed } from "@ostl/ostl/derive";
 * import { rnn } from "@ostl/models";
 * const d = deriveCell(rnn());
 * const [a] = d.equations;
 * const p: Printed = printedExpression(a!.rhs, d, new Map([[a!.indices[0]!, "i"]]));
 * console.log(p.plain); // Sum(k, 3, W(i, k) * x__t(k)) + Sum(j, 4, U(i, j) * h__tm1(j)) + b(i)
 * ```
 */
export interface Printed {
  readonly tex: string;
  readonly plain: string;
}

/** How tightly a printed piece holds together, weakest first (what decides brackets). */
const SUM_LEVEL = 0;
const PREFIX_LEVEL = 1; // a sign `-x`, or a case split
const PRODUCT_LEVEL = 2; // factors side by side, or Σ (whose body is a product)
const POWER_LEVEL = 3;
const ATOM_LEVEL = 4;

interface Piece extends Printed {
  readonly level: number;
  /** Ends with a sum over an index, whose scope runs to the end of the product it is in. */
  readonly opensRight: boolean;
}

/** One signed summand of a sum, as printed. */
export interface PrintedTerm {
  readonly negative: boolean;
  readonly piece: Printed;
}

const atom = (tex: string, plain: string): Piece => ({ tex, plain, level: ATOM_LEVEL, opensRight: false });
const bracket = (p: Printed): Piece => atom(`\\left(${p.tex}\\right)`, `(${p.plain})`);
const RELATIONS: Readonly<Record<string, readonly [string, string]>> = {
  larger: [">", ">"],
  largerEq: ["\\geq", ">="],
  smaller: ["<", "<"],
  smallerEq: ["\\leq", "<="],
  equal: ["=", "=="],
  unequal: ["\\neq", "!="],
};

/** A number in both forms (`1e-7` as `1 \cdot 10^{-7}` in LaTeX). */
function numberPiece(v: number): Piece {
  const plain = String(v);
  const [mantissa, exponent] = plain.split("e");
  return atom(exponent === undefined ? plain : `${mantissa} \\cdot 10^{${Number(exponent)}}`, plain);
}

/** The plain-form letter of an index letter (`l_{5}` → `l_5`). */
const plainLetter = (tex: string) => tex.replace(/[{}]/g, "");

/** The letter of index `i`, or a {@link DeriveError} when it has none. */
function letterOf(letters: ReadonlyMap<Index, string>, i: Index): string {
  const letter = letters.get(i);
  if (letter === undefined) throw new DeriveError(`cannot print the index '${i}': it has no letter`);
  return letter;
}

/** Both forms of an indexed quantity's symbol at index letters (literal indices left out). */
export function quantityPrinted(q: Pick<Quantity, "tex" | "plain">, idx: readonly Index[], letters: ReadonlyMap<Index, string>): Printed {
  const shown = idx.filter((i) => i !== LITERAL_ZERO).map((i) => letterOf(letters, i));
  const tex = shown.length === 0 ? "" : `_{${shown.every((l) => l.length === 1) ? shown.join("") : shown.join(",")}}`;
  return { tex: `${q.tex}${tex}`, plain: `${q.plain}(${shown.map(plainLetter).join(", ")})` };
}

/** Both forms of the entry of a Jacobian block: `\frac{\partial h^{t}_{i}}{\partial W_{ik}}`, `partial(h__t(i), W(i, k))`. */
export function jacobianPrinted(d: Derivation, block: JacobianBlock, outIdx: readonly Index[], srcIdx: readonly Index[], letters: ReadonlyMap<Index, string>): Printed {
  const out = quantityPrinted(d.quantities.get(block.outputKey)!, outIdx, letters);
  const src = quantityPrinted(d.quantities.get(block.source.key)!, srcIdx, letters);
  return { tex: `\\frac{\\partial ${out.tex}}{\\partial ${src.tex}}`, plain: `partial(${out.plain}, ${src.plain})` };
}


/** The plain name of surrogate `key` of a derivation, and its LaTeX (`\Theta'`, or `\Theta'_{2}` when there are several). */
export function surrogateSymbol(d: Derivation, key: string): Printed {
  const names = [...d.surrogates.keys()];
  return names.length === 1 ? { tex: "\\Theta'", plain: "Theta_prime" } : { tex: `\\Theta'_{${names.indexOf(key) + 1}}`, plain: `Theta_prime_${names.indexOf(key) + 1}` };
}

/**
 * Prints the expressions of one derivation in both forms, and records the definitions the
 * printed expressions need (functions, the Iverson bracket) in the order they first appear.
 */
export class ExpressionPrinter {
  /** Definitions (LaTeX) of the functions and notations printed so far. */
  readonly definitions = new Set<string>();
  private readonly reserved: Set<string>;

  constructor(readonly derivation: Derivation) {
    // index letters avoid the quantities' symbols, so that `k` is never both an index and a quantity
    this.reserved = new Set([...derivation.quantities.values()].map((q) => q.plain));
  }

  /** Letters for free indices of the given sizes, avoiding the page's symbols. */
  letters(indices: readonly (readonly [Index, number])[]): Map<Index, string> {
    return indexLetters(this.derivation, indices, this.reserved);
  }

  /** The signed top-level summands of `node` (a subtracted sum has every one of its terms negated). */
  terms(node: MathNode, letters: ReadonlyMap<Index, string>): { readonly negative: boolean; readonly piece: Piece }[] {
    return signedTerms(node, false).map((t) => ({ negative: t.negative, piece: this.piece(t.node, letters) }));
  }

  /** `node` as one expression. */
  expression(node: MathNode, letters: ReadonlyMap<Index, string>): Printed {
    return this.piece(node, letters);
  }

  private piece(node: MathNode, letters: ReadonlyMap<Index, string>, condition = false): Piece {
    switch (node.type) {
      case "ParenthesisNode":
        return this.piece((node as ParenthesisNode).content, letters, condition);
      case "ConstantNode": {
        const v = (node as ConstantNode).value as unknown as number;
        return v < 0 ? this.sum([{ negative: true, piece: numberPiece(-v) }]) : numberPiece(v);
      }
      case "SymbolNode": {
        const letter = letterOf(letters, (node as SymbolNode).name);
        return atom(letter, plainLetter(letter));
      }
      case "ConditionalNode":
        return this.conditional(node as ConditionalNode, letters);
      case "OperatorNode":
        return this.operator(node as OperatorNode, letters, condition);
      case "FunctionNode":
        return this.call(node as FunctionNode, letters);
      default:
        throw new DeriveError(`cannot print a ${node.type}`);
    }
  }

  /** Signed terms joined: one negative term is a sign in front of its operand, more terms a sum. */
  private sum(terms: readonly { readonly negative: boolean; readonly piece: Piece }[]): Piece {
    const tex = joinTerms(terms, "tex");
    const plain = joinTerms(terms, "plain");
    const [first] = terms;
    if (terms.length > 1) return { tex, plain, level: SUM_LEVEL, opensRight: false };
    return { tex, plain, level: first!.negative ? PREFIX_LEVEL : first!.piece.level, opensRight: first!.piece.opensRight };
  }

  private operator(o: OperatorNode, letters: ReadonlyMap<Index, string>, condition: boolean): Piece {
    const relation = RELATIONS[o.fn];
    if (relation !== undefined) {
      const [a, b] = o.args.map((x) => this.piece(x, letters));
      const tex = `${a!.tex} ${relation[0]} ${b!.tex}`;
      const plain = `${a!.plain} ${relation[1]} ${b!.plain}`;
      if (condition) return { tex, plain, level: SUM_LEVEL, opensRight: false };
      this.definitions.add(IVERSON_DEFINITION);
      return atom(`\\left[${tex}\\right]`, `(${plain} ? 1 : 0)`);
    }
    switch (o.fn) {
      case "add":
      case "subtract":
      case "unaryMinus":
        return this.sum(this.terms(o, letters));
      case "unaryPlus":
        return this.piece(o.args[0]!, letters);
      case "multiply":
        return this.product(factorsOf(o).map((f) => this.piece(f, letters)));
      case "divide": {
        const [n, dn] = o.args.map((x) => this.piece(x, letters));
        return atom(`\\frac{${n!.tex}}{${dn!.tex}}`, `((${n!.plain}) / (${dn!.plain}))`);
      }
      case "pow": {
        const [base, exponent] = o.args.map((x) => this.piece(x, letters));
        const b = base!.level === ATOM_LEVEL ? base! : bracket(base!);
        return { tex: `{${b.tex}}^{${exponent!.tex}}`, plain: `${b.plain} ^ (${exponent!.plain})`, level: POWER_LEVEL, opensRight: false };
      }
      default:
        throw new DeriveError(`cannot print the operator '${o.fn}'`);
    }
  }

  /** Factors side by side; a sum, a sign or a case split is bracketed, and so is a Σ unless it is last (its scope would take the factors after it). */
  private product(factors: readonly Piece[]): Piece {
    const shown = factors.map((f, k) => (f.level >= POWER_LEVEL || (f.level === PRODUCT_LEVEL && f.opensRight && k === factors.length - 1) ? f : bracket(f)));
    const tex = shown.map((f, k) => (k > 0 && /^\d/.test(f.tex) ? ` \\cdot ${f.tex}` : k > 0 ? `~${f.tex}` : f.tex)).join("");
    return { tex, plain: shown.map((f) => f.plain).join(" * "), level: PRODUCT_LEVEL, opensRight: shown.at(-1)!.opensRight };
  }

  private conditional(c: ConditionalNode, letters: ReadonlyMap<Index, string>): Piece {
    const cond = this.piece(c.condition, letters, true);
    const [yes, no] = [this.piece(c.trueExpr, letters), this.piece(c.falseExpr, letters)];
    return {
      tex: `\\begin{cases} ${yes.tex} & \\text{if } ${cond.tex} \\\\ ${no.tex} & \\text{otherwise} \\end{cases}`,
      plain: `(${cond.plain} ? ${yes.plain} : ${no.plain})`,
      level: PREFIX_LEVEL,
      opensRight: false,
    };
  }

  private call(node: FunctionNode, letters: ReadonlyMap<Index, string>): Piece {
    const d = this.derivation;
    const name = functionName(node);
    if (name === null) throw new DeriveError(`cannot print the call ${node.toString()}`);
    if (name === SUM) {
      const { index, size, body } = sumParts(node);
      const inner = new Map(letters);
      const letter = indexLetters(d, [[index, size]], [...letters.values(), ...this.reserved]).get(index)!;
      inner.set(index, letter);
      const b = this.piece(body, inner);
      const shown = b.level >= PRODUCT_LEVEL ? b : bracket(b);
      return { tex: `\\sum_{${letter}} ${shown.tex}`, plain: `Sum(${plainLetter(letter)}, ${size}, ${shown.plain})`, level: PRODUCT_LEVEL, opensRight: true };
    }
    if (name === DELTA) {
      const shown = indexArgs(node).map((i) => (i === LITERAL_ZERO ? "0" : letterOf(letters, i)));
      return atom(`\\delta_{${shown.every((l) => l.length === 1) ? shown.join("") : shown.join(",")}}`, `delta(${shown.map(plainLetter).join(", ")})`);
    }
    if (name.startsWith("jac:")) {
      const block = d.blocks.find((b) => b.id === name.slice(4))!;
      const idx = indexArgs(node);
      const p = jacobianPrinted(d, block, idx.slice(0, block.outIndices.length), idx.slice(block.outIndices.length), letters);
      return atom(p.tex, p.plain);
    }
    const q = d.quantities.get(name);
    if (q !== undefined) {
      const p = quantityPrinted(q, indexArgs(node), letters);
      return atom(p.tex, p.plain);
    }
    const args = node.args.map((a) => this.piece(a, letters));
    if (d.surrogates.has(name)) {
      const s = surrogateSymbol(d, name);
      return atom(`${s.tex}\\left(${args.map((a) => a.tex).join(", ")}\\right)`, `${s.plain}(${args.map((a) => a.plain).join(", ")})`);
    }
    const f = scalarFunction(name);
    if (f === undefined) throw new DeriveError(`cannot print the function '${name}': it has no printed form`);
    if (f.definition !== "") this.definitions.add(f.definition);
    if ("expand" in f) return this.piece(f.expand(node.args), letters);
    return atom(f.tex(args.map((a) => a.tex)), `${f.plain}(${args.map((a) => a.plain).join(", ")})`);
  }
}

/** Signed terms in one form: `a - b + c`, a leading sign written `-a`. */
export function joinTerms(terms: readonly PrintedTerm[], form: keyof Printed): string {
  return terms.map((t, k) => (k === 0 ? (t.negative ? `-${t.piece[form]}` : t.piece[form]) : ` ${t.negative ? "-" : "+"} ${t.piece[form]}`)).join("");
}

/** Summands of a node with their signs: sums and differences flattened, signs distributed over a subtracted sum. */
function signedTerms(node: MathNode, negative: boolean): { negative: boolean; node: MathNode }[] {
  if (node.type === "ParenthesisNode") return signedTerms((node as ParenthesisNode).content, negative);
  const v = node.type === "ConstantNode" ? ((node as ConstantNode).value as unknown as number) : 0;
  if (v < 0) return [{ negative: !negative, node: new ConstantNode(-v) }];
  if (node.type !== "OperatorNode") return [{ negative, node }];
  const o = node as OperatorNode;
  if (o.fn === "add") return o.args.flatMap((a) => signedTerms(a, negative));
  if (o.fn === "subtract") return [...signedTerms(o.args[0]!, negative), ...signedTerms(o.args[1]!, !negative)];
  if (o.fn === "unaryMinus") return signedTerms(o.args[0]!, !negative);
  return [{ negative, node }];
}

/** The factors of nested products, flattened. */
function factorsOf(node: MathNode): MathNode[] {
  if (node.type === "ParenthesisNode") return factorsOf((node as ParenthesisNode).content);
  if (node.type === "OperatorNode" && (node as OperatorNode).fn === "multiply") return (node as OperatorNode).args.flatMap(factorsOf);
  return [node];
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
 * console.log(expressionTex(eq.rhs, d, letters)); // \sum_{k} W_{ik}~x^{t}_{k} + \sum_{j} U_{ij}~h^{t-1}_{j} + b_{i}
 * ```
 */
export function expressionTex(node: MathNode, d: Derivation, letters: ReadonlyMap<Index, string>): string {
  return printedExpression(node, d, letters).tex;
}

/**
 * A derived expression in both printed forms: LaTeX and the plain form mathjs parses back.
 *
 * @example
 * ```ts
 * import { deriveCell, printedExpression } from "@ostl/ostl/derive";
 * import { lstm } from "@ostl/models";
 * const d = deriveCell(lstm());
 * const c = d.equations.find((e) => e.key === "next:c")!;
 * const p = printedExpression(c.rhs, d, new Map([[c.indices[0]!, "i"]]));
 * console.log(p.plain); // sigmoid(a_f(i)) * c__tm1(i) + sigmoid(a_i(i)) * tanh(a_g(i))
 * ```
 */
export function printedExpression(node: MathNode, d: Derivation, letters: ReadonlyMap<Index, string>): Printed {
  return new ExpressionPrinter(d).expression(node, letters);
}
