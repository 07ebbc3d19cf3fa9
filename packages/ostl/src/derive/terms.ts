/**
 * Derivatives in index form, kept as a flat sum of terms while the chain rule is composed:
 * each term is `Σ_{l…} (factors) · δ_{ab} ⋯`. Keeping the Kronecker deltas apart lets a
 * contraction `Σ_l M_il δ_lj` collapse to `M_ij` as soon as it is formed, which is what turns
 * the derivative of `Σ_k U_ik h_k` with respect to `h_j` into `U_ij`.
 *
 * @module
 */
import { ConditionalNode, type MathNode } from "mathjs";
import { constant, delta, freshIndex, type Index, indexSum, instantiate, numericValue, product, renameIndices, sum } from "./expr.js";

/** One summed index of a term. */
export interface BoundIndex {
  readonly index: Index;
  readonly size: number;
}

/** One term: `Σ_{sums} Π factors · Π δ(a, b)`. */
export interface Term {
  readonly sums: readonly BoundIndex[];
  readonly deltas: readonly (readonly [Index, Index])[];
  readonly factors: readonly MathNode[];
}

/** A derivative as a sum of terms; the empty list is zero. */
export type Terms = readonly Term[];

/**
 * The derivative of a source entry with respect to itself: `Π_a δ(out_a, src_a)`.
 */
export function seedTerms(out: readonly Index[], src: readonly Index[]): Terms {
  return [{ sums: [], deltas: out.map((o, a) => [o, src[a]!] as const), factors: [] }];
}

/** Every term multiplied by `factor` (placed first: outer derivatives of the chain rule read left to right). */
export function scaleTerms(terms: Terms, factor: MathNode): Terms {
  return terms.map((t) => ({ ...t, factors: [factor, ...t.factors] }));
}

/** Renames free indices by `map`, and every summed index to a fresh name. */
export function renameTerms(terms: Terms, map: ReadonlyMap<Index, Index>): Terms {
  return terms.map((t) => {
    const all = new Map(map);
    for (const s of t.sums) all.set(s.index, freshIndex());
    const at = (i: Index) => all.get(i) ?? i;
    return {
      sums: t.sums.map((s) => ({ index: at(s.index), size: s.size })),
      deltas: t.deltas.map(([a, b]) => [at(a), at(b)] as const),
      factors: t.factors.map((f) => instantiate(f, all)),
    };
  });
}

/** Replaces index `from` by `to` in one term. */
function substitute(term: Term, from: Index, to: Index): Term {
  const map = new Map([[from, to]]);
  const at = (i: Index) => (i === from ? to : i);
  return {
    sums: term.sums,
    deltas: term.deltas.map(([a, b]) => [at(a), at(b)] as const),
    factors: term.factors.map((f) => renameIndices(f, map)),
  };
}

/**
 * Collapses every summed index that meets a Kronecker delta (`Σ_l f(l) δ_lj = f(j)`) and drops
 * deltas of an index with itself.
 */
function collapse(term: Term): Term {
  let t = term;
  for (const s of term.sums) {
    const d = t.deltas.findIndex(([a, b]) => a === s.index || b === s.index);
    if (d < 0) continue;
    const [a, b] = t.deltas[d]!;
    const other = a === s.index ? b : a;
    const rest: Term = { sums: t.sums.filter((x) => x.index !== s.index), deltas: t.deltas.filter((_, k) => k !== d), factors: t.factors };
    t = other === s.index ? rest : substitute(rest, s.index, other);
  }
  return { ...t, deltas: t.deltas.filter(([a, b]) => a !== b) };
}

/** `Σ_index` applied to every term, collapsing deltas on the way. */
export function contractTerms(terms: Terms, index: Index, size: number): Terms {
  return terms.map((t) => collapse({ ...t, sums: [...t.sums, { index, size }] }));
}

/** Replaces index `from` by `to` everywhere (taking a diagonal: `j := i`), collapsing `δ_ii = 1`. */
export function diagonalTerms(terms: Terms, from: Index, to: Index): Terms {
  return terms.map((t) => collapse(substitute(t, from, to)));
}

/**
 * Merges terms that differ only in a numeric case split on the same condition:
 * `[c] u + 0.01 [¬c] u` becomes `(1 if c, 0.01 otherwise) u` (the derivative of a leaky relu
 * written with `where`). Other terms are left as they are.
 */
export function mergeCases(terms: Terms): Terms {
  const groups = new Map<string, { term: Term; cond: MathNode; yes: number; no: number }>();
  const out: Term[] = [];
  for (const t of terms) {
    const split = caseSplit(t);
    if (split === null) {
      out.push(t);
      continue;
    }
    const key = JSON.stringify([t.sums, t.deltas, split.cond.toString(), split.rest.map((f) => f.toString())]);
    const g = groups.get(key);
    if (g === undefined) {
      const entry = { term: { ...t, factors: split.rest }, cond: split.cond, yes: split.yes, no: split.no };
      groups.set(key, entry);
      out.push(entry.term);
    } else {
      g.yes += split.yes;
      g.no += split.no;
    }
  }
  return out.map((t) => {
    const g = [...groups.values()].find((x) => x.term === t);
    return g === undefined ? t : { ...t, factors: [new ConditionalNode(g.cond, constant(g.yes), constant(g.no)), ...t.factors] };
  });
}

/** A term's numeric case split `k · (a if c else b)` and its other factors, or null. */
function caseSplit(t: Term): { cond: MathNode; yes: number; no: number; rest: MathNode[] } | null {
  const at = t.factors.findIndex((f) => f.type === "ConditionalNode");
  if (at < 0) return null;
  const c = t.factors[at] as ConditionalNode;
  const [yes, no] = [numericValue(c.trueExpr), numericValue(c.falseExpr)];
  if (yes === null || no === null) return null;
  let k = 1;
  const rest: MathNode[] = [];
  t.factors.forEach((f, i) => {
    const v = numericValue(f);
    if (i === at) return;
    if (v === null) rest.push(f);
    else k *= v;
  });
  return { cond: c.condition, yes: k * yes, no: k * no, rest };
}

/** The terms as one mathjs expression (deltas as `δ(a, b)` factors), or null for zero. */
export function termsNode(terms: Terms): MathNode | null {
  return sum(
    terms.map((t) => {
      const body = product([...t.factors, ...t.deltas.map(([a, b]) => delta(a, b))]);
      return body === null ? null : t.sums.reduceRight<MathNode>((acc, s) => indexSum(s.index, s.size, acc), body);
    }),
  );
}
