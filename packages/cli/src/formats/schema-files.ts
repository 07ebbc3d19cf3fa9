/**
 * The JSON formats of ostl and their JSON Schema files (`schemas/` at the repository root),
 * generated from the zod schemas so that other tools can validate what ostl writes and write what
 * it reads.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { jsbChoralesSchema, REFERENCE_SCHEMA, referenceFileSchema } from "@ostl/models";
import { z } from "zod";
import { benchReportSchema } from "./bench.js";
import { compareResultsSchema } from "./compare.js";
import { runCheckpointSchema } from "./checkpoint.js";
import { compileReportSchema } from "./compile.js";
import { evalReportSchema } from "./eval.js";
import { gradcheckReportSchema } from "./gradcheck.js";
import { studyResultsSchema } from "./study.js";
import { trainReportSchema } from "./train.js";

/**
 * One JSON format: its name (the `schema` field of its files, where they have one), the file of
 * its JSON Schema, what holds it, and its zod schema.
 *
 * @example
 * ```ts
 * import { JSON_FORMATS, type JsonFormat } from "@ostl/cli";
 * const reference: JsonFormat = JSON_FORMATS[0]!;
 * console.log(reference.name, reference.file); // ostl-reference/1 ostl-reference-1.schema.json
 * ```
 */
export interface JsonFormat {
  readonly name: string;
  readonly file: string;
  readonly holder: string;
  readonly schema: z.ZodType;
}

/**
 * Every JSON format ostl reads or writes.
 *
 * @example
 * ```ts
 * import { JSON_FORMATS } from "@ostl/cli";
 * console.log(JSON_FORMATS.map((f) => f.name)); // ["ostl-reference/1", "jsb-chorales", "ostl-gradcheck/1", "ostl-train/1", "ostl-compare/2", "ostl-study/1", "ostl-bench/1", "ostl-compile/1", "ostl-checkpoint/1", "ostl-eval/1"]
 * ```
 */
export const JSON_FORMATS: readonly JsonFormat[] = [
  { name: REFERENCE_SCHEMA, file: "ostl-reference-1.schema.json", holder: "reference gradients read by ostl gradcheck --reference", schema: referenceFileSchema },
  { name: "jsb-chorales", file: "jsb-chorales.schema.json", holder: "the JSB Chorales file read by ostl train --task jsb --data", schema: jsbChoralesSchema },
  { name: "ostl-gradcheck/1", file: "ostl-gradcheck-1.schema.json", holder: "ostl gradcheck --json", schema: gradcheckReportSchema },
  { name: "ostl-train/1", file: "ostl-train-1.schema.json", holder: "metrics.json of ostl train, and ostl train --json", schema: trainReportSchema },
  { name: "ostl-compare/2", file: "ostl-compare-2.schema.json", holder: "results.json of ostl compare, and ostl compare --json", schema: compareResultsSchema },
  { name: "ostl-study/1", file: "ostl-study-1.schema.json", holder: "results.json of ostl study, and ostl study --json", schema: studyResultsSchema },
  { name: "ostl-bench/1", file: "ostl-bench-1.schema.json", holder: "ostl bench --json", schema: benchReportSchema },
  { name: "ostl-compile/1", file: "ostl-compile-1.schema.json", holder: "ostl compile --json", schema: compileReportSchema },
  { name: "ostl-checkpoint/1", file: "ostl-checkpoint-1.schema.json", holder: "checkpoint.json of ostl train, read by --resume, ostl eval and loadCheckpoint", schema: runCheckpointSchema },
  { name: "ostl-eval/1", file: "ostl-eval-1.schema.json", holder: "ostl eval --json", schema: evalReportSchema },
];

/**
 * The JSON Schema (draft 2020-12) of a format, as the text of its file: what a valid file may
 * hold, from the zod schema's structure (checks written as code, such as a reference case's array
 * shapes, are not part of it).
 *
 * @example
 * ```ts
 * import { JSON_FORMATS, jsonSchemaText } from "@ostl/cli";
 * const schema = JSON.parse(jsonSchemaText(JSON_FORMATS.find((f) => f.name === "ostl-bench/1")!));
 * console.log(schema.title, schema.required); // ostl-bench/1 ["schema", "results", "details"]
 * ```
 */
export function jsonSchemaText(format: JsonFormat): string {
  const { $schema, ...rest } = z.toJSONSchema(format.schema, { io: "input" });
  return `${JSON.stringify({ $schema, title: format.name, ...rest }, null, 2)}\n`;
}

/**
 * Writes the JSON Schema file of every format into `folder` (the repository's `schemas/`, by
 * `pnpm schemas`), and returns the paths written.
 *
 * @example
 * ```ts
 * import { mkdtempSync, readFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { writeSchemaFiles } from "@ostl/cli";
 * const written = writeSchemaFiles(mkdtempSync(`${tmpdir()}/schemas-`));
 * console.log(written.length, JSON.parse(readFileSync(written[0]!, "utf8")).title); // 10 ostl-reference/1
 * ```
 */
export function writeSchemaFiles(folder: string): string[] {
  return JSON_FORMATS.map((format) => {
    const path = join(folder, format.file);
    writeFileSync(path, jsonSchemaText(format));
    return path;
  });
}
