/**
 * The folder of a compare report. It is written into a new folder, an empty one, or one that
 * holds only a previous report (its `results.json` has the `ostl-compare/2` schema); anything
 * else in the folder makes the command refuse before the work starts. Only the report's own
 * files are ever written, one by one, atomically: nothing in the folder is removed.
 *
 * @module
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../command.js";
import { checkOutputFolder, writeFileAtomically } from "../output-folder.js";

/**
 * The files a compare report consists of: the only names `ostl compare --out` writes.
 *
 * @example
 * ```ts
 * import { REPORT_FILES } from "@ostl/cli";
 * console.log(REPORT_FILES); // ["index.html", "results.json"]
 * ```
 */
export const REPORT_FILES = ["index.html", "results.json"] as const;

/** Whether `path` is the results.json of a compare report. */
function isCompareResults(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as { schema?: unknown }).schema === "ostl-compare/2";
  } catch {
    return false;
  }
}

/**
 * Checks, before the comparison runs, that `--out` can take a report: the folder can be created
 * or written (see {@link checkOutputFolder}), and if it exists it is empty or holds only a
 * previous report. Returns the absolute path; creates nothing.
 *
 * @throws {@link UsageError} naming the file in the way.
 * @example
 * ```ts
 * import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { checkReportFolder } from "@ostl/cli";
 * const project = mkdtempSync(join(tmpdir(), "project-"));
 * mkdirSync(join(project, "src"));
 * console.log(checkReportFolder(join(project, "report")) === join(project, "report")); // true
 * try {
 *   checkReportFolder(project);
 * } catch (e) {
 *   console.log((e as Error).message.includes("holds 'src', which is not part of a compare report")); // true
 * }
 * ```
 */
export function checkReportFolder(path: string): string {
  const target = checkOutputFolder("--out", path);
  let entries: string[];
  try {
    entries = readdirSync(target);
  } catch {
    return target; // not there yet: it will be created
  }
  const ours: readonly string[] = REPORT_FILES;
  const foreign = entries.find((name) => !ours.includes(name));
  const refuse = (what: string) => new UsageError(`--out ${path}: the folder ${what}; a report goes into a new or empty folder, or over a previous report (${REPORT_FILES.join(", ")})`);
  if (foreign !== undefined) throw refuse(`holds '${foreign}', which is not part of a compare report`);
  if (entries.length > 0 && !isCompareResults(join(target, "results.json"))) {
    throw refuse(entries.includes("results.json") ? "holds a results.json that is not an ostl-compare/2 report" : `holds '${entries[0]}' without the results.json of a compare report`);
  }
  return target;
}

/**
 * Writes the report's files into `dir` (created if needed), each atomically; other files in the
 * folder are left as they are.
 *
 * @example
 * ```ts
 * import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { writeReportFiles } from "@ostl/cli";
 * const dir = mkdtempSync(join(tmpdir(), "report-"));
 * writeFileSync(join(dir, "notes.txt"), "mine");
 * writeReportFiles(dir, { "index.html": "<!doctype html>", "results.json": "{}" });
 * console.log(readdirSync(dir).sort()); // ["index.html", "notes.txt", "results.json"]
 * ```
 */
export function writeReportFiles(dir: string, files: Readonly<Partial<Record<(typeof REPORT_FILES)[number], string>>>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileAtomically(join(dir, name), text);
}
