/**
 * The schema of `ostl study`'s `results.json` (`ostl-study/1`).
 *
 * @module
 */
import { z } from "zod";
import { count, figure, provenanceSchema } from "./figures.js";

const seedSeries = z
  .object({ mean: z.array(figure), sd: z.array(figure), perSeed: z.array(z.array(figure)) })
  .describe("A figure over seeds at each recorded point: the mean, the standard deviation and every seed's value.");

/**
 * The zod schema of the results of `ostl study` (`results.json`, and stdout with `--json`;
 * `ostl-study/1`, the {@link StudyResults} written as JSON).
 *
 * @example
 * ```ts
 * import { studyResultsSchema } from "@ostl/cli";
 * const config = { task: "add", metric: "MSE", cell: "rnn", hidden: 4, layers: 1, trainWith: "bptt", algos: [], seeds: 1, steps: 1, every: 1, learningRate: 0.01 };
 * const series = { mean: [1], sd: [0], perSeed: [[1]] };
 * const results = { schema: "ostl-study/1", config, updates: [0], alignment: { bptt: { cosine: series, relError: series, norm: series } }, lossUpdates: [0], loss: { bptt: series }, cost: { bptt: { msPerStep: 0.1, floats: 40, notApplicable: null } } };
 * console.log(studyResultsSchema.safeParse(results).success); // true
 * console.log(studyResultsSchema.safeParse({ ...results, loss: { bptt: { mean: [1] } } }).error?.issues[0]?.path); // ["loss", "bptt", "sd"]
 * ```
 */
export const studyResultsSchema = z
  .object({
    schema: z.literal("ostl-study/1"),
    config: z.object({
      task: z.string(),
      metric: z.string(),
      cell: z.string(),
      hidden: z.int().positive(),
      layers: z.int().positive(),
      trainWith: z.string(),
      algos: z.array(z.string()),
      seeds: z.int().positive(),
      steps: z.int().positive(),
      every: z.int().positive(),
      learningRate: z.number(),
    }),
    updates: z.array(count).describe("The updates at which figures were recorded (0-based)."),
    alignment: z
      .record(z.string(), z.object({ cosine: seedSeries, relError: seedSeries, norm: seedSeries }))
      .describe("Per algorithm, on the trajectory of trainWith: cosine and relative error of its recurrent gradient against BPTT's, and its norm."),
    lossUpdates: z.array(count).describe("The last update of each window of `every` updates (0-based), where the loss curves are given."),
    loss: z.record(z.string(), seedSeries).describe("Per algorithm, training on its own: the mean training loss per scored step over each window."),
    provenance: provenanceSchema.optional(),
    cost: z
      .record(z.string(), z.object({ msPerStep: z.number().nonnegative(), floats: count, notApplicable: z.string().nullable() }))
      .describe("Per algorithm: milliseconds per time step and floats held (traces or tape); or why it does not run."),
  })
  .describe("Online-learning algorithms compared along a training run: ostl study.");
