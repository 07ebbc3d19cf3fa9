/**
 * Output folders of the commands (`--out`, `--cache`): checked before any work starts, so a bad
 * path costs one line and no wasted run, and written file by file through a temporary file and a
 * rename, so no file is ever half written and nothing else in the folder is touched.
 *
 * @module
 */
import { lstatSync, mkdtempSync, renameSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "./command.js";

/** The deepest existing path at or above `target` (`target` itself when it exists). */
function nearestExisting(target: string): string {
  let path = target;
  for (;;) {
    try {
      lstatSync(path);
      return path;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: a component above is a file; keep climbing to find it
      if ((code !== "ENOENT" && code !== "ENOTDIR") || dirname(path) === path) throw error;
      path = dirname(path);
    }
  }
}

/**
 * Checks that a folder can be created (or written) at `path` before the work that fills it
 * starts: no file lies at or above it, and the deepest existing folder takes new entries (tried
 * by creating and removing an empty folder in it, which also catches read-only file systems and
 * virtual folders such as `/proc`, where permission bits alone say nothing, e.g. for root).
 * Returns the absolute path. Nothing is created.
 *
 * @param flag - how the path was given, for the message (e.g. `"--out"`).
 * @throws {@link UsageError} naming the flag, the path and what is in the way.
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { checkOutputFolder } from "@ostl/cli";
 * const dir = mkdtempSync(join(tmpdir(), "out-"));
 * console.log(checkOutputFolder("--out", join(dir, "new", "report")) === join(dir, "new", "report")); // true
 * writeFileSync(join(dir, "notes.txt"), "mine");
 * try {
 *   checkOutputFolder("--out", join(dir, "notes.txt", "report"));
 * } catch (e) {
 *   console.log((e as Error).message.endsWith("notes.txt is a file, so no folder can be made under it")); // true
 * }
 * ```
 */
export function checkOutputFolder(flag: string, path: string): string {
  const target = resolve(path);
  const existing = nearestExisting(target);
  if (!statSync(existing).isDirectory()) {
    throw new UsageError(existing === target ? `${flag} ${path}: it is a file, not a folder` : `${flag} ${path}: ${existing} is a file, so no folder can be made under it`);
  }
  try {
    rmdirSync(mkdtempSync(join(existing, ".ostl-write-check-")));
  } catch (error) {
    throw new UsageError(`${flag} ${path}: cannot create files in ${existing} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return target;
}

/**
 * Writes `text` to `path` atomically: into a temporary file beside it (named after this
 * process), then renamed over it, so a reader sees the old file or the new one, never half of one.
 *
 * @example
 * ```ts
 * import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { writeFileAtomically } from "@ostl/cli";
 * const dir = mkdtempSync(join(tmpdir(), "atomic-"));
 * writeFileAtomically(join(dir, "a.json"), "{}\n");
 * writeFileAtomically(join(dir, "a.json"), "[]\n");
 * console.log(readdirSync(dir), readFileSync(join(dir, "a.json"), "utf8").trim()); // ["a.json"] []
 * ```
 */
export function writeFileAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
