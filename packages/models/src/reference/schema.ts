/**
 * The schema of reference-data files (`ostl-reference/1`): the structure of every field a test or
 * the gradient check uses, then, per case, what only the case itself settles: the constants and
 * surrogate its cell needs, and every array's shape from its sizes and its cell's parameters.
 *
 * @module
 */
import { type NestedArray, PRNG } from "@ostl/core";
import { z } from "zod";
import { mustBe, showJson } from "../json-input.js";
import { REFERENCE_CELLS, referenceCell, referenceCellNeeds, type ReferenceSurrogate } from "./cells.js";

/**
 * The schema tag of reference-data files this module reads.
 *
 * @example
 * ```ts
 * import { REFERENCE_SCHEMA } from "@ostl/models";
 * console.log(REFERENCE_SCHEMA); // ostl-reference/1
 * ```
 */
export const REFERENCE_SCHEMA = "ostl-reference/1";

/** The largest layer width a reference case may declare: its network is built at these sizes. */
const MAX_WIDTH = 1024;

const finite = z.number(mustBe("a finite number"));
const positiveInt = z.int(mustBe("a positive integer")).min(1, mustBe("a positive integer"));
const widthRule = mustBe(`a positive integer, at most ${MAX_WIDTH}`);
const width = z.int(widthRule).min(1, widthRule).max(MAX_WIDTH, widthRule);
const matrix = z.array(z.array(finite, mustBe("a list of finite numbers")), mustBe("a list of rows of finite numbers"));

