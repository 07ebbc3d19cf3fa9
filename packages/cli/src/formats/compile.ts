/**
 * The schema of `ostl compile --json` (`ostl-compile/1`).
 *
 * @module
 */
import { z } from "zod";

const program = { name: z.string().describe("step, step-vjp or state-jvp."), signature: z.string().describe("What the program takes and returns.") };

/**
 * The zod schema of what `ostl compile --json` prints (`ostl-compile/1`): the programs jit
 * compiled from a layer's step, each checked against the interpreter, and those it refused.
 *
 * @example
 * ```ts
 * import { compileReportSchema } from "@ostl/cli";
 * const sizes = { hidden: 4, input: 3, batch: null, dtype: "float64" };
 * const step = { name: "step", signature: "(params, state, x) => { state, y }", source: "return x;", checked: true, maxRelativeError: 0 };
 * console.log(compileReportSchema.safeParse({ schema: "ostl-compile/1", cell: "rnn", sizes, programs: [step], uncompiled: [] }).success); // true
 * const { error } = compileReportSchema.safeParse({ schema: "ostl-compile/1", cell: "rnn", sizes: { ...sizes, dtype: "int8" }, programs: [], uncompiled: [] });
 * console.log(error?.issues[0]?.path); // ["sizes", "dtype"]
 * ```
 */
export const compileReportSchema = z
  .object({
    schema: z.literal("ostl-compile/1"),
    cell: z.string(),
    sizes: z.object({
      hidden: z.int().positive(),
      input: z.int().positive(),
      batch: z.int().positive().nullable().describe("Rows in a batch, or null for one example (unbatched vectors)."),
      dtype: z.enum(["float64", "float32"]),
    }),
    programs: z.array(
      z.object({
        ...program,
        source: z.string().describe("The generated JavaScript."),
        checked: z.literal(true).describe("Run compiled and interpreted at a random point before it was printed."),
        maxRelativeError: z.number().nonnegative().describe("max over output leaves of max |compiled - interpreted| / max |interpreted|."),
      }),
    ),
    uncompiled: z.array(z.object({ ...program, reason: z.string().describe("Why jit refused it.") })),
  })
  .describe("The programs jit compiles from a layer's step: ostl compile --json.");
