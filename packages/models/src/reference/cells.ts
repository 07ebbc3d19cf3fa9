/**
 * The seven cells of the reference data (`ostl-reference/1`), built from the models of this
 * package exactly as the data's `equations` fields define them.
 *
 * @module
 */
import { sigmoidDerivative } from "@ostl/autodiff";
import { ValueError } from "@ostl/core";
import type { Cell } from "@ostl/ostl";
import { gru } from "../gru.js";
import { lstm } from "../lstm.js";
import { rnn } from "../rnn.js";
import { snu, ssnu } from "../snu.js";

/**
 * The step pseudo-derivative a reference case names: `k σ(kv)(1 - σ(kv))` with `k = slope`.
 *
 * @example
 * ```ts
 * import { referenceCell, type ReferenceSurrogate } from "@ostl/models";
 * const surrogate: ReferenceSurrogate = { kind: "sigmoid-derivative", slope: 4 };
 * const cell = referenceCell("snu", surrogate, { decay: 0.8 });
 * console.log(cell.name); // snu
 * ```
 */
export interface ReferenceSurrogate {
  readonly kind: "sigmoid-derivative";
  readonly slope: number;
}

/** What a reference cell needs from its case besides the sizes. */
interface ReferenceCellSpec {
  /** Needs `constants.decay`. */
  readonly decay: boolean;
  /** Needs a `surrogate`. */
  readonly surrogate: boolean;
  readonly build: (decay: number, slope: number) => Cell;
}

// The SNU family of the reference data uses g = relu (relu'(0) = 0), unlike the training default (identity).
const SPECS = {
  rnn: { decay: false, surrogate: false, build: () => rnn() },
  lstm: { decay: false, surrogate: false, build: () => lstm() },
  gru: { decay: false, surrogate: false, build: () => gru({ variant: "reset-after" }) },
  snu: { decay: true, surrogate: true, build: (decay, k) => snu({ activation: "relu", decay, surrogate: sigmoidDerivative(k) }) },
  ssnu: { decay: true, surrogate: false, build: (decay) => ssnu({ activation: "relu", decay }) },
  rsnu: { decay: true, surrogate: true, build: (decay, k) => snu({ recurrent: true, activation: "relu", decay, surrogate: sigmoidDerivative(k) }) },
  rssnu: { decay: true, surrogate: false, build: (decay) => ssnu({ recurrent: true, activation: "relu", decay }) },
} as const satisfies Record<string, ReferenceCellSpec>;

/**
 * A cell name of the reference data.
 *
 * @example
 * ```ts
 * import { referenceCell, type ReferenceCellName } from "@ostl/models";
 * const name: ReferenceCellName = "gru";
 * console.log(referenceCell(name).name); // "gru"
 * ```
 */
export type ReferenceCellName = keyof typeof SPECS;

/**
 * Every cell name of the reference data.
 *
 * @example
 * ```ts
 * import { REFERENCE_CELLS } from "@ostl/models";
 * console.log(REFERENCE_CELLS.includes("rsnu")); // true
 * ```
 */
export const REFERENCE_CELLS = Object.keys(SPECS) as readonly ReferenceCellName[];

/**
 * What the reference cell `cell` needs from its case: `constants.decay` (the SNU family) and a
 * `surrogate` (`snu`, `rsnu`).
 *
 * @example
 * ```ts
 * import { referenceCellNeeds } from "@ostl/models";
 * console.log(referenceCellNeeds("ssnu")); // { decay: true, surrogate: false }
 * ```
 */
export function referenceCellNeeds(cell: ReferenceCellName): { decay: boolean; surrogate: boolean } {
  const { decay, surrogate } = SPECS[cell];
  return { decay, surrogate };
}

/**
 * The cell a reference case calls `cell`: `rnn`, `lstm`, `gru` (reset-after), and the SNU family
 * with `g = relu` and the case's fixed `constants.decay`: `snu`/`rsnu` (step output through the
 * case's sigmoid-derivative surrogate; `rsnu` with `H`) and `ssnu`/`rssnu` (sigmoid output).
 *
 * @throws {@link ValueError} for an unknown cell, or when a needed decay or surrogate is missing.
 * @example
 * ```ts
 * import { referenceCell } from "@ostl/models";
 * const cell = referenceCell("rsnu", { kind: "sigmoid-derivative", slope: 4 }, { decay: 0.8 });
 * console.log(cell.name); // "rsnu"
 * ```
 */
export function referenceCell(cell: string, surrogate?: ReferenceSurrogate | null, constants: Readonly<Record<string, number>> = {}): Cell {
  if (!Object.hasOwn(SPECS, cell)) throw new ValueError("referenceCell", `unknown reference cell '${cell}' (known: ${REFERENCE_CELLS.join(", ")})`);
  const spec: ReferenceCellSpec = SPECS[cell as ReferenceCellName];
  const decay = constants.decay;
  if (spec.decay && typeof decay !== "number") throw new ValueError("referenceCell", `cell '${cell}' needs constants.decay`);
  if (spec.surrogate && surrogate?.kind !== "sigmoid-derivative") {
    throw new ValueError("referenceCell", `cell '${cell}' needs a surrogate { kind: "sigmoid-derivative", slope }`);
  }
  return spec.build(decay ?? Number.NaN, surrogate?.slope ?? Number.NaN);
}
