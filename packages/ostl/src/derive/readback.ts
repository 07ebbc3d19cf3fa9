/**
 * Reads a printed page back: parses the plain form of every displayed equation with mathjs and
 * evaluates it, with mathjs, at a point, as a reader of the page would: symbols are the point's
 * parameters, previous state and input; a quantity another equation defines is computed from
 * that printed equation; `partial(…)` reads the printed Jacobian equation it names; a compact
 * block (`∂h_i/∂h_i`) is zero where its repeated letter takes two values. Each equation is then
 * compared, entry by entry, with the engine: next state and output with the step, an
 * intermediate with the traced variable it names, a Jacobian with forward mode.
 *
 * @module
 */
import { type NDArray, tensor } from "@ostl/core";
import { all, create, type EvalFunction, type FunctionNode, type MathJsInstance, type MathNode, type OperatorNode, type SymbolNode } from "mathjs";
import type { Cell } from "../model/cell.js";
import { engineJacobian, engineOutput, engineVariable, indexTuples, relativeError } from "./engine.js";
import { type DerivationPoint, randomPoint } from "./evaluate.js";
import { scalarFunctions } from "./functions.js";
import type { Derivation, JacobianSource, Quantity } from "./model.js";
import type { PrintedEquation } from "./page.js";
import { surrogateSymbol } from "./print.js";

/**
 * How one printed equation compares with the engine.
 *
 * @example
 * ```ts
 * import { checkPrintedPage, deriveCell, ostlCost, printCellPage, type PrintedEquationCheck } from "@ostl/ostl/derive";
 * import { rnn } from "@ostl/models";
 * const cell = rnn();
 * const d = deriveCell(cell);
 * const h: PrintedEquationCheck = checkPrintedPage(printCellPage(d, ostlCost(cell, [])), d, cell).equations[1]!;
 * console.log(h.label, h.entries, h.error < 1e-12, h.problem); // h^{t}_{i} 4 true null
 * ```
 */
export interface PrintedEquationCheck {
  /** The left-hand side in LaTeX. */
  readonly label: string;
  readonly plain: string;
  /** Entries compared with the engine. */
  readonly entries: number;
  /** Largest absolute difference over the largest engine entry (Infinity when it could not be evaluated). */
  readonly error: number;
  /** Why it could not be evaluated, or null. */
  readonly problem: string | null;
}

/**
 * The result of {@link checkPrintedPage}: one check per displayed equation, in page order, and
 * problems of the page as a whole (two quantities printed as one symbol).
 *
 * @example
 * ```ts
 * import { checkPrintedPage, deriveCell, ostlCost, printCellPage, type PrintedPageCheck } from "@ostl/ostl/derive";
 * import { lstm } from "@ostl/models";
 * const cell = lstm();
 * const d = deriveCell(cell);
 * const check: PrintedPageCheck = checkPrintedPage(printCellPage(d, ostlCost(cell, [])), d, cell);
 * console.log(check.equations.length, check.maxError < 1e-12, check.problems); // 33 true []
 * ```
 */
export interface PrintedPageCheck {
  readonly equations: readonly PrintedEquationCheck[];
  readonly problems: readonly string[];
  /** The worst equation's error (Infinity when there is a problem). */
  readonly maxError: number;
}

/** The scope key under which the sum and partial functions find the page being read (no parsed symbol has a space). */
const READER = " reader";

/** A displayed equation as a definition: the letters of its left-hand side (output's, then source's) and its compiled right-hand side. */
interface Definition {
  readonly label: string;
  readonly letters: readonly string[];
  /** How many of the letters index the output (the rest index the source of a Jacobian). */
  readonly outputLetters: number;
  readonly rhs: EvalFunction;
  readonly memo: Map<string, number>;
}

/** A mathjs scope: index letters bound for one evaluation, over the page's symbols and functions. */
class Scope {
  constructor(
    private readonly letters: Map<string, unknown>,
    private readonly globals: ReadonlyMap<string, unknown>,
  ) {}
  get(name: string): unknown {
    return this.letters.has(name) ? this.letters.get(name) : this.globals.get(name);
  }
  has(name: string): boolean {
    return this.letters.has(name) || this.globals.has(name);
  }
  set(name: string, value: unknown): this {
    this.letters.set(name, value);
    return this;
  }
  delete(name: string): boolean {
    return this.letters.delete(name);
  }
  keys(): IterableIterator<string> {
    return new Set([...this.letters.keys(), ...this.globals.keys()]).values();
  }
}

