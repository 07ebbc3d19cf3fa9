import { existsSync } from "node:fs";
import { register } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { OstlError, PRNG } from "@ostl/core";
import { analyzeCell, type Cell, isCell } from "@ostl/ostl";
import { CELL_SUMMARIES, cellByName, cells } from "@ostl/models";
import { UsageError } from "./command.js";

/**
 * Names accepted by {@link loadCell} besides module paths: the built-in cells of `@ostl/models`
 * (its `cells` registry, with their default options).
 *
 * @example
 * ```ts
 * import { BUILT_IN_CELLS } from "@ostl/cli";
 * console.log(BUILT_IN_CELLS); // ["rnn", "lstm", "gru", "snu", "ssnu", "rsnu", "rssnu"]
 * ```
 */
export const BUILT_IN_CELLS: readonly string[] = Object.keys(cells);

/**
 * The built-in cells as a help section, a line each with what the cell is (every command that
 * takes `--cell` shows the same list).
 *
 * @example
 * ```ts
 * import { builtInCellsHelp } from "@ostl/cli";
 * console.log(builtInCellsHelp().split("\n")[1]); //   rnn    Elman network, h = tanh(W x + U h + b)
 * ```
 */
export function builtInCellsHelp(): string {
  const width = Math.max(...BUILT_IN_CELLS.map((n) => n.length));
  return ["built-in cells", ...Object.entries(CELL_SUMMARIES).map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}`)].join("\n");
}

/**
 * A cell by built-in name, or from a user's module (`.ts` or `.js`): its default export, its
 * export named `cell`, or its one exported cell under any name; `file.ts#name` picks the export
 * `name` of a module that exports several. Errors name the module and what it exports; a user's
 * cell is checked against the cell contract (one `analyzeCell` at 2 inputs and 3 units) before it
 * is returned, so that a broken `init` or `step` is a usage error naming the field.
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadCell } from "@ostl/cli";
 * const { name, cell } = await loadCell("lstm");
 * console.log(name, cell.name); // lstm lstm
 * // a user's module: TypeScript, importing @ostl/* from outside the workspace
 * const file = join(mkdtempSync(join(tmpdir(), "cell-")), "leaky.ts");
 * writeFileSync(file, `import { rnn } from "@ostl/models";\nexport default { ...rnn(), name: "leaky" };\n`);
 * console.log((await loadCell(file)).name); // leaky
 * // several cells under names of their own: the export is picked after '#'
 * const two = join(mkdtempSync(join(tmpdir(), "cells-")), "two.ts");
 * writeFileSync(two, `import { gru, rnn } from "@ostl/models";\nexport const lif = { ...rnn(), name: "lif" };\nexport const alif = { ...gru(), name: "alif" };\n`);
 * console.log((await loadCell(`${two}#alif`)).name); // alif
 * ```
 */
export async function loadCell(spec: string): Promise<{ name: string; cell: Cell }> {
  if (BUILT_IN_CELLS.includes(spec)) return { name: spec, cell: cellByName(spec) };
  // file.ts#name: the export `name` of the module
  const hash = spec.lastIndexOf("#");
  const [file, exportName] = hash > 0 && /\.(m?[jt]s|cjs|cts)$/.test(spec.slice(0, hash)) ? [spec.slice(0, hash), spec.slice(hash + 1)] : [spec, null];
  const path = resolve(file);
  if (!/\.(m?[jt]s|cjs|cts)$/.test(file) || !existsSync(path)) {
    throw new UsageError(`--cell '${spec}' is neither a built-in cell (${BUILT_IN_CELLS.join(", ")}) nor an existing .ts/.js module`);
  }
  let mod: Record<string, unknown>;
  try {
    await installLoaderHooks();
    mod = await import(pathToFileURL(path).href);
  } catch (error) {
    throw new UsageError(`cannot load cell module ${file}: ${(error as Error).message}`);
  }
  const candidate = pickCell(file, mod, exportName);
  // the cell contract (what init and step return), checked before any work: a broken cell is one line, exit 2
  try {
    analyzeCell(candidate, 2, 3, new PRNG(0));
  } catch (error) {
    if (error instanceof OstlError) throw new UsageError(`cell module ${spec} breaks the cell contract: ${error.message}`);
    throw error;
  }
  return { name: candidate.name, cell: candidate };
}

/** The module's cell: the export named after '#', else its default export, its export `cell`, or its one cell. */
function pickCell(file: string, mod: Record<string, unknown>, exportName: string | null): Cell {
  const cells = Object.keys(mod).filter((k) => isCell(mod[k]));
  if (exportName !== null) {
    if (isCell(mod[exportName])) return mod[exportName];
    throw new UsageError(`cell module ${file} has no cell exported as '${exportName}'; its cells: ${cells.join(", ") || "none"}`);
  }
  if (isCell(mod.default)) return mod.default;
  if (isCell(mod.cell)) return mod.cell;
  if (cells.length === 1) return mod[cells[0]!] as Cell;
  if (cells.length > 1) throw new UsageError(`cell module ${file} exports several cells (${cells.join(", ")}): pick one with --cell ${file}#${cells[0]}`);
  const exported = Object.keys(mod).join(", ") || "nothing";
  throw new UsageError(`cell module ${file} exports no cell made with defineCell; it exports: ${exported}`);
}

let hooksInstalled = false;

/**
 * Lets a user's module be TypeScript (tsx's loader) and import `@ostl/*` from anywhere: those
 * specifiers resolve as if imported by this package, so the module shares the very instances the
 * command runs on (one autodiff level stack, one NDArray class) even outside the workspace. `.ts`
 * files load as ES modules wherever they are (a folder without `"type": "module"` would make them
 * CommonJS, which cannot share those instances).
 */
async function installLoaderHooks(): Promise<void> {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const { register: registerTsx } = await import("tsx/esm/api");
  registerTsx();
  const hook = `const parentURL = ${JSON.stringify(import.meta.url)};
export async function resolve(specifier, context, next) {
  const resolved = specifier.startsWith("@ostl/") ? await next(specifier, { ...context, parentURL }) : await next(specifier, context);
  return /\.m?ts$/.test(resolved.url) ? { ...resolved, format: "module" } : resolved;
}`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
