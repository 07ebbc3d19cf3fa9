/**
 * Number and provenance schemas the output formats share.
 *
 * @module
 */
import { z } from "zod";

/** A measured figure. JSON has no NaN or infinity: `JSON.stringify` writes them as null. */
export const figure = z.number().nullable().describe("A number; null where it was NaN or infinite (JSON has neither).");

/** A count of things: a non-negative integer. */
export const count = z.int().nonnegative();

/** Where and how a result was made (the `Provenance` of `ostl compare` and `ostl study`). */
export const provenanceSchema = z
  .object({
    command: z.string(),
    commit: z.string().nullable().describe("The git commit of the working tree, or null outside a git checkout."),
    date: z.string(),
    node: z.string(),
    cpu: z.string(),
    cores: z.int().positive(),
    loadAverage: z.number().describe("The one-minute load average at the start."),
    loadAverageAtEnd: z.number().optional().describe("The one-minute load average at the end (ostl compare)."),
    loaded: z.boolean().describe("Whether a load average was above the core count: the timings are noisy."),
  })
  .describe("Where and how the results were made.");
