/**
 * One derived-gradient page in a real browser: rendered like the site renders it, opened in
 * headless Chromium, its math must be there and free of KaTeX errors. Skipped, with a message,
 * where no Chromium is installed (`pnpm docs:check` checks the whole built site).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromiumPath, inspectPage } from "@ostl/cli";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../../test-support/examples.js";
import { renderMarkdown } from "../site/markdown.js";
import { pageHtml, writeAssets } from "../site/template.js";

const chromium = chromiumPath();
if (chromium === null) console.log("docs-browser: no Chromium found (apt-get install -y chromium, or set OSTL_CHROMIUM): browser check skipped");

describe.skipIf(chromium === null)("a cell page in headless Chromium", () => {
  it("shows its formulas, none of them a KaTeX error, with KaTeX's fonts and no console errors", async () => {
    const site = mkdtempSync(join(tmpdir(), "ostl-site-"));
    writeAssets(site);
    const page = renderMarkdown(readFileSync(join(repoRoot, "docs", "cells", "rsnu.md"), "utf8"));
    writeFileSync(join(site, "rsnu.html"), pageHtml("rsnu.html", page.title, page.html, { guides: [], cells: [], packages: [] }));
    const { errors, result } = await inspectPage(pathToFileURL(join(site, "rsnu.html")).href, () => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number }; fonts: { check(f: string): boolean } } }).document;
      return { katex: doc.querySelectorAll(".katex").length, failed: doc.querySelectorAll(".katex-error").length, fonts: doc.fonts.check("16px KaTeX_Main") };
    });
    expect(errors).toEqual([]);
    expect(result.katex).toBeGreaterThan(20);
    expect(result.failed).toBe(0);
    expect(result.fonts).toBe(true);
  }, 60_000);
});
