/**
 * The schema of `ostl compare`'s `results.json` (`ostl-compare/2`). The top level and the fields
 * every reader relies on are required; the nested objects admit fields beyond those listed, so a
 * report that gains a figure still validates.
 *
 * @module
 */
import { z } from "zod";
import { count, figure, provenanceSchema } from "./figures.js";

const temporalJacobian = z.enum(["diagonal", "dense"]);
const msPerStep = z
  .looseObject({ median: z.number().nonnegative(), q1: z.number().nonnegative(), q3: z.number().nonnegative(), rounds: z.int().positive().describe("How many rounds were timed.") })
  .describe("Milliseconds per time step over the timed rounds: the median and the quartiles.");

const algorithmResult = z
  .looseObject({
    relErrorToBptt: z.array(figure).describe("Per layer: ||g - g_bptt|| / ||g_bptt||."),
    cosineToBptt: z.array(figure).describe("Per layer: the cosine between the gradient and BPTT's."),
    msPerStep: msPerStep.nullable().describe("Milliseconds per time step over the timed rounds; null when the algorithm does not run."),
    traceFloats: count.describe("Floats of the traces (analytic)."),
    peakBytes: z.number().describe("Live memory measured during the run."),
    approximation: z.string().nullable().describe("What the algorithm approximates, or null when it is exact."),
    nonFinite: z.array(z.string()).describe("The parameters whose gradient holds a NaN or infinite entry."),
    notApplicable: z.string().nullable().describe("Why the algorithm does not run on this network, or null; its figures are then empty."),
    approximateByDesign: z.array(count).describe("The layers where an algorithm exact on the top layer (OSTL) is approximate by design."),
  })
  .describe("One algorithm's figures on one network.");

const networkResult = z
  .looseObject({
    cell: z.string(),
    layers: z.int().positive(),
    hiddenSize: z.int().positive(),
    inputSize: z.int().positive(),
    T: z.int().positive(),
    structure: z.array(z.looseObject({ layer: count, temporalJacobian, traceFloats: count, layouts: z.record(z.string(), z.string()) })).describe("The trace layout OSTL chose, per layer."),
    algorithms: z.record(z.string(), algorithmResult).describe("By the name each algorithm was asked for, BPTT first."),
  })
  .describe("One network's comparison.");

const scaling = z.looseObject({
  vsT: z.looseObject({
    cell: z.string(),
    hiddenSize: z.int().positive(),
    points: z.array(z.looseObject({ algorithm: z.enum(["bptt", "ostl"]), T: z.int().positive(), memoryFloats: count, peakBytes: z.number(), msPerStep })),
  }),
  vsN: z.array(z.looseObject({ cell: z.string(), temporalJacobian, n: z.int().positive(), traceFloats: count, ostlFlopsPerStep: z.number().nonnegative(), msPerStep })),
});

/**
 * The zod schema of the results of `ostl compare` (`results.json`, and stdout with `--json`;
 * `ostl-compare/2`, the {@link CompareResults} written as JSON).
 *
 * @example
 * ```ts
 * import { compareResultsSchema } from "@ostl/cli";
 * const results = { schema: "ostl-compare/2", config: { T: 5, hiddenSize: 4, inputSize: 3, seed: 0, layers: [1], cells: ["rnn"] }, networks: [], scaling: { vsT: { cell: "ssnu", hiddenSize: 16, points: [] }, vsN: [] } };
 * console.log(compareResultsSchema.safeParse(results).success); // true
 * console.log(compareResultsSchema.safeParse({ ...results, config: { ...results.config, layers: 1 } }).error?.issues[0]?.path); // ["config", "layers"]
 * ```
 */
export const compareResultsSchema = z
  .object({
    schema: z.literal("ostl-compare/2"),
    config: z.looseObject({ T: z.int().positive(), hiddenSize: z.int().positive(), inputSize: z.int().positive(), seed: count, rounds: z.int().positive().optional().describe("The timed rounds of every time figure."), layers: z.array(z.int().positive()), cells: z.array(z.string()) }),
    provenance: provenanceSchema.optional(),
    networks: z.array(networkResult),
    scaling,
  })
  .describe("Gradient algorithms compared side by side against BPTT: ostl compare.");
