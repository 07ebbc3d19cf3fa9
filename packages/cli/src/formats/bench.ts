/**
 * The schema of `ostl bench --json` (`ostl-bench/1`).
 *
 * @module
 */
import { z } from "zod";

const ratio = z.number().positive();

/**
 * The zod schema of the report `ostl bench --json` prints (`ostl-bench/1`, the {@link BenchReport}
 * written as JSON): the ratios measured in one run, and the measurements behind them.
 *
 * @example
 * ```ts
 * import { benchReportSchema } from "@ostl/cli";
 * const results = { ostlOverForward: { ssnu: 4.1, snu: 4.3 }, ostlOverRtrl: 0.4, memoryGrowth: { ostl: 1, bptt: 100 }, bpttVsTfjs: { cpu: 0.6, wasm: 1.2, maxRelDiff: 3e-7 }, opOverheadNs: 250 };
 * console.log(benchReportSchema.safeParse({ schema: "ostl-bench/1", results, details: {} }).success); // true
 * const { error } = benchReportSchema.safeParse({ schema: "ostl-bench/1", results: { ...results, ostlOverRtrl: undefined }, details: {} });
 * console.log(error?.issues[0]?.path); // ["results", "ostlOverRtrl"]
 * ```
 */
export const benchReportSchema = z
  .object({
    schema: z.literal("ostl-bench/1"),
    results: z.object({
      ostlOverForward: z.object({ ssnu: ratio, snu: ratio }).describe("OSTL training step / compiled forward-only step, one layer n = m = 256, batch 1."),
      ostlOverRtrl: ratio.describe("OSTL training step / RTRL training step, one LSTM layer n = m = 32, batch 1."),
      memoryGrowth: z.object({ ostl: ratio, bptt: ratio }).describe("Floats held after T = 10,000 steps / after T = 100 (sSNU n = m = 256)."),
      bpttVsTfjs: z.object({ cpu: ratio, wasm: ratio, maxRelDiff: z.number().nonnegative() }).describe("Our BPTT gradient time / TensorFlow.js's, and the largest relative difference of the gradients."),
      opOverheadNs: z.number().describe("What recording on a reverse-mode tape adds per op on tiny tensors, in nanoseconds."),
    }),
    details: z.record(z.string(), z.unknown()).describe("The measurements behind the ratios."),
  })
  .describe("Performance ratios measured in one run: ostl bench --json.");
