/**
 * Reading and validating reference-data files (schema `ostl-reference/1`): every field a test or
 * the gradient check uses is checked, and an error names the file, the case and the field.
 *
 * @module
 */
import { type NestedArray, PRNG, ValueError } from "@ostl/core";
import { REFERENCE_CELLS, type ReferenceCellName, referenceCell, referenceCellNeeds, type ReferenceSurrogate } from "./cells.js";

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
 * The schema tag of reference-data files this module reads.
 *
 * @example
 * ```ts
 * import { REFERENCE_SCHEMA } from "@ostl/models";
 * console.log(REFERENCE_SCHEMA); // ostl-reference/1
 * ```
 */
export const REFERENCE_SCHEMA = "ostl-reference/1";

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

type Json = unknown;

const isRecord = (v: Json): v is Record<string, Json> => v !== null && typeof v === "object" && !Array.isArray(v);
const isPositiveInt = (v: Json): v is number => typeof v === "number" && Number.isInteger(v) && v >= 1;
/** The largest layer width a reference case may declare: its network is built at these sizes. */
const MAX_WIDTH = 1024;
const isWidth = (v: Json): v is number => isPositiveInt(v) && v <= MAX_WIDTH;

function describeShape(shape: readonly number[]): string {
  if (shape.length === 0) return "a finite number";
  if (shape.length === 1) return `a vector of ${shape[0]} finite numbers`;
  return `a ${shape.join("x")} ${shape.length === 2 ? "matrix" : "array"} of finite numbers`;
}

/** Where the problem in `v` lies when it is not a finite array of `shape`, or `null` when it is. */
function shapeProblem(v: Json, shape: readonly number[], at = ""): string | null {
  if (shape.length === 0) return typeof v === "number" && Number.isFinite(v) ? null : `entry${at} is ${JSON.stringify(v) ?? String(v)}`;
  if (!Array.isArray(v)) return `${at === "" ? "it" : `entry${at}`} is not a list`;
  if (v.length !== shape[0]) return `${at === "" ? "it" : `entry${at}`} has ${v.length} entries`;
  for (let i = 0; i < v.length; i++) {
    const p = shapeProblem(v[i], shape.slice(1), `${at}[${i}]`);
    if (p !== null) return p;
  }
  return null;
}

/** Validation of one object (the file, or one case), with errors that name the file, the case and the field. */
class Fields {
  constructor(
    private readonly file: string,
    private readonly caseName: string | null,
  ) {}

  fail(field: string, problem: string): never {
    const where = this.caseName === null ? "" : `case '${this.caseName}': `;
    throw new ReferenceFileError(this.file, `${where}field '${field}' ${problem}`);
  }

  get(obj: Record<string, Json>, path: string): Json {
    let v: Json = obj;
    for (const part of path.split(".")) v = isRecord(v) ? v[part] : undefined;
    if (v === undefined) this.fail(path, "is missing");
    return v;
  }

  array(v: Json, field: string, shape: readonly number[]): Json {
    const problem = shapeProblem(v, shape);
    if (problem !== null) this.fail(field, `must be ${describeShape(shape)} (${problem})`);
    return v;
  }

  /** A record whose keys are exactly those of `shapes`, each an array of its shape. */
  paramRecord(v: Json, field: string, shapes: ReadonlyMap<string, readonly number[]>): FlatParamValues {
    if (!isRecord(v)) return this.fail(field, "must be an object keyed layer<l>.<name> and readout.<W|b>");
    for (const key of Object.keys(v)) {
      if (!shapes.has(key)) this.fail(field, `has an unexpected entry '${key}' (expected: ${[...shapes.keys()].join(", ")})`);
    }
    for (const [key, shape] of shapes) {
      if (!(key in v)) this.fail(`${field}.${key}`, "is missing");
      this.array(v[key], `${field}.${key}`, shape);
    }
    return v as FlatParamValues;
  }
}

function parseSurrogate(f: Fields, v: Json, needed: boolean, cell: string): ReferenceSurrogate | null {
  if (!needed) {
    if (v !== null && v !== undefined) f.fail("surrogate", `must be null for cell '${cell}'`);
    return null;
  }
  if (!isRecord(v)) return f.fail("surrogate", `must be { "kind": "sigmoid-derivative", "slope": k } for cell '${cell}'`);
  if (v.kind !== "sigmoid-derivative") f.fail("surrogate.kind", `must be "sigmoid-derivative", got ${JSON.stringify(v.kind)}`);
  if (typeof v.slope !== "number" || !(v.slope > 0) || !Number.isFinite(v.slope)) f.fail("surrogate.slope", `must be a positive finite number, got ${JSON.stringify(v.slope)}`);
  return { kind: "sigmoid-derivative", slope: v.slope };
}

function parseConstants(f: Fields, v: Json, needsDecay: boolean, cell: string): Record<string, number> {
  const constants = v ?? {};
  if (!isRecord(constants)) return f.fail("constants", "must be an object of finite numbers");
  for (const [k, c] of Object.entries(constants)) {
    if (typeof c !== "number" || !Number.isFinite(c)) f.fail(`constants.${k}`, `must be a finite number, got ${JSON.stringify(c)}`);
  }
  if (needsDecay && constants.decay === undefined) f.fail("constants.decay", `is missing (cell '${cell}' needs its fixed decay)`);
  return constants as Record<string, number>;
}

