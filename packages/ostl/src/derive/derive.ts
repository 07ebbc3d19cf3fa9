/**
 * Derives a cell's Jacobians symbolically from its traced step: index-form mathjs expressions
 * for every value, each local node differentiated by mathjs (or by the rule table where mathjs
 * cannot), composed by the chain rule into ∂s_t/∂s_{t-1}, ∂s_t/∂x_t, ∂s_t/∂θ and ∂y_t/∂(·).
 *
 * @module
 */
import { type IrConst, type IrEquation, type IrVar, opTable, type OpName, type Surrogate } from "@ostl/autodiff";
import { PRNG } from "@ostl/core";
import { derivative, type MathNode } from "mathjs";
import type { Cell } from "../model/cell.js";
import { analyzeCell, type CellStructure, dependencyPatterns, type Pattern } from "../analysis/structure.js";
import { constant, foldConstants, freshIndex, type Index, indexSum, LITERAL_ZERO, instantiate, numericValue, placeholder, product, quantity, type QuantityKey, substituteOperands } from "./expr.js";
import type { CellEquation, Derivation, DeriveOptions, JacobianBlock, JacobianSource, Quantity, QuantityKind } from "./model.js";
import { type Intermediate, labelIntermediates, paramSuffix, useCounts, wantsName } from "./naming.js";
import { broadcastIndices, DeriveError, type IndexRule, type RuleContext, type ScalarRule, symbolicRules, type SymbolicRule } from "./rules.js";
import { contractTerms, diagonalTerms, mergeCases, renameTerms, scaleTerms, seedTerms, type Terms, termsNode } from "./terms.js";
import { quantityPlain, quantityTex } from "./tex.js";
import { StepInputs } from "../analysis/step-inputs.js";

type Atom = IrVar | IrConst;
type Template = { readonly node: MathNode; readonly idx: readonly Index[] };
interface OutputSpec {
  readonly name: string;
  readonly key: QuantityKey;
  readonly atom: Atom;
  readonly position: number;
}

const canon = (v: IrVar): Index[] => v.shape.map((_, a) => `_v${v.id}a${a}`);
const OUT = (shape: readonly number[]) => shape.map((_, a) => `_o${a}`);
const SRC = (shape: readonly number[]) => shape.map((_, a) => `_s${a}`);

/** The rule of an equation's op, or a {@link DeriveError} naming the op. */
function ruleOf(cell: string, eq: IrEquation): SymbolicRule<unknown> {
  const name = eq.op.name;
  const builtIn = Object.hasOwn(opTable, name) && opTable[name as OpName] === (eq.op as unknown);
  if (!builtIn) throw new DeriveError(`cell '${cell}': its step uses op '${name}', which has no symbolic rule (it is not a primitive of the op table; custom ops cannot be derived symbolically)`, name);
  const rule = symbolicRules[name as OpName] as SymbolicRule<unknown>;
  if (rule.kind === "none") throw new DeriveError(`cell '${cell}': its step uses op '${name}', which has no symbolic rule: ${rule.reason}`, name);
  return rule;
}

const localDerivatives = new Map<string, (MathNode | null)[]>();

class Deriver implements RuleContext {
  readonly quantities = new Map<QuantityKey, Quantity>();
  readonly surrogates = new Map<string, Surrogate>();
  readonly equations: CellEquation[] = [];
  private readonly templates = new Map<number, Template>();
  private readonly constKeys = new Map<IrConst, QuantityKey>();
  private readonly rules = new Map<IrEquation, SymbolicRule<unknown>>();

  constructor(
    readonly cell: string,
    readonly structure: CellStructure,
  ) {
    for (const eq of structure.graph.equations) this.rules.set(eq, ruleOf(cell, eq));
  }

  surrogate(s: Surrogate): string {
    const key = `surrogate:${s.name}`;
    this.surrogates.set(key, s);
    return key;
  }

  addQuantity(q: Omit<Quantity, "tex" | "plain">): void {
    this.quantities.set(q.key, { ...q, tex: quantityTex(q.kind, q.name), plain: quantityPlain(q.kind, q.name) });
  }

  /** The scalar expression of `atom` at indices `idx`. */
  ref(atom: Atom, idx: readonly Index[]): MathNode {
    if (atom.kind === "const") {
      const v = atom.value;
      if (typeof v === "number") return constant(v);
      if (v.size === 1) return constant(v.toFlat()[0]!);
      let key = this.constKeys.get(atom);
      if (key === undefined) {
        key = `const:${this.constKeys.size + 1}`;
        this.constKeys.set(atom, key);
        this.addQuantity({ key, kind: "constant", name: `${this.constKeys.size}`, shape: atom.shape, value: v });
      }
      return quantity(key, idx);
    }
    const t = this.templates.get(atom.id)!;
    return instantiate(t.node, new Map(t.idx.map((from, a) => [from, idx[a]!])));
  }

