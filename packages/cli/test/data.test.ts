import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "@ostl/cli";
import { captureOutput } from "./capture.js";


/** Serves `body` with `status` on a local port; returns the URL and the server. */
async function serve(status: number, body: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jsb.json`, server };
}

const CHORALES = JSON.stringify({ train: [[[60], [62]]], valid: [[[64], [65]]], test: [[[67], [69, 72]]] });

describe("ostl data fetch jsb", () => {
  const servers: Server[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    servers.splice(0).forEach((s) => s.close());
  });

  it("downloads, checks the format and writes the file into the cache folder", async () => {
    const { url, server } = await serve(200, CHORALES);
    servers.push(server);
    const cache = mkdtempSync(join(tmpdir(), "ostl-cache-"));
    const { err } = captureOutput();
    expect(await main(["data", "fetch", "jsb", "--cache", cache, "--url", url])).toBe(0);
    expect(readFileSync(join(cache, "jsb-chorales-quarter.json"), "utf8")).toBe(CHORALES);
    expect(err.join("")).toContain(`wrote ${join(cache, "jsb-chorales-quarter.json")}`);
  });

  it.each([
    ["an unreachable host", null, "fetch failed"],
    ["an HTTP error", [404, "gone"], "HTTP 404"],
    ["content that is not the data", [200, '{"train": 1}'], "not a JSB Chorales file"],
  ] as const)("fails with exit code 1 and names the URL for %s", async (_what, reply, reason) => {
    let url = "http://127.0.0.1:9/jsb.json";
    if (reply !== null) {
      const s = await serve(reply[0], reply[1]);
      servers.push(s.server);
      url = s.url;
    }
    const { err } = captureOutput();
    expect(await main(["data", "fetch", "jsb", "--cache", mkdtempSync(join(tmpdir(), "ostl-cache-")), "--url", url])).toBe(1);
    expect(err.join("")).toContain(`cannot download ${url}: `);
    expect(err.join("")).toContain(reason);
  });

  it("--cache under a file or in a folder that cannot be written: one line, exit 2, before downloading", async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end(CHORALES);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jsb.json`;
    const dir = mkdtempSync(join(tmpdir(), "ostl-cache-"));
    writeFileSync(join(dir, "notes.txt"), "mine");
    const cases = [
      [["--cache", join(dir, "notes.txt", "cache")], `ostl data: --cache ${join(dir, "notes.txt", "cache")}: ${join(dir, "notes.txt")} is a file, so no folder can be made under it\n`],
      [["--cache", "/proc/ostl-cache"], "ostl data: --cache /proc/ostl-cache: cannot create files in /proc (ENOENT)\n"],
    ] as const;
    for (const [flags, message] of cases) {
      const io = captureOutput();
      expect(await main(["data", "fetch", "jsb", ...flags, "--url", url])).toBe(2);
      expect(io.stderr()).toBe(message);
      vi.restoreAllMocks();
    }
    vi.stubEnv("OSTL_CACHE", join(dir, "notes.txt"));
    const io = captureOutput();
    expect(await main(["data", "fetch", "jsb", "--url", url])).toBe(2);
    expect(io.stderr()).toBe(`ostl data: cache folder ${join(dir, "notes.txt")}: it is a file, not a folder\n`);
    vi.unstubAllEnvs();
    expect(requests).toBe(0);
  });

  it("rejects an unknown action or data set with exit code 2", async () => {
    const { err } = captureOutput();
    expect(await main(["data", "fetch", "mnist"])).toBe(2);
    expect(await main(["data", "list"])).toBe(2);
    expect(err.join("")).toContain("unknown data set 'mnist' (known: jsb)");
    expect(err.join("")).toContain("unknown action 'list'");
  });
});
