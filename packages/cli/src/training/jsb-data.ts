/**
 * Where the JSB Chorales file is found: `--data PATH`, else the `OSTL_DATA` environment
 * variable, else the cache folder that `ostl data fetch jsb` fills. The data are third-party and
 * never part of the repository.
 *
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { DataFileError, type Dataset, JSB_CHORALES_SOURCE, jsbDataset, parseJsbChorales } from "@ostl/models";
import { UsageError } from "../command.js";

/**
 * The cache folder of downloaded data: `$OSTL_CACHE`, else `$XDG_CACHE_HOME/ostl`, else
 * `~/.cache/ostl`.
 *
 * @example
 * ```ts
 * import { cacheFolder } from "@ostl/cli";
 * console.log(cacheFolder({ OSTL_CACHE: "/tmp/ostl-cache" })); // /tmp/ostl-cache
 * ```
 */
export function cacheFolder(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OSTL_CACHE) return env.OSTL_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "ostl");
}

/**
 * The JSB Chorales file to read and where its path came from. A folder stands for the file
 * `jsb-chorales-quarter.json` inside it.
 *
 * @throws {@link UsageError} when no source gives a path, listing the three ways to give one.
 * @example
 * ```ts
 * import { jsbDataPath } from "@ostl/cli";
 * console.log(jsbDataPath("/data/jsb.json", {})); // { path: "/data/jsb.json", from: "--data" }
 * ```
 */
export function jsbDataPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { path: string; from: string } {
  const inFolder = (p: string) => (isFolder(p) ? join(p, JSB_CHORALES_SOURCE.fileName) : p);
  if (flag !== undefined) return { path: inFolder(flag), from: "--data" };
  if (env.OSTL_DATA) return { path: inFolder(env.OSTL_DATA), from: "OSTL_DATA" };
  const cached = join(cacheFolder(env), JSB_CHORALES_SOURCE.fileName);
  if (isFile(cached)) return { path: cached, from: "the cache" };
  throw new UsageError(
    `no JSB Chorales data: pass --data PATH, set OSTL_DATA=PATH, or run 'ostl data fetch jsb' (downloads ${JSB_CHORALES_SOURCE.url} into ${cached})`,
  );
}

function isFolder(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function isFile(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
}

/**
 * Reads and validates the JSB Chorales file at `path` (see {@link jsbDataPath}).
 *
 * @throws {@link UsageError} naming the file (and where its path came from) when it cannot be
 *   read, and the file and the field when it is malformed.
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { readJsbDataset, UsageError } from "@ostl/cli";
 * const path = join(mkdtempSync(join(tmpdir(), "jsb-")), "jsb.json");
 * writeFileSync(path, JSON.stringify({ train: [[[60, 64], [62], [60]]], valid: [[[60], [62]]], test: [[[72], [71]]] }));
 * const data = readJsbDataset({ path, from: "--data" });
 * console.log(data.inputSize, data.train[0]!.inputs.length); // 88 2
 * try {
 *   readJsbDataset({ path: `${path}.missing`, from: "OSTL_DATA" });
 * } catch (e) {
 *   console.log(e instanceof UsageError, (e as Error).message.includes("(from OSTL_DATA)")); // true true
 * }
 * ```
 */
export function readJsbDataset(source: { path: string; from: string }): Dataset {
  let text: string;
  try {
    text = readFileSync(source.path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read the JSB Chorales file ${source.path} (from ${source.from}): ${(error as Error).message}`);
  }
  try {
    return jsbDataset(parseJsbChorales(text, source.path));
  } catch (error) {
    if (error instanceof DataFileError) throw new UsageError(error.message);
    throw error;
  }
}