  setTemplate(v: IrVar, node: MathNode): void {
    this.templates.set(v.id, { node, idx: canon(v) });
  }

  /** Names `v` as quantity `key`: records its equation and refers to it by name from now on. */
  name(v: IrVar, q: Omit<Quantity, "tex" | "plain" | "shape">): void {
    const idx = canon(v);
    this.addQuantity({ ...q, shape: v.shape });
    this.equations.push({ key: q.key, indices: idx, rhs: this.templates.get(v.id)!.node });
    this.templates.set(v.id, { node: quantity(q.key, idx), idx });
  }

  /** Operands of an equation with the indices they are read at for output indices `out`. */
  operands(eq: IrEquation, out: readonly Index[]): { atom: Atom; idx: Index[] }[] {
    return eq.inputs.map((atom) => ({ atom, idx: broadcastIndices(out, atom.shape, eq.out.shape, eq.op.name) }));
  }

  /** The value of an equation's output at its canonical indices. */
  value(eq: IrEquation): MathNode {
    const rule = this.rules.get(eq)!;
    const out = canon(eq.out);
    if (rule.kind === "scalar") {
      const args = this.operands(eq, out).map((o) => this.ref(o.atom, o.idx));
      return (rule as ScalarRule<unknown>).value(args, eq.params, this);
    }
    const p = (rule as IndexRule<unknown>).entries(out, eq.inputs.map((a) => a.shape), eq.params, freshIndex);
    const body = product(p.factors.map((f) => this.ref(eq.inputs[f.operand]!, f.idx))) ?? constant(0);
    return p.sums.reduceRight((acc, s) => indexSum(s.index, s.size, acc), body);
  }

  /** ∂(local node)/∂(operand r) for each operand, null where zero. */
  partials(eq: IrEquation, args: readonly MathNode[]): (MathNode | null)[] {
    const rule = this.rules.get(eq)! as ScalarRule<unknown>;
    if (rule.partials) return [...rule.partials(args, eq.params, this)];
    const literal = eq.inputs.map((a) => (a.kind === "const" && (typeof a.value === "number" || a.value.size === 1) ? numericValue(this.ref(a, [])) : null));
    const key = `${eq.op.name}(${literal.map((v) => v ?? "$").join(",")})`;
    let local = localDerivatives.get(key);
    if (local === undefined) {
      const node = rule.value(literal.map((v, r) => (v === null ? placeholder(r) : constant(v))), eq.params, this);
      local = literal.map((v, r) => {
        if (v !== null) return null;
        const d = foldConstants(derivative(node, placeholder(r)));
        return numericValue(d) === 0 ? null : d;
      });
      localDerivatives.set(key, local);
    }
    return local.map((d) => (d === null ? null : substituteOperands(d, args)));
  }

  /**
   * The derivative of `target` with respect to the input `source` (entries at `srcIdx`), by
   * forward accumulation over the equations. State outputs other than the target appear as
   * references to their own blocks (`refs`), so a page shows ∂h_t/∂c_t · ∂c_t/∂… rather than
   * c's derivative written out again.
   */
  tangent(source: IrVar, srcIdx: readonly Index[], target: Atom, refs: ReadonlyMap<number, (idx: readonly Index[]) => Terms>): Terms {
    const tangents = new Map<number, Terms>([[source.id, seedTerms(canon(source), srcIdx)]]);
    const of = (atom: Atom, idx: readonly Index[]): Terms => {
      if (atom.kind === "const") return [];
      const t = tangents.get(atom.id);
      return t === undefined ? [] : renameTerms(t, new Map(canon(atom).map((from, a) => [from, idx[a]!])));
    };
    for (const eq of this.structure.graph.equations) {
      if (target.kind === "const" || tangents.has(target.id)) break;
      const ref = eq.out.id !== target.id ? refs.get(eq.out.id) : undefined;
      const terms = ref ? ref(canon(eq.out)) : this.localTangent(eq, of);
      if (terms.length > 0) tangents.set(eq.out.id, terms);
    }
    return target.kind === "const" ? [] : (tangents.get(target.id) ?? []);
  }