/** The shape of every parameter of the case's network, keyed as in the file. */
function paramShapes(cell: ReferenceCellName, surrogate: ReferenceSurrogate | null, constants: Record<string, number>, sizes: readonly number[], outputSize: number): Map<string, readonly number[]> {
  const model = referenceCell(cell, surrogate, constants);
  const shapes = new Map<string, readonly number[]>();
  for (let l = 0; l + 1 < sizes.length; l++) {
    const { params } = model.init(new PRNG(0), { inputSize: sizes[l]!, hiddenSize: sizes[l + 1]! });
    for (const [name, p] of Object.entries(params)) shapes.set(`layer${l}.${name}`, p.shape);
  }
  shapes.set("readout.W", [outputSize, sizes[sizes.length - 1]!]);
  shapes.set("readout.b", [outputSize]);
  return shapes;
}

function parseCase(file: string, raw: Json, index: number): ReferenceCase {
  const top: Fields = new Fields(file, null);
  if (!isRecord(raw)) return top.fail(`cases[${index}]`, "must be an object");
  if (typeof raw.name !== "string" || raw.name === "") top.fail(`cases[${index}].name`, "must be a non-empty string");
  const name = raw.name as string;
  const f: Fields = new Fields(file, name);
  const cell = f.get(raw, "cell");
  if (typeof cell !== "string" || !(REFERENCE_CELLS as readonly string[]).includes(cell)) {
    f.fail("cell", `must be one of ${REFERENCE_CELLS.join(", ")}, got ${JSON.stringify(cell)}`);
  }
  const cellName = cell as ReferenceCellName;
  const sizes = f.get(raw, "sizes");
  if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every(isWidth)) f.fail("sizes", `must be a list [inputSize, hidden_1, …] of at least 2 positive integers, each at most ${MAX_WIDTH}, got ${JSON.stringify(sizes)}`);
  const outputSize = f.get(raw, "outputSize");
  if (!isWidth(outputSize)) f.fail("outputSize", `must be a positive integer, at most ${MAX_WIDTH}, got ${JSON.stringify(outputSize)}`);
  const T = f.get(raw, "T");
  if (!isPositiveInt(T)) f.fail("T", "must be a positive integer");
  const loss = f.get(raw, "loss");
  if (loss !== "mse" && loss !== "xent") f.fail("loss", `must be "mse" or "xent", got ${JSON.stringify(loss)}`);
  const needs = referenceCellNeeds(cellName);
  const constants = parseConstants(f, raw.constants, needs.decay, cellName);
  const surrogate = parseSurrogate(f, raw.surrogate, needs.surrogate, cellName);
  const L = sizes.length - 1;
  // the case's own arrays confirm every declared size before a network is built at those sizes
  const inputs = f.array(f.get(raw, "inputs"), "inputs", [T, sizes[0]!]) as number[][];
  const targets = f.array(f.get(raw, "targets"), "targets", [T, outputSize]) as number[][];
  const outputs = f.array(f.get(raw, "outputs"), "outputs", [T, outputSize]) as number[][];
  const layerOutputs = f.get(raw, "layerOutputs");
  if (!Array.isArray(layerOutputs) || layerOutputs.length !== L) f.fail("layerOutputs", `must be a list of ${L} per-layer ${T}-step sequences`);
  layerOutputs.forEach((seq, l) => f.array(seq, `layerOutputs[${l}]`, [T, sizes[l + 1]!]));
  const shapes = paramShapes(cellName, surrogate, constants, sizes, outputSize);
  const lossValue = f.get(raw, "lossValue");
  if (typeof lossValue !== "number" || !Number.isFinite(lossValue)) f.fail("lossValue", "must be a finite number");
  return {
    name,
    cell: cellName,
    sizes,
    outputSize,
    T,
    loss,
    constants,
    surrogate,
    params: f.paramRecord(f.get(raw, "params"), "params", shapes),
    inputs,
    targets,
    outputs,
    layerOutputs: layerOutputs as number[][][],
    lossValue,
    grads: {
      bptt: f.paramRecord(f.get(raw, "grads.bptt"), "grads.bptt", shapes),
      ostl: f.paramRecord(f.get(raw, "grads.ostl"), "grads.ostl", shapes),
    },
  };
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
  let raw: Json;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ReferenceFileError(fileName, `is not valid JSON (${(e as Error).message})`);
  }
  const f: Fields = new Fields(fileName, null);
  if (!isRecord(raw)) return f.fail("(top level)", "must be an object { schema, cases }");
  if (raw.schema !== REFERENCE_SCHEMA) f.fail("schema", `must be "${REFERENCE_SCHEMA}", got ${JSON.stringify(raw.schema)}`);
  if (!Array.isArray(raw.cases) || raw.cases.length === 0) f.fail("cases", "must be a non-empty list of cases");
  const cases = raw.cases.map((c, i) => parseCase(fileName, c, i));
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.name)) f.fail("cases", `has two cases named '${c.name}'`);
    seen.add(c.name);
  }
  return { schema: REFERENCE_SCHEMA, cases };
}
