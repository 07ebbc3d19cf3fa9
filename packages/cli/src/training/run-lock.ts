/**
 * The lock of a run folder: `.ostl-train.lock`, holding the owner's pid, host name and start
 * time, so that two `ostl train` runs never write into one folder at once. A lock left by a run
 * that died (its pid no longer exists on this host) is taken over.
 *
 * @module
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { UsageError } from "../command.js";

/**
 * The lock file's name inside a run folder.
 *
 * @example
 * ```ts
 * import { RUN_LOCK_FILE } from "@ostl/cli";
 * console.log(RUN_LOCK_FILE); // .ostl-train.lock
 * ```
 */
export const RUN_LOCK_FILE = ".ostl-train.lock";

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, "utf8")) as Partial<LockOwner>;
    return typeof owner.pid === "number" && typeof owner.host === "string" ? { pid: owner.pid, host: owner.host, started: String(owner.started) } : null;
  } catch {
    return null;
  }
}

/** Whether process `pid` exists on this machine (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

const sameOwner = (a: LockOwner | null, b: LockOwner | null) => a !== null && b !== null && a.pid === b.pid && a.host === b.host && a.started === b.started;

/**
 * The lock this process holds on a run folder. {@link RunLock.acquire} takes it; `release`
 * removes the lock file if it is still this process's own.
 *
 * @example
 * ```ts
 * import { mkdtempSync, readdirSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { RunLock, RUN_LOCK_FILE } from "@ostl/cli";
 * const folder = mkdtempSync(join(tmpdir(), "run-"));
 * const lock = RunLock.acquire(folder);
 * try {
 *   RunLock.acquire(folder); // a second taker, e.g. another run
 * } catch (e) {
 *   console.log((e as Error).message.startsWith(`--out ${folder}: another run is writing to this folder (pid ${process.pid}`)); // true
 * }
 * console.log(readdirSync(folder)); // [".ostl-train.lock"]
 * lock.release();
 * console.log(readdirSync(folder), RUN_LOCK_FILE); // [] .ostl-train.lock
 * ```
 */
export class RunLock {
  private constructor(
    private readonly path: string,
    private readonly owner: LockOwner,
  ) {}

  /**
   * Takes the lock of `folder` (which must exist). The lock file appears with its content in one
   * step (a hard link of a complete temporary file), so a reader never sees it empty. A stale
   * lock is moved aside and, only if it is still the stale one, deleted, then the lock is taken.
   *
   * @throws {@link UsageError} when a live run (or a run on another host) holds the folder,
   *   naming its pid, host and start time and the lock file to delete if that run is gone.
   */
  static acquire(folder: string): RunLock {
    const path = join(folder, RUN_LOCK_FILE);
    const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(owner)}\n`);
    try {
      for (;;) {
        try {
          linkSync(temporary, path);
          return new RunLock(path, owner);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        }
        const holder = readOwner(path);
        const stale = holder !== null && holder.host === owner.host && !alive(holder.pid);
        if (!stale) {
          const who = holder === null ? "its owner is unreadable" : `pid ${holder.pid} on ${holder.host}, started ${holder.started}`;
          throw new UsageError(`--out ${folder}: another run is writing to this folder (${who}); wait for it, choose another --out, or delete ${path} if that run is gone`);
        }
        const aside = `${path}.stale.${process.pid}`;
        try {
          renameSync(path, aside);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOENT") continue; // another run moved it first
          throw error;
        }
        // between reading and moving, another run may have replaced the stale lock with its live one: put that back
        if (!sameOwner(readOwner(aside), holder)) {
          try {
            linkSync(aside, path);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
          }
        }
        unlinkSync(aside);
      }
    } finally {
      unlinkSync(temporary);
    }
  }

  /** Removes the lock file if it is still this process's own (idempotent). */
  release(): void {
    if (sameOwner(readOwner(this.path), this.owner)) unlinkSync(this.path);
  }
}
