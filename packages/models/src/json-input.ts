/**
 * Reading JSON input files through zod schemas, with errors that name the field: what the
 * reference-data and JSB Chorales readers share. A schema states each field's rule with
 * {@link mustBe}; {@link readJson} reports the first problem as `field '<path>' <rule>`, or
 * `field '<path>' is missing`.
 *
 * @module
 */
import { z } from "zod";

/** A value as an error message shows it: its JSON. */
export const showJson = (value: unknown): string => JSON.stringify(value) ?? String(value);

/**
 * The error setting of a zod schema or check for a field that holds a wrong value:
 * `must be <description>, got <value>`. A missing value is left to {@link readJson}, which says
 * `is missing`.
 */
export function mustBe(description: string, show: (value: unknown) => string = showJson): { error: (issue: { readonly input?: unknown }) => string | undefined } {
  return { error: (issue) => (issue.input === undefined ? undefined : `must be ${description}, got ${show(issue.input)}`) };
}

/** The error map of a parse: a field that is absent `is missing`; every other problem keeps its schema's message. */
const missingField = (issue: { readonly code?: string; readonly input?: unknown }): string | undefined => (issue.code === "invalid_type" && issue.input === undefined ? "is missing" : undefined);

/** A path as a field name: `cases[0].grads.bptt`. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`)).join("");
}

/**
 * Every problem zod found, each as `field '<path>': <message>`, joined by `; `: for an input read
 * whole, where each wrong field is worth naming.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { fieldProblems } from "@ostl/models";
 * const parsed = z.object({ epoch: z.number(), shape: z.array(z.number()) }).safeParse({ shape: [2, "3"] });
 * console.log(fieldProblems(parsed.error!)); // field 'epoch': expected number, received undefined; field 'shape[1]': expected number, received string
 * ```
 */
export function fieldProblems(error: z.ZodError): string {
  return error.issues.map((issue) => `field '${fieldName(issue.path)}': ${issue.message.replace(/^Invalid input: /, "")}`).join("; ");
}

/**
 * Parses `text` as JSON and validates it with `schema`: the parsed value, or `fail` called with the
 * first problem, `field '<path>' <message>` (`where` words the field, given the path and the whole
 * JSON value; a problem with the top level itself is just the message).
 */
export function readJson<S extends z.ZodType>(schema: S, text: string, fail: (problem: string) => never, where: (path: readonly PropertyKey[], json: unknown) => string = (path) => `field '${fieldName(path)}'`): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(`is not valid JSON (${(error as Error).message})`);
  }
  const result = schema.safeParse(json, { error: missingField });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  return fail(issue.path.length === 0 ? issue.message : `${where(issue.path, json)} ${issue.message}`);
}
