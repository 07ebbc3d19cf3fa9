/**
 * The symbols of derived expressions: quantities in LaTeX (`W^{(f)}`, `h^{t-1}`) and in the plain
 * form the printed equations are parsed back from (`W_f`, `h__tm1`), and index letters by role
 * (units i, j, l…; inputs k, q…).
 *
 * @module
 */
import type { Index } from "./expr.js";
import type { Derivation, QuantityKind } from "./model.js";

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

/**
 * The plain-form symbol of a quantity of the given kind (see {@link quantityTex}): the name, with
 * `__tm1` for the previous state and `__t` for the next state, the input and the output.
 *
 * @example
 * ```ts
 * import { quantityPlain } from "@ostl/ostl/derive";
 * console.log(quantityPlain("param", "W_f"), quantityPlain("previous", "h"), quantityPlain("next", "h")); // W_f h__tm1 h__t
 * ```
 */
export function quantityPlain(kind: QuantityKind, name: string): string {
  if (kind === "constant") return `kappa_${name}`;
  return kind === "previous" ? `${name}__tm1` : kind === "next" || kind === "input" || kind === "output" ? `${name}__t` : name;
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
