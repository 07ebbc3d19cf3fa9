/**
 * Turns the editor's TypeScript module into a cell: types stripped by sucrase (which keeps every
 * line where it was), `import` rewritten to a `require` that hands out this worker's own
 * `@ostl/*` modules, the code run as a function, and the one exported cell picked as `ostl derive
 * --cell file.ts` picks it. Errors name the editor line: sucrase's position for a syntax error,
 * the first stack frame in the module for anything thrown while it runs (see syntax-error.ts for
 * where a syntax error is placed).
 */
import * as autodiff from "@ostl/autodiff";
import * as core from "@ostl/core";
import * as ostl from "@ostl/ostl";
import * as models from "@ostl/models";
import { type Cell, isCell } from "@ostl/ostl";
import { transform } from "sucrase";
import type { CellError } from "../protocol.js";
import { findSyntaxError } from "./syntax-error.js";

/** The modules a cell module may import, by specifier. */
const MODULES: Readonly<Record<string, unknown>> = {
  "@ostl/autodiff": autodiff,
  "@ostl/core": core,
  "@ostl/ostl": ostl,
  "@ostl/models": models,
};

/** The name the module's code carries in stack traces. */
const SOURCE_URL = "cell.ts";

/** An error placed at a line of the editor (when known). */
export class CellSourceError extends Error {
  override name = "CellSourceError";
  constructor(
    message: string,
    readonly line: number | null,
    readonly column: number | null,
  ) {
    super(message);
  }
}

/** The lines a function made by `new Function` puts before its body, measured once in this engine. */
const headerLines: number = (() => {
  try {
    new Function(`throw new Error("probe");\n//# sourceURL=probe.js`)();
  } catch (error) {
    const m = /probe\.js:(\d+)/.exec(String((error as Error).stack));
    if (m !== null) return Number(m[1]) - 1;
  }
  return 0;
})();

/**
 * Where in the user's module an error was thrown: the line of the first frame in `cell.ts`. Only
 * the line: sucrase keeps lines, not columns (`add` becomes `_autodiff.add`).
 */
export function placeOf(error: unknown): { line: number | null; column: null } {
  const m = new RegExp(`${SOURCE_URL.replace(".", "\\.")}:(\\d+):\\d+`).exec(String((error as Error | undefined)?.stack ?? ""));
  return { line: m === null ? null : Number(m[1]) - headerLines, column: null };
}

/** Any error as the page shows it: its message, and its line in the editor when it can be placed. */
export function cellError(error: unknown): CellError {
  if (error instanceof CellSourceError) return { message: error.message, line: error.line, column: error.column };
  const message = error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
  return { message, ...placeOf(error) };
}

/** The module's code with types removed and imports turned into `require` calls, lines kept. */
async function transpile(source: string): Promise<string> {
  try {
    return transform(source, { transforms: ["typescript", "imports"], disableESTransforms: true }).code;
  } catch (error) {
    const place = await findSyntaxError(source);
    if (place !== null) throw new CellSourceError(`syntax error: ${place.message}`, place.line, place.column);
    // what Babel parses and sucrase does not: sucrase's message, "… (line:column)", both 1-based
    const m = /\((\d+):(\d+)\)\s*$/.exec((error as Error).message);
    throw new CellSourceError(`syntax error: ${(error as Error).message}`, m === null ? null : Number(m[1]), m === null ? null : Number(m[2]));
  }
}

/** The module `specifier` for the user's code; anything but `@ostl/*` is refused, naming it. */
function requireModule(specifier: string): unknown {
  const mod = MODULES[specifier];
  if (mod === undefined) throw new Error(`cannot import '${specifier}': a cell module may import only ${Object.keys(MODULES).join(", ")}`);
  return mod;
}

/** The one cell a module exports: `default`, else `cell`, else its only exported cell. */
function pickCell(exports: Record<string, unknown>): Cell {
  if (isCell(exports.default)) return exports.default;
  if (isCell(exports.cell)) return exports.cell;
  const cells = Object.keys(exports).filter((k) => isCell(exports[k]));
  if (cells.length === 1) return exports[cells[0]!] as Cell;
  if (cells.length > 1) throw new CellSourceError(`the module exports several cells (${cells.join(", ")}): export the one to study as 'cell'`, null, null);
  const exported = Object.keys(exports).join(", ") || "nothing";
  throw new CellSourceError(`the module exports no cell made with defineCell; it exports: ${exported}`, null, null);
}

/**
 * Runs a cell module's source and returns its cell.
 *
 * @throws {@link CellSourceError} for a syntax error or a module without exactly one cell to
 *   pick; whatever the module's code throws, placed by {@link placeOf}.
 */
export async function loadCellModule(source: string): Promise<Cell> {
  const code = await transpile(source);
  const exports: Record<string, unknown> = {};
  const run = new Function("require", "exports", `${code}\n//# sourceURL=${SOURCE_URL}`) as (require: (s: string) => unknown, exports: Record<string, unknown>) => void;
  run(requireModule, exports);
  return pickCell(exports);
}