/** Where in `value` the first entry that is neither a list nor a finite number sits, and what it is. */
function strayEntry(value: unknown, at = ""): string | null {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = strayEntry(value[i], `${at}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  return typeof value === "number" && Number.isFinite(value) ? null : `entry${at} is ${showJson(value)}`;
}

const NESTED_NUMBERS = "finite numbers in nested lists";
const nestedNumbers: z.ZodType<NestedArray> = z.union([finite, z.array(z.lazy(() => nestedNumbers))], {
  error: (issue) => (issue.input === undefined ? undefined : `must be ${NESTED_NUMBERS} (${strayEntry(issue.input) ?? `got ${showJson(issue.input)}`})`),
});
const paramValues = z
  .record(z.string(), nestedNumbers, mustBe("an object keyed layer<l>.<name> and readout.<W|b>"))
  .describe("Parameter-shaped numbers keyed layer<l>.<name> and readout.W, readout.b; matrices row-major (out, in).");

const SURROGATE = `{ "kind": "sigmoid-derivative", "slope": k }`;
const surrogate = z.object(
  {
    kind: z.literal("sigmoid-derivative", mustBe(`"sigmoid-derivative"`)),
    slope: z.number(mustBe("a positive finite number")).positive(mustBe("a positive finite number")),
  },
  mustBe(SURROGATE),
);

const caseFields = z.object(
  {
    name: z.string(mustBe("a non-empty string")).min(1, mustBe("a non-empty string")),
    cell: z.enum(REFERENCE_CELLS, mustBe(`one of ${REFERENCE_CELLS.join(", ")}`)),
    sizes: z
      .array(width, mustBe(`a list [inputSize, hidden_1, …] of at least 2 positive integers, each at most ${MAX_WIDTH}`))
      .min(2, mustBe(`a list [inputSize, hidden_1, …] of at least 2 positive integers, each at most ${MAX_WIDTH}`))
      .describe("[inputSize, hidden_1, …, hidden_L]"),
    outputSize: width,
    T: positiveInt.describe("The number of time steps."),
    loss: z.enum(["mse", "xent"], mustBe(`"mse" or "xent"`)).describe("The per-step loss: squared error, or softmax cross-entropy with one-hot targets."),
    constants: z.record(z.string(), finite, mustBe("an object of finite numbers")).nullish().describe("Fixed, untrained constants (the SNU family's decay)."),
    surrogate: surrogate.nullish().describe("The step's pseudo-derivative (snu, rsnu), else null."),
    params: paramValues,
    inputs: matrix.describe("T rows of inputSize."),
    targets: matrix.describe("T rows of outputSize."),
    outputs: matrix.describe("The readout at each step: T rows of outputSize."),
    layerOutputs: z.array(matrix, mustBe("a list of per-layer sequences")).describe("layerOutputs[l][t]: the output y of layer l at step t."),
    lossValue: finite.describe("The loss summed over the sequence."),
    grads: z.object({ bptt: paramValues, ostl: paramValues }, mustBe("an object { bptt, ostl }")).describe("bptt: the exact gradient; ostl: the OSTL gradient."),
  },
  mustBe("an object"),
);

type CaseFields = z.output<typeof caseFields>;

function describeShape(shape: readonly number[]): string {
  if (shape.length === 0) return "a finite number";
  if (shape.length === 1) return `a vector of ${shape[0]} finite numbers`;
  return `a ${shape.join("x")} ${shape.length === 2 ? "matrix" : "array"} of finite numbers`;
}

/** Where `value` (finite numbers in nested lists) departs from `shape`, or `null` when it has it. */
function shapeProblem(value: NestedArray, shape: readonly number[], at = ""): string | null {
  if (shape.length === 0) return Array.isArray(value) ? `entry${at} is a list` : null;
  if (!Array.isArray(value)) return `${at === "" ? "it" : `entry${at}`} is not a list`;
  if (value.length !== shape[0]) return `${at === "" ? "it" : `entry${at}`} has ${value.length} entries`;
  for (let i = 0; i < value.length; i++) {
    const p = shapeProblem(value[i]!, shape.slice(1), `${at}[${i}]`);
    if (p !== null) return p;
  }
  return null;
}

/** The shape of every parameter of the case's network, keyed as in the file. */
function paramShapes(c: CaseFields, surrogate: ReferenceSurrogate | null): Map<string, readonly number[]> {
  const model = referenceCell(c.cell, surrogate, c.constants ?? {});
  const shapes = new Map<string, readonly number[]>();
  for (let l = 0; l + 1 < c.sizes.length; l++) {
    const { params } = model.init(new PRNG(0), { inputSize: c.sizes[l]!, hiddenSize: c.sizes[l + 1]! });
    for (const [name, p] of Object.entries(params)) shapes.set(`layer${l}.${name}`, p.shape);
  }
  shapes.set("readout.W", [c.outputSize, c.sizes[c.sizes.length - 1]!]);
  shapes.set("readout.b", [c.outputSize]);
  return shapes;
}

/** A problem of a case: the path of its field and what is wrong there. */
type CaseProblem = readonly [path: readonly PropertyKey[], message: string];

function arrayProblem(value: NestedArray, path: readonly PropertyKey[], shape: readonly number[]): CaseProblem | null {
  const problem = shapeProblem(value, shape);
  return problem === null ? null : [path, `must be ${describeShape(shape)} (${problem})`];
}

/** A record whose keys are exactly those of `shapes`, each an array of its shape. */
function paramsProblem(values: Readonly<Record<string, NestedArray>>, path: readonly PropertyKey[], shapes: ReadonlyMap<string, readonly number[]>): CaseProblem | null {
  const stray = Object.keys(values).find((key) => !shapes.has(key));
  if (stray !== undefined) return [path, `has an unexpected entry '${stray}' (expected: ${[...shapes.keys()].join(", ")})`];
  for (const [key, shape] of shapes) {
    const value = values[key];
    const problem = value === undefined ? ([[...path, key], "is missing"] as const) : arrayProblem(value, [...path, key], shape);
    if (problem !== null) return problem;
  }
  return null;
}

/** The first problem of a structurally valid case that its cell and sizes reveal, or `null`. */
function caseProblem(c: CaseFields): CaseProblem | null {
  const needs = referenceCellNeeds(c.cell);
  if (needs.decay && c.constants?.decay === undefined) return [["constants", "decay"], `is missing (cell '${c.cell}' needs its fixed decay)`];
  if (needs.surrogate && c.surrogate == null) return [["surrogate"], `must be ${SURROGATE} for cell '${c.cell}'`];
  if (!needs.surrogate && c.surrogate != null) return [["surrogate"], `must be null for cell '${c.cell}'`];
  const L = c.sizes.length - 1;
  // the case's own arrays confirm every declared size before a network is built at those sizes
  const early =
    arrayProblem(c.inputs, ["inputs"], [c.T, c.sizes[0]!]) ??
    arrayProblem(c.targets, ["targets"], [c.T, c.outputSize]) ??
    arrayProblem(c.outputs, ["outputs"], [c.T, c.outputSize]) ??
    (c.layerOutputs.length === L ? null : ([["layerOutputs"], `must be a list of ${L} per-layer ${c.T}-step sequences`] as const)) ??
    c.layerOutputs.reduce<CaseProblem | null>((found, seq, l) => found ?? arrayProblem(seq, ["layerOutputs", l], [c.T, c.sizes[l + 1]!]), null);
  if (early !== null) return early;
  const shapes = paramShapes(c, c.surrogate ?? null);
  return paramsProblem(c.params, ["params"], shapes) ?? paramsProblem(c.grads.bptt, ["grads", "bptt"], shapes) ?? paramsProblem(c.grads.ostl, ["grads", "ostl"], shapes);
}

/** Checks that build on every field being valid run only when no field has a problem. */
const whenValid = { when: (payload: { readonly issues: readonly unknown[] }) => payload.issues.length === 0 };

const referenceCase = caseFields.superRefine((c, ctx) => {
  const problem = caseProblem(c);
  if (problem !== null) ctx.addIssue({ code: "custom", path: [...problem[0]], message: problem[1] });
}, whenValid);

/**
 * The zod schema of reference-data files (`ostl-reference/1`): PyTorch float64 cases, each a
 * network's sizes, parameters, inputs and targets with the outputs, the loss and the BPTT and OSTL
 * gradients it produced. Beyond each field's type it checks every array's shape against the case's
 * sizes and cell, and that no two cases share a name. {@link parseReferenceFile} reads a file with it.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { referenceFileSchema } from "@ostl/models";
 * const json = JSON.parse(readFileSync("fixtures/reference-public.json", "utf8"));
 * console.log(referenceFileSchema.safeParse(json).success); // true
 * json.cases[0].T = 6; // its inputs hold 5 steps
 * const { error } = referenceFileSchema.safeParse(json);
 * console.log(error?.issues[0]?.path, error?.issues[0]?.message); // ["cases", 0, "inputs"] must be a 6x3 matrix of finite numbers (it has 5 entries)
 * ```
 */
export const referenceFileSchema = z
  .object(
    {
      schema: z.literal(REFERENCE_SCHEMA, mustBe(`"${REFERENCE_SCHEMA}"`)),
      cases: z.array(referenceCase, mustBe("a non-empty list of cases")).min(1, mustBe("a non-empty list of cases")),
    },
    mustBe("an object { schema, cases }", (value) => (Array.isArray(value) ? "a list" : showJson(value))),
  )
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    for (const c of file.cases) {
      if (seen.has(c.name)) ctx.addIssue({ code: "custom", path: ["cases"], message: `has two cases named '${c.name}'` });
      seen.add(c.name);
    }
  }, whenValid)
  .describe("Reference gradients (PyTorch float64) for recurrent networks trained by BPTT and OSTL: ostl-reference/1.");
