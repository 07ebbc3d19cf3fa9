/**
 * Reading reference-data files (schema `ostl-reference/1`) through {@link referenceFileSchema}:
 * every field a test or the gradient check uses is checked, and an error names the file, the case
 * and the field.
 *
 * @module
 */
import { type NestedArray, ValueError } from "@ostl/core";
import { fieldName, readJson } from "../json-input.js";
import type { ReferenceCellName, ReferenceSurrogate } from "./cells.js";
import { REFERENCE_SCHEMA, referenceFileSchema } from "./schema.js";

/**
 * The error every problem in a reference-data file raises: its message starts with the file name,
 * then names the case and the field.
 *
 * @example
 * ```ts
 * import { parseReferenceFile, ReferenceFileError } from "@ostl/models";
 * try {
 *   parseReferenceFile('{"schema": "other"}', "mine.json");
 * } catch (e) {
 *   console.log(e instanceof ReferenceFileError, (e as Error).message);
 *   // true mine.json: field 'schema' must be "ostl-reference/1", got "other"
 * }
 * ```
 */
export class ReferenceFileError extends ValueError {}

/**
 * Parameter-shaped numbers keyed `layer<l>.<name>` and `readout.W`, `readout.b` (matrices row-major, (out, in)).
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { type FlatParamValues, parseReferenceFile } from "@ostl/models";
 * const file = parseReferenceFile(readFileSync("fixtures/reference-public.json", "utf8"), "reference-public.json");
 * const grads: FlatParamValues = file.cases[0]!.grads.bptt;
 * console.log(Object.keys(grads)); // ["layer0.W", "layer0.U", "layer0.b", "readout.W", "readout.b"]
 * ```
 */
export type FlatParamValues = Readonly<Record<string, NestedArray>>;

/**
 * The per-step loss of a reference case: squared error or softmax cross-entropy with one-hot targets.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { parseReferenceFile, type ReferenceLoss } from "@ostl/models";
 * const file = parseReferenceFile(readFileSync("fixtures/reference-public.json", "utf8"), "reference-public.json");
 * const losses: ReferenceLoss[] = file.cases.map((c) => c.loss);
 * console.log(losses.filter((l) => l === "mse").length, losses.filter((l) => l === "xent").length); // 21 7
 * ```
 */
export type ReferenceLoss = "mse" | "xent";

/**
 * One validated reference case.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { parseReferenceFile, type ReferenceCase } from "@ostl/models";
 * const file = parseReferenceFile(readFileSync("fixtures/reference-public.json", "utf8"), "reference-public.json");
 * const c: ReferenceCase = file.cases[0]!;
 * console.log(c.name, c.cell, c.sizes, c.T); // rnn-L1-small rnn [3, 4] 5
 * ```
 */
export interface ReferenceCase {
  readonly name: string;
  readonly cell: ReferenceCellName;
  /** `[inputSize, hidden_1, …, hidden_L]`. */
  readonly sizes: readonly number[];
  readonly outputSize: number;
  readonly T: number;
  readonly loss: ReferenceLoss;
  /** Fixed, untrained constants (the SNU family's `decay`). */
  readonly constants: Readonly<Record<string, number>>;
  /** The step's pseudo-derivative (`snu`, `rsnu`), else `null`. */
  readonly surrogate: ReferenceSurrogate | null;
  readonly params: FlatParamValues;
  /** T rows of `inputSize`. */
  readonly inputs: readonly (readonly number[])[];
  /** T rows of `outputSize`. */
  readonly targets: readonly (readonly number[])[];
  /** The readout at each step: T rows of `outputSize`. */
  readonly outputs: readonly (readonly number[])[];
  /** `layerOutputs[l][t]`: the output y of layer l at step t. */
  readonly layerOutputs: readonly (readonly (readonly number[])[])[];
  /** The loss summed over the sequence. */
  readonly lossValue: number;
  /** `bptt`: the exact gradient; `ostl`: the OSTL gradient. Both parameter-shaped. */
  readonly grads: { readonly bptt: FlatParamValues; readonly ostl: FlatParamValues };
}

/**
 * A validated reference-data file.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { parseReferenceFile, type ReferenceFile } from "@ostl/models";
 * const file: ReferenceFile = parseReferenceFile(readFileSync("fixtures/reference-public.json", "utf8"), "reference-public.json");
 * console.log(file.schema, file.cases.length); // ostl-reference/1 28
 * ```
 */
export interface ReferenceFile {
  readonly schema: typeof REFERENCE_SCHEMA;
  readonly cases: readonly ReferenceCase[];
}

/** A field of a case as errors name it: `case '<name>': field '<path>'`; a field outside a named case by its path from the top. */
function caseField(path: readonly PropertyKey[], json: unknown): string {
  const [top, index, ...rest] = path;
  const name = top === "cases" && typeof index === "number" && rest.length > 0 && rest[0] !== "name" ? (json as { cases: { name?: unknown }[] }).cases[index]?.name : undefined;
  return typeof name === "string" && name !== "" ? `case '${name}': field '${fieldName(rest)}'` : `field '${fieldName(path)}'`;
}

/**
 * Parses and validates a reference-data file (schema `ostl-reference/1`).
 *
 * @param text - the file's contents.
 * @param fileName - the name errors report (e.g. the path the text was read from).
 * @throws {@link ReferenceFileError} naming the file, the case and the field, e.g.
 *   `reference.json: case 'rnn-L1-small': field 'params.layer0.W' must be a 4x3 matrix of finite numbers (entry[1] has 2 entries)`.
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { parseReferenceFile } from "@ostl/models";
 * const file = parseReferenceFile(readFileSync("fixtures/reference-public.json", "utf8"), "reference-public.json");
 * console.log(file.cases.length); // 28
 * ```
 */
export function parseReferenceFile(text: string, fileName: string): ReferenceFile {
  const fail = (problem: string): never => {
    throw new ReferenceFileError(fileName, problem);
  };
  const file = readJson(referenceFileSchema, text, fail, caseField);
  const cases = file.cases.map((c): ReferenceCase => ({ ...c, constants: c.constants ?? {}, surrogate: c.surrogate ?? null }));
  return { schema: REFERENCE_SCHEMA, cases };
}