type MathScope = Pick<Scope, "get" | "set" | "delete" | "has">;
const compiled = new WeakMap<MathNode, EvalFunction>();
const compile = (node: MathNode) => compiled.get(node) ?? compiled.set(node, node.compile()).get(node)!;

/** `Sum(k, n, body)`: body summed over k = 0..n-1 (raw arguments: the body is evaluated once per k). */
function sumOver(args: readonly MathNode[], _math: unknown, scope: MathScope): number {
  const [letter, size, body] = args as [SymbolNode, MathNode, MathNode];
  const n = compile(size).evaluate(scope) as number;
  const outer = scope.has(letter.name) ? scope.get(letter.name) : undefined;
  let total = 0;
  for (let l = 0; l < n; l++) {
    scope.set(letter.name, l);
    total += real(compile(body).evaluate(scope), "a summand");
  }
  if (outer === undefined) scope.delete(letter.name);
  else scope.set(letter.name, outer);
  return total;
}
sumOver.rawArgs = true;

/** `partial(h__t(i), W(j, k))`: the entry of the printed Jacobian equation of h__t against W. */
function partialEntry(args: readonly MathNode[], _math: unknown, scope: MathScope): number {
  const [out, src] = args as [FunctionNode, FunctionNode];
  const reader = scope.get(READER) as PageReader;
  const at = (f: FunctionNode) => fullIndex(reader.symbol(f.fn.name), f.args.map((a) => compile(a).evaluate(scope) as number));
  return reader.block(reader.symbol(out.fn.name), reader.symbol(src.fn.name), at(out), at(src));
}
partialEntry.rawArgs = true;

let instance: MathJsInstance | null = null;
/** A mathjs instance that knows `Sum` and `partial`. */
function mathjs(): MathJsInstance {
  if (instance === null) {
    instance = create(all);
    instance.import({ Sum: sumOver, partial: partialEntry }, { override: true });
  }
  return instance;
}

function real(value: unknown, what: string): number {
  if (typeof value !== "number") throw new Error(`${what} evaluates to ${mathjs().format(value)}, not a real number`);
  return value;
}

/** For each axis of `shape`, which of `count` printed indices addresses it (-1: a size-1 axis, its index left out). */
function axisArguments(shape: readonly number[], count: number, symbol: string): number[] {
  const omitted = shape.length - count;
  if (omitted < 0 || shape.filter((n) => n === 1).length < omitted) throw new Error(`${symbol} of shape [${shape}] is printed with ${count} indices`);
  let skipped = 0;
  let next = 0;
  return shape.map((n) => (n === 1 && skipped < omitted ? (skipped++, -1) : next++));
}

/** The index on every axis of a quantity, from its printed indices. */
function fullIndex(q: Quantity, printed: readonly number[]): number[] {
  return axisArguments(q.shape, printed.length, q.plain).map((k) => (k < 0 ? 0 : printed[k]!));
}

/** The `count` printed indices of a quantity's entry at `full`. */
function printedIndex(q: Quantity, count: number, full: readonly number[]): number[] {
  const axes = axisArguments(q.shape, count, q.plain);
  return full.filter((_, a) => axes[a]! >= 0);
}

/** What a quantity is, in words (`param a_1`, `named intermediate a_1`). */
const what = (q: Quantity) => `${q.kind === "intermediate" ? "named intermediate" : q.kind} ${q.name}`;

/** The page as a reader evaluates it: its symbols, its definitions, and a mathjs scope of both. */
class PageReader {
  readonly problems: string[] = [];
  private readonly symbols = new Map<string, Quantity>();
  private readonly quantities = new Map<string, Definition>();
  private readonly blocks = new Map<string, Definition>();
  readonly globals = new Map<string, unknown>();
  /** Definitions being evaluated (an equation that reads itself would recurse forever). */
  private readonly pending = new Set<Definition>();

