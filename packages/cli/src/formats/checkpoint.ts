/**
 * The schema of a run folder's `checkpoint.json` (`ostl-checkpoint/1`), which `ostl train` writes
 * after every epoch and `ostl train --resume`, `ostl eval` and `loadCheckpoint` read.
 *
 * @module
 */
import { checkpointJsonSchema, type LossName, losses } from "@ostl/models";
import { z } from "zod";
import { count } from "./figures.js";

/**
 * The `schema` field of a checkpoint file.
 *
 * @example
 * ```ts
 * import { CHECKPOINT_SCHEMA } from "@ostl/cli";
 * console.log(CHECKPOINT_SCHEMA); // ostl-checkpoint/1
 * ```
 */
export const CHECKPOINT_SCHEMA = "ostl-checkpoint/1";

/**
 * The zod schema of `checkpoint.json`: the run's configuration (as config.json holds it), the
 * network's sizes and loss, each epoch's split of time, and the checkpoint itself (params,
 * optimizer state, the shuffling generator's state, the epochs' figures).
 *
 * @example
 * ```ts
 * import { runCheckpointSchema } from "@ostl/cli";
 * const issues = runCheckpointSchema.safeParse({ schema: "ostl-checkpoint/1" }).error!.issues;
 * console.log(issues.map((i) => i.path.join("."))); // ["config", "network", "timing", "checkpoint"]
 * ```
 */
export const runCheckpointSchema = z
  .looseObject({
    schema: z.literal(CHECKPOINT_SCHEMA),
    // written by ostl train from a checked configuration; its other fields are read where they are used
    config: z.looseObject({ task: z.string(), cell: z.string(), hidden: z.int().positive(), layers: z.int().positive(), epochs: z.int().positive(), seed: count }),
    network: z.object({ inputSize: z.int().positive(), outputSize: z.int().positive(), loss: z.enum(Object.keys(losses) as [LossName, ...LossName[]]) }),
    timing: z.array(z.object({ epoch: z.int().positive(), trainSeconds: z.number(), evalSeconds: z.number() })),
    checkpoint: checkpointJsonSchema,
  })
  .describe("A training run's state after its last finished epoch: ostl train's checkpoint.json.");