  private localTangent(eq: IrEquation, of: (atom: Atom, idx: readonly Index[]) => Terms): Terms {
    const rule = this.rules.get(eq)!;
    const out = canon(eq.out);
    if (rule.kind === "scalar") {
      const ops = this.operands(eq, out);
      if (ops.every((o) => of(o.atom, o.idx).length === 0)) return [];
      const partials = this.partials(eq, ops.map((o) => this.ref(o.atom, o.idx)));
      return mergeCases(ops.flatMap((o, r) => (partials[r] ? scaleTerms(of(o.atom, o.idx), partials[r]!) : [])));
    }
    const p = (rule as IndexRule<unknown>).entries(out, eq.inputs.map((a) => a.shape), eq.params, freshIndex);
    let terms: Terms = p.factors.flatMap((f, k) => {
      const others = p.factors.filter((_, g) => g !== k).map((g) => this.ref(eq.inputs[g.operand]!, g.idx));
      return others.reduce((t, factor) => scaleTerms(t, factor), of(eq.inputs[f.operand]!, f.idx));
    });
    for (const s of p.sums) terms = contractTerms(terms, s.index, s.size);
    return terms;
  }
}

/**
 * Derives the Jacobians of a cell's step symbolically: the cell equations in index form, and one
 * block per (output, source) for the next state and the output y against the previous state, the
 * input and every parameter, shown compactly where the structure analysis proved it (diagonals,
 * rows). Check the result against the engine with {@link checkDerivation}; render it with
 * {@link renderCellPage}.
 *
 * @throws {@link DeriveError} when the step uses an op without a symbolic rule (naming the op),
 * or a shape that has no index form.
 * @example
 * ```ts
 * import { deriveCell } from "@ostl/ostl/derive";
 * import { rnn } from "@ostl/models";
 * const d = deriveCell(rnn());
 * console.log(d.blocks.map((b) => `${b.id}: ${b.form}`));
 * // ["h|previous:h: full", "h|input:x: full", "h|param:U: row", "h|param:W: row", "h|param:b: diagonal"]
 * ```
 */
export function deriveCell(cell: Cell, options: DeriveOptions = {}): Derivation {
  const inputSize = options.inputSize ?? 3;
  const hiddenSize = options.hiddenSize ?? 4;
  const structure = analyzeCell(cell, inputSize, hiddenSize, new PRNG(0));
  const graph = structure.graph;
  const d = new Deriver(cell.name, structure);

  const sources: (JacobianSource & { v: IrVar })[] = [];
  const roles = StepInputs.of(graph).roles;
  for (const [i, v] of graph.inputs.entries()) {
    const role = roles[i]!;
    const name = role.kind === "param" || role.kind === "state" ? role.name : "x";
    const kind = role.kind === "param" ? "param" : role.kind === "state" ? "previous" : "input";
    const key = `${kind}:${name}`;
    d.addQuantity({ key, kind, name, shape: v.shape });
    d.setTemplate(v, quantity(key, canon(v)));
    sources.push({ kind: kind === "previous" ? "state" : kind, name, key, shape: v.shape, v });
  }
  const order = { state: 0, input: 1, param: 2 };
  sources.sort((a, b) => order[a.kind] - order[b.kind] || (a.name < b.name ? -1 : 1));

  // outputs: state fields, then y unless it is one of them
  const outputs: OutputSpec[] = [];
  let outputField: string | null = null;
  graph.outputPaths.forEach((path, position) => {
    const atom = graph.outputs[position]!;
    if (path !== "y") outputs.push({ name: path.replace(/^state\./, ""), key: `next:${path.replace(/^state\./, "")}`, atom, position });
    else {
      const same = outputs.find((o) => o.atom.kind === "var" && atom.kind === "var" && o.atom.id === atom.id);
      if (same) outputField = same.name;
      else outputs.push({ name: "y", key: "output:y", atom, position });
    }
  });

  // values, naming shared sub-expressions, pre-activations and outputs
  const uses = useCounts(graph.equations);
  const intermediates: Intermediate[] = [];
  const named = new Set<QuantityKey>();
  const kindOf = (key: QuantityKey): QuantityKind => (key.startsWith("output:") ? "output" : "next");
  for (const eq of graph.equations) {
    d.setTemplate(eq.out, d.value(eq));
    const out = outputs.find((o) => o.atom.kind === "var" && o.atom.id === eq.out.id);
    if (out) {
      d.name(eq.out, { key: out.key, kind: kindOf(out.key), name: out.name });
      named.add(out.key);
    } else if (wantsName(eq.out, eq, graph.equations, uses)) {
      const key = `inter:${eq.out.id}`;
      const node = d.ref(eq.out, canon(eq.out));
      intermediates.push({ key, suffix: paramSuffix(node, d.quantities), node });
      d.name(eq.out, { key, kind: "intermediate", name: key });
    }
  }
  for (const o of outputs) {
    if (named.has(o.key)) continue;
    const first = outputs.find((p) => p.atom.kind === "var" && o.atom.kind === "var" && p.atom.id === o.atom.id && named.has(p.key));
    d.addQuantity({ key: o.key, kind: kindOf(o.key), name: o.name, shape: o.atom.shape });
    const idx = o.atom.kind === "var" ? canon(o.atom) : o.atom.shape.map((_, a) => `_c${a}`);
    d.equations.push({ key: o.key, indices: idx, rhs: first ? quantity(first.key, idx) : d.ref(o.atom, idx) });
  }
  labelIntermediates(d.quantities, intermediates);

  // Jacobian blocks, outputs in the order they are computed (so references point backwards)
  const patterns = dependencyPatterns(graph);
  const irPosition = (a: Atom) => (a.kind === "const" ? -1 : graph.equations.findIndex((e) => e.out.id === a.id));
  const blocks: JacobianBlock[] = [];
  const refTerms = new Map<string, Terms>();
  for (const o of [...outputs].sort((a, b) => irPosition(a.atom) - irPosition(b.atom))) {
    for (const s of sources) {
      const srcIdx = SRC(s.shape);
      const refs = new Map<number, (idx: readonly Index[]) => Terms>();
      for (const other of outputs) {
        const known = refTerms.get(`${other.name}|${s.key}`);
        if (other !== o && other.atom.kind === "var" && known !== undefined) refs.set(other.atom.id, (idx) => (known.length === 0 ? [] : [{ sums: [], deltas: [], factors: [quantity(`jac:${other.name}|${s.key}`, [...idx, ...srcIdx])] }]));
      }
      const terms = d.tangent(s.v, srcIdx, o.atom, refs);
      const outIdx = OUT(o.atom.shape);
      const shown = o.atom.kind === "var" ? renameTerms(terms, new Map(canon(o.atom).map((from, a) => [from, outIdx[a]!]))) : terms;
      refTerms.set(`${o.name}|${s.key}`, terms);
      const pattern = patterns[o.position]!.get(graph.inputs.indexOf(s.v)) ?? "none";
      blocks.push(makeBlock(o, s, pattern, shown, outIdx, srcIdx));
    }
  }
  return { cell: cell.name, inputSize, hiddenSize, structure, quantities: d.quantities, equations: d.equations, outputField, blocks, surrogates: d.surrogates };
}

