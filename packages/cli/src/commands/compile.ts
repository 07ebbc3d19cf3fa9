import { numberFlag, parseFlags } from "../args.js";
import { type Command, UsageError } from "../command.js";
import type { LayerProgram, ProgramSizes, UncompiledProgram } from "../layer-programs.js";
import { BUILT_IN_CELLS, loadCell } from "../load-cell.js";

const DTYPES = ["float64", "float32"] as const;

const usage = `usage: ostl compile --cell NAME|path/to/cell.ts [--hidden N] [--input M] [--batch B] [--dtype float64|float32] [--json]

Prints the programs jit compiles from a layer's step at the given sizes: the forward step, its
vector-Jacobian product as BPTT needs it (cotangents of params, state and x), and a batched JVP
with respect to the state as RTRL needs it (one direction per state entry of an example). Each
program is headed by a line naming it and its signature, followed by the generated source with
jit's own header; an op without a compile rule is marked by a "// fallback:" line and counted in
the heading. Before anything is printed, every program is run compiled and interpreted at a
random point and must agree to a relative 1e-12 (float64) or 1e-5 (float32).

  --cell NAME|FILE  a built-in cell (${BUILT_IN_CELLS.join(", ")}) or a module exporting a cell made with defineCell
  --hidden N        units of the layer (default 4)
  --input M         input features (default 3)
  --batch B         rows in a batch (default: one example, unbatched vectors)
  --dtype D         float64 (default) or float32
  --json            one JSON object (schema ostl-compile/1) instead of the sources

Exit status: 0 printed; 1 a compiled program disagrees with the interpreter (the message names the
program and the error); 2 a usage error, a cell module that breaks the cell contract, or a step jit
refuses.`;

/** The heading line of a program: its name, its signature and the ops that fall back, if any. */
function heading(program: LayerProgram): string {
  const fallbacks = program.fallbacks.length === 0 ? "" : `; ${program.fallbacks.length} op(s) without a compile rule call their impl: ${[...new Set(program.fallbacks)].join(", ")}`;
  return `// program ${program.name}: ${program.signature}${fallbacks}`;
}

/** The line printed for a program jit refused, in place of its source. */
const refusedLine = (program: UncompiledProgram) => `// program ${program.name}: ${program.signature}: not compiled: ${program.reason}`;

/**
 * `ostl compile`: a layer's compiled programs (forward step, its VJP, the batched state JVP), each
 * checked against the interpreter before it is printed.
 *
 * @example
 * ```ts
 * import { compileCommand } from "@ostl/cli";
 * console.log(compileCommand.name, compileCommand.usage.split("\n")[0]); // compile usage: ostl compile --cell NAME|path/to/cell.ts [--hidden N] [--input M] [--batch B] [--dtype float64|float32] [--json]
 * ```
 */
export const compileCommand: Command = {
  name: "compile",
  summary: "print the programs jit compiles from a cell's step (forward, its VJP, the batched state JVP), checked against the interpreter",
  usage,
  async run(argv) {
    const { values } = parseFlags("compile", argv, {
      cell: { type: "string" },
      hidden: { type: "string" },
      input: { type: "string" },
      batch: { type: "string" },
      dtype: { type: "string" },
      json: { type: "boolean" },
    });
    if (values.cell === undefined) throw new UsageError(`--cell NAME|path/to/cell.ts is required (built-in: ${BUILT_IN_CELLS.join(", ")})`);
    const dtype = values.dtype ?? "float64";
    if (!(DTYPES as readonly string[]).includes(dtype)) throw new UsageError(`--dtype must be ${DTYPES.join(" or ")}, got '${dtype}'`);
    const sizes: ProgramSizes = {
      hidden: numberFlag("--hidden", values.hidden, { min: 1, integer: true }) ?? 4,
      input: numberFlag("--input", values.input, { min: 1, integer: true }) ?? 3,
      batch: numberFlag("--batch", values.batch, { min: 1, integer: true }) ?? null,
      dtype: dtype as ProgramSizes["dtype"],
    };
    const { name, cell } = await loadCell(values.cell);
    // jit and the models load with the work, not with the command list
    const { layerPrograms } = await import("../layer-programs.js");
    const { programs, uncompiled } = layerPrograms(cell, sizes);
    const wrong = programs.filter((p) => !(p.maxRelativeError <= p.tolerance));
    for (const p of wrong) {
      console.error(`ostl compile: ${name}: the compiled program ${p.name} disagrees with the interpreter: relative error ${p.maxRelativeError} > ${p.tolerance} (${sizes.dtype})`);
    }
    if (wrong.length > 0) return 1;
    if (values.json) {
      const listed = programs.map(({ name: program, signature, source, maxRelativeError }) => ({ name: program, signature, source, checked: true, maxRelativeError }));
      console.log(JSON.stringify({ schema: "ostl-compile/1", cell: name, sizes, programs: listed, uncompiled }, null, 2));
      return 0;
    }
    const blocks = [...programs.map((p) => `${heading(p)}\n${p.source}`), ...uncompiled.map(refusedLine)];
    process.stdout.write(`${blocks.join("\n\n")}\n`);
    const worst = Math.max(...programs.map((p) => p.maxRelativeError));
    console.error(`ostl compile: ${name}: ${programs.length} program(s) equal the interpreter at a random point (max relative error ${worst.toExponential(1)})`);
    return 0;
  },
};
