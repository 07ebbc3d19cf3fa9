/**
 * The schema of `ostl gradcheck --json` (`ostl-gradcheck/1`).
 *
 * @module
 */
import { ALGORITHM_NAMES } from "@ostl/ostl";
import { z } from "zod";
import { count, figure } from "./figures.js";

/**
 * The zod schema of the report `ostl gradcheck --json` prints (`ostl-gradcheck/1`, the
 * {@link GradcheckReport} written as JSON): one row per case, algorithm and feeding.
 *
 * @example
 * ```ts
 * import { gradcheckReportSchema } from "@ostl/cli";
 * const report = { schema: "ostl-gradcheck/1", tolerance: 1e-8, results: [{ case: "rnn-L1-small", algorithm: "ostl", chunked: true, maxRelError: 1e-15, pass: true }], passed: 1, failed: 0 };
 * console.log(gradcheckReportSchema.safeParse(report).success); // true
 * console.log(gradcheckReportSchema.safeParse({ ...report, passed: "1" }).error?.issues[0]?.path); // ["passed"]
 * ```
 */
export const gradcheckReportSchema = z
  .object({
    schema: z.literal("ostl-gradcheck/1"),
    tolerance: z.number().positive().describe("The largest relative error that passes."),
    results: z.array(
      z.object({
        case: z.string().describe("The reference case's name."),
        algorithm: z.enum(ALGORITHM_NAMES),
        chunked: z.boolean().describe("Fed in random chunks rather than step by step."),
        maxRelError: figure.describe("max over parameters of ||g - ref|| / max(||ref||, 1e-12), the forward pass included."),
        pass: z.boolean(),
      }),
    ),
    passed: count,
    failed: count,
  })
  .describe("BPTT, RTRL and OSTL against external reference gradients: ostl gradcheck --json.");
