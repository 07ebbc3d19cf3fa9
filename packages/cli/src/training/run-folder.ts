/**
 * The folder of a training run: files written atomically (a temporary file, then a rename), so
 * an interrupted run never leaves a half-written `metrics.json`.
 *
 * @module
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A run folder, created on construction.
 *
 * @example
 * ```ts
 * import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { RunFolder } from "@ostl/cli";
 * const run = new RunFolder(join(mkdtempSync(join(tmpdir(), "runs-")), "copy-rnn"));
 * const path = run.writeJson("config.json", { task: "copy" });
 * console.log(readdirSync(run.path), JSON.parse(readFileSync(path, "utf8"))); // ["config.json"] { task: "copy" }
 * ```
 */
export class RunFolder {
  constructor(readonly path: string) {
    mkdirSync(path, { recursive: true });
  }

  /** Writes `name` atomically: a temporary file beside it, renamed over it. */
  writeText(name: string, text: string): string {
    const target = join(this.path, name);
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, target);
    return target;
  }

  /** Writes `value` as indented JSON (atomically). */
  writeJson(name: string, value: unknown): string {
    return this.writeText(name, `${JSON.stringify(value, null, 2)}\n`);
  }
}

/**
 * The default run folder: `runs/<name>-<UTC timestamp>` under the current directory.
 *
 * @example
 * ```ts
 * import { defaultRunPath } from "@ostl/cli";
 * console.log(defaultRunPath("jsb-ssnu-ostl", new Date(Date.UTC(2025, 0, 2, 3, 4, 5)))); // runs/jsb-ssnu-ostl-20250102-030405
 * ```
 */
export function defaultRunPath(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/\..*$/, "").replace(/[-:]/g, "").replace("T", "-");
  return join("runs", `${name}-${stamp}`);
}
