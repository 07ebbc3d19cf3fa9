/**
 * What a derivation is made of: named indexed quantities, the cell equations, and one Jacobian
 * block per (output, source), each a mathjs expression tree in index form.
 *
 * @module
 */
import type { Surrogate } from "@ostl/autodiff";
import type { NDArray } from "@ostl/core";
import type { MathNode } from "mathjs";
import type { CellStructure, Pattern } from "../analysis/structure.js";
import type { Index, QuantityKey } from "./expr.js";

/**
 * What a quantity of a derivation is: a parameter, the previous state, the input, the next state,
 * the output y (when it is not a state field), a named intermediate, or a constant of the step.
 *
 * @example
 * ```ts
 * import { deriveCell } from "@ostl/ostl/derive";
 * import { rnn } from "@ostl/models";
 * const kinds = [...deriveCell(rnn()).quantities.values()].map((q) => q.kind);
 * console.log(kinds); // ["param", "param", "param", "previous", "input", "intermediate", "next"]
 * ```
 */
export type QuantityKind = "param" | "previous" | "input" | "next" | "output" | "intermediate" | "constant";

/**
 * A named indexed quantity of a derivation (a parameter, a state field, a named intermediate…).
 *
 * @example
 * ```ts
 * import { deriveCell } from "@ostl/ostl/derive";
 * import { lstm } from "@ostl/models";
 * const q = deriveCell(lstm()).quantities.get("param:W_f")!;
 * console.log(q.kind, q.shape, q.tex, q.plain); // param [4, 3] W^{(f)} W_f
 * ```
 */
export interface Quantity {
  readonly key: QuantityKey;
  readonly kind: QuantityKind;
  /** The name in the cell (`W_f`, `h`, `x`, `y`), or the intermediate's label. */
  readonly name: string;
  readonly shape: readonly number[];
  /** LaTeX of the symbol without indices (`W^{(f)}`, `h^{t-1}`, `a^{(f)}`). */
  readonly tex: string;
  /** The symbol in the plain form of the printed equations, which mathjs parses back (`W_f`, `h__tm1`, `a_f`). */
  readonly plain: string;
  /** The values of a constant captured by the step. */
  readonly value?: NDArray;
}

/**
 * One line of the cell equations: `key[indices] = rhs`, with `rhs` a mathjs expression tree.
 *
 * @example
 * ```ts
 * import { deriveCell } from "@ostl/ostl/derive";
 * import { rnn } from "@ostl/models";
 * const d = deriveCell(rnn());
 * console.log(d.equations.map((e) => e.key)); // ["inter:8", "next:h"]
 * ```
 */
export interface CellEquation {
  readonly key: QuantityKey;
  readonly indices: readonly Index[];
  readonly rhs: MathNode;
}

/**
 * What a Jacobian block differentiates with respect to: a previous-state field, the input, or a
 * parameter.
 *
 * @example
 * ```ts
 * import { deriveCell } from "@ostl/ostl/derive";
 * import { rnn } from "@ostl/models";
 * console.log(deriveCell(rnn()).blocks.map((b) => b.source.kind)); // ["state", "input", "param", "param", "param"]
 * ```
 */
export interface JacobianSource {
  readonly kind: "state" | "input" | "param";
  readonly name: string;
  readonly key: QuantityKey;
  readonly shape: readonly number[];
}

/**
 * How a block is shown: `zero`; `diagonal` (only ∂o_i/∂s_i, the rest is proven zero); `row`
 * (only ∂o_i/∂W_ik, the other rows are proven zero); `full` (every entry, Kronecker deltas where
 * they occur).
 *
 * @example
 * ```ts
 * import { deriveCell, type BlockForm } from "@ostl/ostl/derive";
 * import { ssnu } from "@ostl/models";
 * const forms: BlockForm[] = deriveCell(ssnu()).blocks.filter((b) => b.output === "s").map((b) => b.form);
 * console.log(forms); // ["diagonal", "diagonal", "full", "row", "zero"]
 * ```
 */
export type BlockForm = "zero" | "diagonal" | "row" | "full";

/**
 * One Jacobian block ∂output/∂source, in index form: its proven pattern, how it is shown, and the
 * derivative expression at free indices `outIndices` and `srcIndices`.
 *
 * @example
 * ```ts
 * import { deriveCell } from "@ostl/ostl/derive";
 * import { rnn } from "@ostl/models";
 * const b = deriveCell(rnn()).blocks.find((x) => x.id === "h|param:W")!;
 * console.log(b.pattern, b.form, b.outIndices, b.srcIndices); // row row ["_o0"] ["_o0", "_s1"]
 * ```
 */
export interface JacobianBlock {
  /** `output|sourceKey`, e.g. `h|previous:h`. */
  readonly id: string;
  /** State field name, or `y` for the cell output when it is not a state field. */
  readonly output: string;
  readonly outputKey: QuantityKey;
  readonly source: JacobianSource;
  /** The dependency pattern the structure analysis proved for this block. */
  readonly pattern: Pattern;
  readonly form: BlockForm;
  /** Free indices of the output entry (`_o0`). */
  readonly outIndices: readonly Index[];
  /** Free indices of the source entry as shown (`_s0`, or `_o0` on a diagonal or a row). */
  readonly srcIndices: readonly Index[];
  /** Sizes of the free indices. */
  readonly sizes: Readonly<Record<Index, number>>;
  /** The derivative expression (null when zero). */
  readonly expr: MathNode | null;
}

/**
 * Everything derived for one cell: the structure analysis, the named quantities, the cell
 * equations and the Jacobian blocks.
 *
 * @example
 * ```ts
 * import { deriveCell } from "@ostl/ostl/derive";
 * import { lstm } from "@ostl/models";
 * const d = deriveCell(lstm());
 * console.log(d.cell, d.outputField, d.structure.temporalJacobian, d.blocks.length); // lstm h dense 30
 * ```
 */
export interface Derivation {
  readonly cell: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly structure: CellStructure;
  readonly quantities: ReadonlyMap<QuantityKey, Quantity>;
  readonly equations: readonly CellEquation[];
  /** The state field the output y equals, or null when y has equations and blocks of its own. */
  readonly outputField: string | null;
  readonly blocks: readonly JacobianBlock[];
  /** Surrogate derivatives used by the step, by the function name they have in expressions. */
  readonly surrogates: ReadonlyMap<string, Surrogate>;
}

/**
 * Options of {@link deriveCell}.
 *
 * @example
 * ```ts
 * import { deriveCell } from "@ostl/ostl/derive";
 * import { rnn } from "@ostl/models";
 * console.log(deriveCell(rnn(), { inputSize: 2, hiddenSize: 5 }).quantities.get("param:W")!.shape); // [5, 2]
 * ```
 */
export interface DeriveOptions {
  /** Input size the step is traced with (default 3; only shapes matter). */
  readonly inputSize?: number;
  /** Hidden size the step is traced with (default 4, distinct from the input size so index roles are known). */
  readonly hiddenSize?: number;
}