/** Indices of size-1 axes replaced by the literal index (such an axis has one entry). */
const literalSizeOne = (idx: readonly Index[], shape: readonly number[]) => idx.map((i, a) => (shape[a] === 1 ? LITERAL_ZERO : i));

function makeBlock(o: OutputSpec, s: JacobianSource, pattern: Pattern, free: Terms, freeOut: Index[], freeSrc: Index[]): JacobianBlock {
  const outShape = o.atom.shape;
  // a free index of a size-1 axis takes its one value: δ of it with the literal index is 1, and no letter is shown
  const sizeOne = [...freeOut.filter((_, a) => outShape[a] === 1), ...freeSrc.filter((_, a) => s.shape[a] === 1)];
  const terms = sizeOne.reduce((t, i) => diagonalTerms(t, i, LITERAL_ZERO), free);
  const [outIdx, srcIdx] = [literalSizeOne(freeOut, outShape), literalSizeOne(freeSrc, s.shape)];
  const sizes: Record<Index, number> = {};
  outIdx.forEach((i, a) => (sizes[i] = outShape[a]!));
  srcIdx.forEach((i, a) => (sizes[i] = s.shape[a]!));
  const base = { id: `${o.name}|${s.key}`, output: o.name, outputKey: o.key, source: { kind: s.kind, name: s.name, key: s.key, shape: s.shape }, pattern, outIndices: outIdx, sizes };
  if (terms.length === 0) return { ...base, form: "zero", srcIndices: srcIdx, expr: null };
  const unitwise = outShape.length === 1 && s.shape[0] === outShape[0];
  if (pattern === "diag" && unitwise && s.shape.length === 1) return { ...base, form: "diagonal", srcIndices: [outIdx[0]!], expr: termsNode(diagonalTerms(terms, srcIdx[0]!, outIdx[0]!)) };
  if (pattern === "row" && unitwise && s.shape.length === 2) return { ...base, form: "row", srcIndices: [outIdx[0]!, srcIdx[1]!], expr: termsNode(diagonalTerms(terms, srcIdx[0]!, outIdx[0]!)) };
  return { ...base, form: "full", srcIndices: srcIdx, expr: termsNode(terms) };
}