  constructor(
    readonly derivation: Derivation,
    readonly point: DerivationPoint,
  ) {
    const functions = new Map<string, (...a: number[]) => number>([["delta", (a, b) => (a === b ? 1 : 0)]]);
    for (const f of Object.values(scalarFunctions)) if ("plain" in f && !f.mathjs) functions.set(f.plain, f.evaluate);
    for (const [key, s] of derivation.surrogates) functions.set(surrogateSymbol(derivation, key).plain, (x) => (s.derivative(tensor([x])) as NDArray).toFlat()[0]!);
    for (const [name, f] of functions) this.globals.set(name, f);
    this.globals.set(READER, this);
    const reserved = new Set(["Sum", "partial", ...functions.keys(), ...Object.values(scalarFunctions).flatMap((f) => ("plain" in f ? [f.plain] : []))]);
    for (const q of derivation.quantities.values()) {
      const other = this.symbols.get(q.plain);
      if (other !== undefined) this.problems.push(`the ${what(other)} and the ${what(q)} are both printed as $${q.tex}$ ('${q.plain}')`);
      else if (reserved.has(q.plain)) this.problems.push(`the ${what(q)} is printed as '${q.plain}', which is also a function of the printed equations`);
      this.symbols.set(q.plain, q);
      this.globals.set(q.plain, (...printed: number[]) => this.quantity(q, fullIndex(q, printed)));
    }
  }

  symbol(name: string): Quantity {
    const q = this.symbols.get(name);
    if (q === undefined) throw new Error(`'${name}' is not a symbol of the page`);
    return q;
  }

  /** Registers a displayed equation `lhs == rhs` (a quantity or a Jacobian entry); returns what its left-hand side names. */
  define(e: PrintedEquation): { output: Quantity; source: Quantity | null } {
    const tree = mathjs().parse(e.plain);
    if (tree.type !== "OperatorNode" || (tree as OperatorNode).fn !== "equal") throw new Error("it is not an equation `lhs == rhs`");
    const [lhs, rhs] = (tree as OperatorNode).args as [MathNode, MathNode];
    const call = (n: MathNode) => {
      if (n.type !== "FunctionNode" || !(n as FunctionNode).args.every((a) => a.type === "SymbolNode")) throw new Error(`its left-hand side ${n.toString()} is not a quantity at index letters`);
      return { name: (n as FunctionNode).fn.name, letters: (n as FunctionNode).args.map((a) => (a as SymbolNode).name) };
    };
    const isPartial = lhs.type === "FunctionNode" && (lhs as FunctionNode).fn.name === "partial";
    const [out, src] = isPartial ? (lhs as FunctionNode).args.map(call) : [call(lhs)];
    const output = this.symbol(out!.name);
    if (output.kind !== "next" && output.kind !== "output" && output.kind !== "intermediate") throw new Error(`its left-hand side is ${output.kind} ${output.name}, which no equation defines`);
    const table = isPartial ? this.blocks : this.quantities;
    const key = isPartial ? `${out!.name}|${src!.name}` : out!.name;
    if (table.has(key)) throw new Error(`${table.get(key)!.label} is defined twice`);
    table.set(key, { label: e.label, letters: [...out!.letters, ...(src?.letters ?? [])], outputLetters: out!.letters.length, rhs: rhs.compile(), memo: new Map() });
    return { output, source: src ? this.symbol(src.name) : null };
  }

  /** A quantity's entry (index on every axis): read from the point, or computed from its displayed equation. */
  quantity(q: Quantity, full: readonly number[]): number {
    if (full.some((v, a) => !Number.isInteger(v) || v < 0 || v >= q.shape[a]!)) throw new Error(`${q.plain}[${full.join(", ")}] is outside its shape [${q.shape}]`);
    if (q.kind === "param" || q.kind === "previous" || q.kind === "input" || q.kind === "constant") {
      const values = q.kind === "param" ? this.point.params[q.name] : q.kind === "previous" ? this.point.state[q.name] : q.kind === "input" ? this.point.x : q.value;
      return (values as NDArray).get(...full);
    }
    const def = this.quantities.get(q.plain);
    if (def === undefined) throw new Error(`no displayed equation defines $${q.tex}$`);
    return this.evaluate(def, printedIndex(q, def.letters.length, full));
  }

  /** An entry of a displayed Jacobian equation, at the index on every axis of its output and its source. */
  block(out: Quantity, src: Quantity, fullOut: readonly number[], fullSrc: readonly number[]): number {
    const def = this.blocks.get(`${out.plain}|${src.plain}`);
    if (def === undefined) throw new Error(`no displayed equation defines the derivative of $${out.tex}$ with respect to $${src.tex}$`);
    return this.evaluate(def, [...printedIndex(out, def.outputLetters, fullOut), ...printedIndex(src, def.letters.length - def.outputLetters, fullSrc)]);
  }

