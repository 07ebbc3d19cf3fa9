/**
 * The built-in cells by name, for configuration files and the command line.
 *
 * @module
 */
import { ValueError } from "@ostl/core";
import type { Cell } from "@ostl/ostl";
import { gru, type GruOptions } from "./gru.js";
import { lstm } from "./lstm.js";
import { checkOptions } from "./options.js";
import { rnn } from "./rnn.js";
import { snu, ssnu, type SnuOptions, type StepSnuOptions } from "./snu.js";

/**
 * A factory of a built-in cell: options in (checked, unknown ones rejected), a cell out.
 *
 * @example
 * ```ts
 * import { type CellFactory, cells } from "@ostl/models";
 * const make: CellFactory = cells.ssnu;
 * console.log(make({ decay: 0.9 }).name); // "ssnu"
 * ```
 */
export type CellFactory = (options?: object) => Cell;

/** The recurrent member of the SNU family: `recurrent` is its name, not an option. */
function recurrentOnly<O extends object>(name: string, make: (options: O) => Cell) {
  return (options: object = {}) => {
    if (Object.hasOwn(options, "recurrent")) throw new ValueError(name, `unknown option 'recurrent' (${name} is always recurrent; the non-recurrent cell is ${name.slice(1)})`);
    return make({ ...options, recurrent: true } as O);
  };
}

/**
 * The built-in cells by name: every command, the docs and the library read this one list.
 * `rnn`, `lstm` (no options), `gru` ({@link GruOptions}), `snu` ({@link StepSnuOptions}),
 * `ssnu` ({@link SnuOptions}), and their recurrent forms `rsnu` and `rssnu` (the same options
 * but `recurrent`). The SNU family's activation g is the identity unless `activation` is given.
 *
 * @example
 * ```ts
 * import { cells } from "@ostl/models";
 * console.log(Object.keys(cells), cells.snu({ recurrent: true }).name === cells.rsnu().name); // ["rnn", "lstm", "gru", "snu", "ssnu", "rsnu", "rssnu"] true
 * ```
 */
export const cells = {
  rnn: (options = {}) => (checkOptions("rnn", options, []), rnn()),
  lstm: (options = {}) => (checkOptions("lstm", options, []), lstm()),
  gru: (options = {}) => gru(options as GruOptions),
  snu: (options = {}) => snu(options as StepSnuOptions),
  ssnu: (options = {}) => ssnu(options as SnuOptions),
  rsnu: recurrentOnly("rsnu", snu),
  rssnu: recurrentOnly("rssnu", ssnu),
} as const satisfies Record<string, CellFactory>;

/**
 * What each built-in cell is, in a line (for the commands' help and the docs).
 *
 * @example
 * ```ts
 * import { CELL_SUMMARIES } from "@ostl/models";
 * console.log(CELL_SUMMARIES.gru); // gated recurrent unit (reset-after by default)
 * ```
 */
export const CELL_SUMMARIES = {
  rnn: "Elman network, h = tanh(W x + U h + b)",
  lstm: "long short-term memory",
  gru: "gated recurrent unit (reset-after by default)",
  snu: "spiking neural unit, a step output",
  ssnu: "soft SNU, a sigmoid output",
  rsnu: "SNU with recurrent weights H",
  rssnu: "soft SNU with recurrent weights H",
} as const satisfies Record<keyof typeof cells, string>;

/**
 * Name of a built-in cell.
 *
 * @example
 * ```ts
 * import { cells, type CellName } from "@ostl/models";
 * const name: CellName = "lstm";
 * console.log(cells[name]().name); // "lstm"
 * ```
 */
export type CellName = keyof typeof cells;

/**
 * The built-in cell called `name`, built with `options`.
 *
 * @throws {@link ValueError} for an unknown name (listing the known ones) or invalid options.
 * @example
 * ```ts
 * import { cellByName } from "@ostl/models";
 * const cell = cellByName("gru", { variant: "reset-before" });
 * console.log(cell.name); // "gru-reset-before"
 * ```
 */
export function cellByName(name: string, options: object = {}): Cell {
  if (!Object.hasOwn(cells, name)) throw new ValueError("cellByName", `unknown cell '${name}' (known: ${Object.keys(cells).join(", ")})`);
  return cells[name as CellName](options);
}
