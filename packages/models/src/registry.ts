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

/**
 * The built-in cells by name: `rnn`, `lstm` (no options), `gru` ({@link GruOptions}), `snu`
 * ({@link StepSnuOptions}) and `ssnu` ({@link SnuOptions}).
 *
 * @example
 * ```ts
 * import { cells } from "@ostl/models";
 * const cell = cells.snu({ recurrent: true });
 * console.log(cell.name); // "rsnu"
 * ```
 */
export const cells = {
  rnn: (options = {}) => (checkOptions("rnn", options, []), rnn()),
  lstm: (options = {}) => (checkOptions("lstm", options, []), lstm()),
  gru: (options = {}) => gru(options as GruOptions),
  snu: (options = {}) => snu(options as StepSnuOptions),
  ssnu: (options = {}) => ssnu(options as SnuOptions),
} as const satisfies Record<string, CellFactory>;

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