  /** A definition's right-hand side with its letters bound to `idx`; zero where one letter would take two values (a compact block off its diagonal or rows). */
  private evaluate(def: Definition, idx: readonly number[]): number {
    const key = idx.join(",");
    const known = def.memo.get(key);
    if (known !== undefined) return known;
    if (this.pending.has(def)) throw new Error(`${def.label} is defined in terms of itself`);
    const letters = new Map<string, unknown>();
    let offDiagonal = false;
    def.letters.forEach((l, a) => {
      if (letters.has(l) && letters.get(l) !== idx[a]) offDiagonal = true;
      letters.set(l, idx[a]);
    });
    this.pending.add(def);
    try {
      const value = offDiagonal ? 0 : real(def.rhs.evaluate(new Scope(letters, this.globals)), def.label);
      def.memo.set(key, value);
      return value;
    } finally {
      this.pending.delete(def);
    }
  }
}

/** The engine's values for what a displayed equation defines: shape and entries. */
function engineReference(cell: Cell, point: DerivationPoint, d: Derivation, output: Quantity, source: Quantity | null): NDArray {
  const o = { output: output.name, outputKey: output.key };
  if (source !== null) {
    const kind: JacobianSource["kind"] | null = source.kind === "param" ? "param" : source.kind === "previous" ? "state" : source.kind === "input" ? "input" : null;
    if (kind === null) throw new Error(`it differentiates with respect to ${source.kind} ${source.name}, which is not a previous state, the input or a parameter`);
    return engineJacobian(cell, point, o, { kind, name: source.name });
  }
  return output.kind === "intermediate" ? engineVariable(cell, point, d, Number(output.key.slice(output.key.indexOf(":") + 1))) : engineOutput(cell, point, o);
}

/**
 * Parses every displayed equation of a printed page back from its plain form with mathjs, and
 * evaluates it at `point` (every entry) against the engine: the next state and the output
 * against the step, a named intermediate against the traced variable it names, a Jacobian entry
 * against forward mode. A compact block is checked as the page states it: zero off its diagonal
 * or rows.
 *
 * @example
 * ```ts
 * import { checkPrintedPage, deriveCell, ostlCost, printCellPage } from "@ostl/ostl/derive";
 * import { gru } from "@ostl/models";
 * const cell = gru();
 * const d = deriveCell(cell);
 * const page = printCellPage(d, ostlCost(cell, []));
 * const wrong = { ...page, equations: page.equations.map((e, k) => (k === 0 ? { ...e, plain: `${e.plain} + 1e-6` } : e)) };
 * console.log(checkPrintedPage(page, d, cell).maxError < 1e-12, checkPrintedPage(wrong, d, cell).maxError > 1e-9); // true true
 * ```
 */
export function checkPrintedPage(page: { readonly equations: readonly PrintedEquation[] }, d: Derivation, cell: Cell, point: DerivationPoint = randomPoint(cell, d)): PrintedPageCheck {
  const reader = new PageReader(d, point);
  const defined = page.equations.map((e) => {
    try {
      return { e, ...reader.define(e), problem: null };
    } catch (error) {
      return { e, problem: (error as Error).message };
    }
  });
  const equations = defined.map((x): PrintedEquationCheck => {
    const base = { label: x.e.label, plain: x.e.plain };
    if (!("output" in x)) return { ...base, entries: 0, error: Number.POSITIVE_INFINITY, problem: x.problem };
    try {
      const engine = engineReference(cell, point, d, x.output, x.source);
      const split = x.output.shape.length;
      const tuples = indexTuples(engine.shape);
      const got = tuples.map((t) => (x.source === null ? reader.quantity(x.output, t) : reader.block(x.output, x.source, t.slice(0, split), t.slice(split))));
      return { ...base, entries: tuples.length, error: relativeError(got, tuples.map((t) => engine.get(...t))), problem: null };
    } catch (error) {
      return { ...base, entries: 0, error: Number.POSITIVE_INFINITY, problem: (error as Error).message };
    }
  });
  const maxError = reader.problems.length > 0 ? Number.POSITIVE_INFINITY : Math.max(0, ...equations.map((e) => e.error));
  return { equations, problems: reader.problems, maxError };
}
