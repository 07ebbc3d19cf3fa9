/**
 * The schema of `ostl train`'s `metrics.json` and `--json` report (`ostl-train/1`). The report is
 * the schema tag, the run's configuration and its epochs; `metrics.json` adds the run's status and
 * what the run read and measured. Its objects admit fields beyond those listed, so a run that
 * records more still validates.
 *
 * @module
 */
import { ALGORITHM_NAMES } from "@ostl/ostl";
import { z } from "zod";
import { count, figure } from "./figures.js";

const epochMetrics = z
  .looseObject({
    epoch: z.int().positive(),
    train: figure.describe("The mean training loss per scored step over the epoch."),
    valid: figure,
    test: figure,
    seconds: z.number().nonnegative(),
    validAccuracy: figure.optional().describe("Binary multi-label targets (JSB): the frame-level accuracy of valid."),
    testAccuracy: figure.optional(),
  })
  .describe("The figures after one epoch: the per-step loss on each split (JSB: the NLL per time step).");

const config = z
  .looseObject({
    task: z.string(),
    taskOptions: z.record(z.string(), z.union([z.number(), z.array(z.number())])).describe("Sizes of the synthetic tasks; empty for jsb."),
    data: z.string().nullable().describe("The --data flag as given (jsb only)."),
    cell: z.string(),
    cellOptions: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
    hidden: z.int().positive(),
    layers: z.int().positive(),
    algorithm: z.enum(ALGORITHM_NAMES),
    approximation: z.string().nullable(),
    optimizer: z.string(),
    lr: z.number(),
    momentum: z.number().nullable(),
    clip: z.number().nullable(),
    epochs: z.int().positive(),
    updateEvery: z.union([z.int().positive(), z.literal("sequence")]),
    batch: z.int().positive(),
    seed: count,
  })
  .describe("The run's configuration (config.json).");

/**
 * The zod schema of `ostl train`'s `metrics.json` and of the object `ostl train --json` prints
 * (`ostl-train/1`; the {@link TrainReport} written as JSON, which `metrics.json` extends with the
 * run's status, metric, data file, parameter count and timings).
 *
 * @example
 * ```ts
 * import { parseTrainConfig, trainReportSchema } from "@ostl/cli";
 * const config = parseTrainConfig(["--task", "copy", "--cell", "rnn", "--epochs", "1"]);
 * const report = { schema: "ostl-train/1", config, history: [{ epoch: 1, train: 2.1, valid: 2, test: 2.05, seconds: 0.3 }] };
 * console.log(trainReportSchema.safeParse(report).success); // true
 * console.log(trainReportSchema.safeParse({ ...report, status: "paused" }).error?.issues[0]?.path); // ["status"]
 * ```
 */
export const trainReportSchema = z
  .looseObject({
    schema: z.literal("ostl-train/1"),
    config,
    history: z.array(epochMetrics).describe("One entry per finished epoch."),
    status: z.enum(["running", "done", "interrupted", "diverged", "failed"]).optional().describe("metrics.json: where the run stands."),
    metric: z.string().optional().describe("metrics.json: what the losses measure."),
    dataFile: z.string().nullable().optional().describe("metrics.json: the data file read (jsb), else null."),
    parameters: count.optional().describe("metrics.json: the number of trained floats."),
    timing: z.array(z.looseObject({ epoch: z.int().positive() })).optional().describe("metrics.json: seconds spent per epoch."),
    error: z.string().optional().describe("metrics.json, a failed run: the error."),
    divergence: z.looseObject({ what: z.string() }).optional().describe("metrics.json, a diverged run: where and what was NaN or infinite."),
  })
  .describe("A training run's configuration and per-epoch figures: ostl train.");
