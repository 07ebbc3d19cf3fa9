/**
 * Derivatives in index form, kept as a flat sum of terms while the chain rule is composed:
 * each term is `Σ_{l…} (factors) · δ_{ab} ⋯`. Keeping the Kronecker deltas apart lets a
 * contraction `Σ_l M_il δ_lj` collapse to `M_ij` as soon as it is formed, which is what turns
 * the derivative of `Σ_k U_ik h_k` with respect to `h_j` into `U_ij`.
 *
 * @module
 */
import type { MathNode } from "mathjs";
import { delta, freshIndex, type Index, indexSum, instantiate, product, renameIndices, sum } from "./expr.js";

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

/** Every term multiplied by `factor`. */
export function scaleTerms(terms: Terms, factor: MathNode): Terms {
  return terms.map((t) => ({ ...t, factors: [...t.factors, factor] }));
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

/** The terms as one mathjs expression (deltas as `δ(a, b)` factors), or null for zero. */
export function termsNode(terms: Terms): MathNode | null {
  return sum(
    terms.map((t) => {
      const body = product([...t.factors, ...t.deltas.map(([a, b]) => delta(a, b))]);
      return body === null ? null : t.sums.reduceRight<MathNode>((acc, s) => indexSum(s.index, s.size, acc), body);
    }),
  );
}
