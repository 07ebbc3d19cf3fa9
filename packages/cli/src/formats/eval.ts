/**
 * The schema of `ostl eval --json` (`ostl-eval/1`).
 *
 * @module
 */
import { z } from "zod";
import { count, figure } from "./figures.js";

const splitScore = z.object({ loss: figure, accuracy: figure.optional().describe("JSB: the frame-level accuracy TP/(TP+FP+FN).") });

/**
 * The zod schema of the object `ostl eval --json` prints (the {@link EvalReport}).
 *
 * @example
 * ```ts
 * import { evalReportSchema } from "@ostl/cli";
 * const report = { schema: "ostl-eval/1", run: "runs/a", epoch: 2, metric: "per-step loss", scores: { test: { loss: 0.5 } } };
 * console.log(evalReportSchema.safeParse(report).success, evalReportSchema.safeParse({ ...report, scores: { dev: { loss: 1 } } }).success); // true false
 * ```
 */
export const evalReportSchema = z
  .strictObject({
    schema: z.literal("ostl-eval/1"),
    run: z.string().describe("The run folder."),
    epoch: count.describe("The epochs its checkpoint had finished."),
    metric: z.string(),
    scores: z.strictObject({ train: splitScore.optional(), valid: splitScore.optional(), test: splitScore.optional() }),
  })
  .describe("A trained run's model scored on splits: ostl eval.");
