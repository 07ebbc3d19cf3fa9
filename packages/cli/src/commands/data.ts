import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DataFileError, JSB_CHORALES_SOURCE, parseJsbChorales } from "@ostl/models";
import { parseFlags } from "../args.js";
import { type Command, UsageError } from "../command.js";
import { checkOutputFolder, writeFileAtomically } from "../output-folder.js";
import { cacheFolder } from "../training/jsb-data.js";

/**
 * A download that failed: the message names the URL.
 *
 * @example
 * ```ts
 * import { DownloadError } from "@ostl/cli";
 * const e = new DownloadError("https://example.org/x.json", "HTTP 404 Not Found");
 * console.log(e.message); // cannot download https://example.org/x.json: HTTP 404 Not Found
 * ```
 */
export class DownloadError extends Error {
  override name = "DownloadError";
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`cannot download ${url}: ${reason}`);
  }
}

/**
 * Downloads the JSB Chorales JSON into `folder` (atomically) after checking it: the SHA-256 of
 * the published file when it comes from the default URL, and the format in every case. Returns
 * the path written.
 *
 * @throws {@link DownloadError} naming the URL when the request fails or the content is wrong.
 * @example
 * ```ts
 * import { DownloadError, fetchJsbChorales } from "@ostl/cli";
 * import { createServer } from "node:http";
 * import { mkdtempSync, readFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * // a mirror on this machine, serving a tiny file in the JSB format
 * const tiny = JSON.stringify({ train: [[[60, 64], [62]]], valid: [[[60], [62]]], test: [[[72], [71]]] });
 * const server = createServer((req, res) => (req.url === "/jsb.json" ? res.end(tiny) : res.writeHead(404).end()));
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const mirror = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
 * const cache = mkdtempSync(join(tmpdir(), "cache-"));
 * const path = await fetchJsbChorales(cache, `${mirror}/jsb.json`);
 * console.log(path === join(cache, "jsb-chorales-quarter.json"), readFileSync(path, "utf8") === tiny); // true true
 * try {
 *   await fetchJsbChorales(cache, `${mirror}/missing.json`);
 * } catch (e) {
 *   console.log(e instanceof DownloadError, (e as Error).message.endsWith("HTTP 404 Not Found")); // true true
 * }
 * server.close();
 * ```
 */
export async function fetchJsbChorales(folder: string, url: string = JSB_CHORALES_SOURCE.url): Promise<string> {
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    if (!response.ok) throw new DownloadError(url, `HTTP ${response.status} ${response.statusText}`);
    text = await response.text();
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    const cause = (error as Error & { cause?: Error }).cause;
    throw new DownloadError(url, `${(error as Error).message}${cause ? ` (${cause.message})` : ""}`);
  }
  if (url === JSB_CHORALES_SOURCE.url) {
    const sha = createHash("sha256").update(text).digest("hex");
    if (sha !== JSB_CHORALES_SOURCE.sha256) throw new DownloadError(url, `the content's SHA-256 is ${sha}, expected ${JSB_CHORALES_SOURCE.sha256}`);
  }
  try {
    parseJsbChorales(text, url);
  } catch (error) {
    if (error instanceof DataFileError) throw new DownloadError(url, `not a JSB Chorales file: ${error.message}`);
    throw error;
  }
  mkdirSync(folder, { recursive: true });
  const target = join(folder, JSB_CHORALES_SOURCE.fileName);
  writeFileAtomically(target, text);
  return target;
}

const usage = `usage: ostl data fetch jsb [--cache DIR] [--url URL]

Downloads the JSB Chorales (quarter notes, JSON, the Boulanger-Lewandowski split) into the cache
folder, where 'ostl train --task jsb' finds it when neither --data nor OSTL_DATA is given.

  --cache DIR   cache folder (default $OSTL_CACHE, else $XDG_CACHE_HOME/ostl, else ~/.cache/ostl)
  --url URL     download from a mirror (default ${JSB_CHORALES_SOURCE.url};
                its SHA-256 is checked, the format is checked for any URL)

The data are third-party (Boulanger-Lewandowski et al., ICML 2012): they are not part of ostl.
Exit status: 0 written, 1 download failed, 2 bad arguments or a cache folder that cannot be
written (under a file, or not writable), checked before the download.`;

/**
 * `ostl data fetch jsb`: downloads the JSB Chorales into the cache folder.
 *
 * @example
 * ```ts
 * import { dataCommand } from "@ostl/cli";
 * import { createServer } from "node:http";
 * import { mkdtempSync, readFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * // a mirror on this machine, serving a tiny file in the JSB format
 * const tiny = JSON.stringify({ train: [[[60, 64], [62]]], valid: [[[60], [62]]], test: [[[72], [71]]] });
 * const server = createServer((req, res) => (req.url === "/jsb.json" ? res.end(tiny) : res.writeHead(404).end()));
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const mirror = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
 * const cache = mkdtempSync(join(tmpdir(), "cache-"));
 * // 0 written (the path goes to stderr), 1 download failed, 2 bad arguments (thrown as a UsageError)
 * console.log(await dataCommand.run(["fetch", "jsb", "--cache", cache, "--url", `${mirror}/jsb.json`])); // 0
 * console.log(await dataCommand.run(["fetch", "jsb", "--cache", cache, "--url", `${mirror}/gone.json`])); // 1
 * server.close();
 * ```
 */
export const dataCommand: Command = {
  name: "data",
  summary: "download data sets (ostl data fetch jsb)",
  usage,
  async run(argv) {
    const [action, name, ...rest] = argv;
    if (action !== "fetch") throw new UsageError(`unknown action '${action ?? ""}' (usage: ostl data fetch jsb)`);
    if (name !== "jsb") throw new UsageError(`unknown data set '${name ?? ""}' (known: jsb)`);
    const { values } = parseFlags("data", rest, { cache: { type: "string" }, url: { type: "string" } });
    const folder = values.cache ?? cacheFolder();
    checkOutputFolder(values.cache === undefined ? "cache folder" : "--cache", folder);
    try {
      const path = await fetchJsbChorales(folder, values.url);
      console.error(`ostl data: wrote ${path}`);
      return 0;
    } catch (error) {
      if (!(error instanceof DownloadError)) throw error;
      console.error(`ostl data: ${error.message}\nDownload it by other means and pass its path with --data PATH or OSTL_DATA=PATH.`);
      return 1;
    }
  },
};
