/**
 * The folder of a training run: held by one run at a time (a lock file, see {@link RunLock}),
 * never silently over a previous run, and written file by file atomically (a temporary file, then
 * a rename), so an interrupted run never leaves a half-written `metrics.json`.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../command.js";
import { checkOutputFolder, writeFileAtomically } from "../output-folder.js";
import { RunLock } from "./run-lock.js";

/**
 * The files a run writes into its folder: what makes a folder hold a run.
 *
 * @example
 * ```ts
 * import { RUN_FILES } from "@ostl/cli";
 * console.log(RUN_FILES); // ["config.json", "metrics.json", "loss-curve.svg", "checkpoint.json"]
 * ```
 */
export const RUN_FILES = ["config.json", "metrics.json", "loss-curve.svg", "checkpoint.json"] as const;

/** How a previous run in the folder describes itself, from its metrics.json. */
function describeRun(folder: string): string {
  try {
    const metrics = JSON.parse(readFileSync(join(folder, "metrics.json"), "utf8")) as { status?: unknown; history?: unknown[] };
    const epochs = metrics.history?.length ?? 0;
    return `status '${String(metrics.status)}', ${epochs} epoch${epochs === 1 ? "" : "s"}`;
  } catch {
    return `its ${RUN_FILES.filter((f) => existsSync(join(folder, f))).join(", ")}`;
  }
}

/**
 * A run folder, claimed on construction: created if needed and locked against other runs. A
 * folder that already holds a run's files is refused unless `overwrite`, which deletes those
 * files (only {@link RUN_FILES}; anything else in the folder stays), or `resume`, which keeps
 * them for the run to go on with. `close()` releases the lock.
 *
 * @throws {@link UsageError} naming `--out` when the folder cannot be written, another live run
 *   holds it, or it holds a previous run and `overwrite` is not set.
 * @example
 * ```ts
 * import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { RunFolder } from "@ostl/cli";
 * const path = join(mkdtempSync(join(tmpdir(), "runs-")), "copy-rnn");
 * const run = new RunFolder(path);
 * const config = run.writeJson("config.json", { task: "copy" });
 * run.close();
 * console.log(readdirSync(run.path), JSON.parse(readFileSync(config, "utf8"))); // ["config.json"] { task: "copy" }
 * try {
 *   new RunFolder(path);
 * } catch (e) {
 *   console.log((e as Error).message.endsWith("holds a previous run (its config.json); pass --overwrite to replace it, or choose another --out")); // true
 * }
 * new RunFolder(path, { overwrite: true }).close();
 * console.log(readdirSync(path)); // []
 * ```
 */
export class RunFolder {
  private readonly lock: RunLock;

  constructor(
    readonly path: string,
    options: { readonly overwrite?: boolean; readonly resume?: boolean } = {},
  ) {
    checkOutputFolder("--out", path);
    mkdirSync(path, { recursive: true });
    this.lock = RunLock.acquire(path);
    if (options.resume === true) return;
    const previous = RUN_FILES.filter((f) => existsSync(join(path, f)));
    if (previous.length > 0 && options.overwrite !== true) {
      const description = describeRun(path);
      this.lock.release();
      throw new UsageError(`--out ${path}: the folder holds a previous run (${description}); pass --overwrite to replace it, or choose another --out`);
    }
    for (const f of previous) unlinkSync(join(path, f));
  }

  /** Writes `name` atomically: a temporary file beside it, renamed over it. */
  writeText(name: string, text: string): string {
    const target = join(this.path, name);
    writeFileAtomically(target, text);
    return target;
  }

  /** Writes `value` as indented JSON (atomically). */
  writeJson(name: string, value: unknown): string {
    return this.writeText(name, `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Releases the folder to other runs (idempotent). */
  close(): void {
    this.lock.release();
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
