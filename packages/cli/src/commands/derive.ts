import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseFlags } from "../args.js";
import { type Command, UsageError } from "../command.js";
import { BUILT_IN_CELLS, builtInCellsHelp, loadCell } from "../load-cell.js";
import { checkOutputFolder, writeFileAtomically } from "../output-folder.js";

/** The page builder and the symbolic engine behind it (mathjs, over a second to load), loaded when the command runs. */
async function pageBuilder() {
  const [pages, derive] = await Promise.all([import("../cell-pages.js"), import("@ostl/ostl/derive")]);
  return { ...pages, DeriveError: derive.DeriveError };
}

const usage = `usage: ostl derive --cell NAME|path/to/cell.ts [--out DIR]
       ostl derive --all --out DIR

Derives a cell's Jacobians symbolically from its traced step and writes them as a Markdown page
with LaTeX: the cell equations, the temporal Jacobian ds_t/ds_{t-1}, the spatial Jacobian
ds_t/dx_t, the parameter Jacobians ds_t/dθ, the output's, their proven structure, and the trace
layout and cost OSTL picks. Before the page is written, every derived expression is checked
against the engine's Jacobians at a random point, and every displayed equation is parsed back from
a plain form printed with it and evaluated at the same point against the engine.

  --cell NAME|FILE  a built-in cell (${BUILT_IN_CELLS.join(", ")}) or a module exporting a cell made with defineCell
  --out DIR         write DIR/<cell name>.md (default: print the page)
  --all             every built-in cell, and an index DIR/README.md; a cell that fails is reported and the others are written

${builtInCellsHelp()}

Exit status: 0 written; 1 a derived expression or a printed equation disagrees with the engine
(the message names the cell and each equation; no page is written for that cell); 2 a usage error
or a step with an op without a symbolic rule.`;

/**
 * `ostl derive`: the derived-gradient page of a cell.
 *
 * @example
 * ```ts
 * import { deriveCommand } from "@ostl/cli";
 * console.log(deriveCommand.name, deriveCommand.usage.split("\n")[0]); // derive usage: ostl derive --cell NAME|path/to/cell.ts [--out DIR]
 * ```
 */
export const deriveCommand: Command = {
  name: "derive",
  summary: "derive a cell's Jacobians symbolically and write them as Markdown with LaTeX",
  usage,
  async run(argv) {
    const { values } = parseFlags("derive", argv, { cell: { type: "string" }, out: { type: "string" }, all: { type: "boolean" } });
    if (values.all) {
      if (values.cell !== undefined) throw new UsageError("--all and --cell exclude each other");
      if (values.out === undefined) throw new UsageError("--all needs --out DIR");
      checkOutputFolder("--out", values.out);
      const { written, failures, checks } = await (await pageBuilder()).writeCellPages(values.out);
      for (const path of written) console.log(`wrote ${path}`);
      for (const c of checks) console.log(`checked ${c}`);
      for (const f of failures) console.error(`ostl derive: ${f}`);
      return failures.length === 0 ? 0 : 1;
    }
    if (values.cell === undefined) throw new UsageError(`--cell NAME|path/to/cell.ts is required (built-in: ${BUILT_IN_CELLS.join(", ")})`);
    if (values.out !== undefined) checkOutputFolder("--out", values.out);
    const { name, cell } = await loadCell(values.cell);
    const { derivedPage, DeriveError } = await pageBuilder();
    let page: string;
    let checked: string;
    try {
      ({ page, checked } = derivedPage(values.cell, cell));
    } catch (error) {
      const from = BUILT_IN_CELLS.includes(values.cell) ? "" : `cell module ${values.cell}: `;
      if (error instanceof DeriveError) throw new UsageError(`${from}${error.message}`);
      console.error(`ostl derive: ${from}${(error as Error).message}`);
      return 1;
    }
    if (values.out === undefined) {
      process.stdout.write(page);
      console.error(`ostl derive: ${name}: ${checked}`);
      return 0;
    }
    mkdirSync(values.out, { recursive: true });
    const path = join(values.out, `${name}.md`);
    writeFileAtomically(path, page);
    console.log(`wrote ${path} (${checked})`);
    return 0;
  },
};
