/**
 * The library packages (@ostl/core, @ostl/autodiff, @ostl/ostl, @ostl/models) in a browser.
 * Vite bundles them for the browser from their TypeScript sources (the "source" export condition,
 * as the tests import them, so no build has to come first and a stale `dist` cannot hide an
 * import), their dependencies through the "browser" condition and field. Any module that reaches
 * a Node builtin fails the bundle check, named with the chain of modules importing it, unless its
 * package's "browser" field leaves that builtin out (as seedrandom, under mathjs, does with Node's
 * crypto, using the browser's own in its place). Then a page running a gradient check, OSTL
 * against BPTT on one layer and a derivation with mathjs is opened in headless Chromium; that part
 * is skipped, with a message, where no Chromium is installed.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { chromiumPath, inspectPage } from "@ostl/cli";
import { build, defaultClientConditions, type Plugin, type Rolldown } from "vite";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../../test-support/examples.js";
import type { BrowserLibraryResults } from "./browser-library-page.js";

const LIBRARY_PACKAGES = ["core", "autodiff", "ostl", "models"];

/** Every public entry point of the library packages, as its package.json "exports" lists them. */
function libraryEntryPoints(): string[] {
  return LIBRARY_PACKAGES.flatMap((folder) => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, "packages", folder, "package.json"), "utf8")) as { name: string; exports: Record<string, unknown> };
    return Object.keys(manifest.exports).map((subpath) => manifest.name + subpath.slice(1));
  });
}

/** A module's path for a message: from the repository root, or from its package for a dependency. */
const shortPath = (id: string) => relative(repoRoot, id).replace(/^.*node_modules\//, "");

/** Whether the package holding `importer` declares `source` unused in browsers: `"browser": { [source]: false }`. */
function leftOutForBrowsers(source: string, importer: string): boolean {
  for (let folder = dirname(importer); folder !== dirname(folder); folder = dirname(folder)) {
    const manifest = join(folder, "package.json");
    if (!existsSync(manifest)) continue;
    const { browser } = JSON.parse(readFileSync(manifest, "utf8")) as { browser?: unknown };
    return typeof browser === "object" && browser !== null && (browser as Record<string, unknown>)[source] === false;
  }
  return false;
}

/**
 * Collects every import that Vite resolves to its empty browser stand-in (what a Node builtin
 * becomes in a browser bundle) as "builtin ← importer ← its importer ← ... ← entry", except the
 * ones the importing package leaves out for browsers itself.
 */
function nodeImportCollector(found: string[]): Plugin {
  const importerOf = new Map<string, string>();
  return {
    name: "node-import-collector",
    enforce: "pre",
    async resolveId(source, importer, options) {
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (resolved === null || importer === undefined) return resolved;
      if (!importerOf.has(resolved.id)) importerOf.set(resolved.id, importer);
      if (resolved.id.startsWith("__vite-browser-external") && !leftOutForBrowsers(source, importer)) {
        const chain = [source];
        for (let at: string | undefined = importer; at !== undefined && !chain.includes(shortPath(at)); at = importerOf.get(at)) chain.push(shortPath(at));
        found.push(chain.join(" ← "));
      }
      return resolved;
    },
  };
}

/** Bundles `input` (output name → module) for the browser into `outDir`; returns the bytes written and the Node imports found. */
async function bundleForBrowser(input: Record<string, string>, format: "es" | "iife", outDir: string): Promise<{ bytes: number; nodeImports: string[] }> {
  const nodeImports: string[] = [];
  const output = (await build({
    root: repoRoot,
    configFile: false,
    logLevel: "error",
    resolve: { conditions: ["source", ...defaultClientConditions] },
    plugins: [nodeImportCollector(nodeImports)],
    build: {
      outDir,
      copyPublicDir: false,
      rolldownOptions: { input, preserveEntrySignatures: "strict", output: { format, entryFileNames: "[name].js" } },
    },
  })) as Rolldown.RolldownOutput;
  const bytes = output.output.reduce((total, file) => total + (file.type === "chunk" ? file.code.length : 0), 0);
  return { bytes, nodeImports };
}

describe("the library packages in a browser bundle", () => {
  it("bundle every public entry point without a Node builtin anywhere among their imports", async () => {
    const entryPoints = libraryEntryPoints();
    expect(entryPoints).toEqual(expect.arrayContaining(["@ostl/autodiff/testing", "@ostl/ostl/derive"]));
    const input = Object.fromEntries(entryPoints.map((specifier) => [specifier.replace("@ostl/", "").replace("/", "-"), specifier]));
    const { bytes, nodeImports } = await bundleForBrowser(input, "es", mkdtempSync(join(tmpdir(), "ostl-library-bundle-")));
    expect(nodeImports, "imports of Node builtins (builtin ← importing module ← ... ← entry point)").toEqual([]);
    expect(bytes).toBeGreaterThan(100_000);
  }, 60_000);
});

const chromium = chromiumPath();
if (chromium === null) console.log("browser-library: no Chromium found (apt-get install -y chromium, or set OSTL_CHROMIUM): browser check skipped");

describe.skipIf(chromium === null)("the library packages in headless Chromium", () => {
  it("pass a gradient check, give OSTL's gradients equal to BPTT's on one layer and derive a cell's Jacobians", async () => {
    const folder = mkdtempSync(join(tmpdir(), "ostl-browser-library-"));
    const { nodeImports } = await bundleForBrowser({ page: join(import.meta.dirname, "browser-library-page.ts") }, "iife", folder);
    expect(nodeImports).toEqual([]);
    writeFileSync(join(folder, "index.html"), '<!doctype html><meta charset="utf-8"><title>ostl</title><script src="page.js"></script>');
    const { errors, result } = await inspectPage(pathToFileURL(join(folder, "index.html")).href, () => ({
      userAgent: (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent,
      results: (globalThis as { results?: BrowserLibraryResults }).results,
    }));
    expect(errors).toEqual([]);
    expect(result.userAgent).toContain("HeadlessChrome");
    const { gradientChecks, ostlAgainstBptt, derivation } = result.results!;
    expect(gradientChecks.map((c) => c.op)).toEqual(["tanh", "sigmoid", "exp", "div", "logSumExp", "matmul"]);
    expect(gradientChecks.filter((c) => c.failure !== null)).toEqual([]);
    expect(ostlAgainstBptt.map((r) => r.cell)).toEqual(["snu", "lstm"]);
    for (const { cell, entries, maxRelativeDifference } of ostlAgainstBptt) {
      expect(entries, cell).toBeGreaterThan(30);
      expect(maxRelativeDifference, cell).toBeLessThanOrEqual(1e-9);
    }
    expect(derivation.cell).toBe("snu");
    expect(derivation.blocks).toBeGreaterThan(0);
    expect(derivation.maxError).toBeLessThan(1e-12);
  }, 60_000);
});
