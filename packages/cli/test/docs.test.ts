/**
 * The documentation site's sources: the code in the guides runs and prints what the guides say,
 * every page renders its math with KaTeX without an error, and every link between pages lands on
 * a page of the site; the pieces of the build: code highlighting, the search index, the API
 * reference's pages. (The browser check of the built site is `pnpm docs:check`.)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import { inspect } from "node:util";
import { runInNewContext } from "node:vm";
import MiniSearch, { type AsPlainObject, type Options } from "minisearch";
import { afterAll, describe, expect, it, vi } from "vitest";
import { expectations, mapImports, repoRoot, workspaceSources } from "../../../test-support/examples.js";
import { highlightCode } from "../site/highlight.js";
import { htmlHref, renderMarkdown } from "../site/markdown.js";
import { apiPages, GUIDES, sitePages } from "../site/pages.js";
import { SEARCH_GLOBAL, type SearchDocument, searchIndex, searchIndexScript } from "../site/search.js";

const docs = join(repoRoot, "docs");
const pages = sitePages(docs);
// run from @ostl/ostl's folder: the guide on symbolic rules imports mathjs, a dependency of that package
const scratch = join(repoRoot, "packages", "ostl", "node_modules", ".guides");

const blocks = GUIDES.flatMap((g) => {
  const text = readFileSync(join(docs, "guides", `${g}.md`), "utf8");
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m, k) => ({ where: `${g}.md block ${k + 1}`, code: m[1]! }));
});

describe("the guides' code runs and prints what the guides say", () => {
  mkdirSync(scratch, { recursive: true });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const sources = workspaceSources();
  const squash = (s: string) => s.replace(/[\s"']/g, "");

  it("finds code in every guide but the two report guides", () => {
    expect(new Set(blocks.map((b) => b.where.split(" ")[0]))).toEqual(new Set(GUIDES.filter((g) => g !== "comparison-report" && g !== "study-report").map((g) => `${g}.md`)));
  });

  it.each(blocks.map((b, i) => [b.where, b, i] as const))("%s", async (_, block, i) => {
    const file = join(scratch, `guide${i}.ts`);
    writeFileSync(file, mapImports(block.code, sources));
    const printed: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void printed.push(args.map((a) => (typeof a === "string" ? a : inspect(a, { depth: Infinity, breakLength: Infinity }))).join(" ")));
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      spy.mockRestore();
    }
    const wanted = expectations(block.code);
    expect(printed.length).toBe(wanted.length);
    wanted.forEach((w, k) => w !== null && expect(squash(printed[k]!)).toBe(squash(w)));
  }, 30_000);
});

describe("every page of the site renders", () => {
  const paths = new Set([...pages.map((p) => p.path), "api/index.html"]);

  it.each(pages.map((p) => [p.path, p] as const))("%s: math without KaTeX errors, links to pages of the site", (_, page) => {
    const markdown = readFileSync(page.source, "utf8");
    const rendered = renderMarkdown(markdown);
    expect(rendered.mathErrors).toEqual([]);
    if (markdown.includes("$")) expect(rendered.html).toContain('class="katex"');
    for (const [, href] of rendered.html.matchAll(/<a href="([^"]+)"/g)) {
      if (/^[a-z]+:/.test(href!) || href!.startsWith("#")) continue;
      const target = normalize(join(dirname(page.path), href!.replace(/#.*$/, "")));
      expect(paths, `${page.path} links to ${href}`).toContain(target);
    }
  });

  it("turns links to Markdown pages into links to their HTML pages", () => {
    expect([htmlHref("lstm.md"), htmlHref("../cells/README.md"), htmlHref("guide.md#rules"), htmlHref("https://x.org/a.md")]).toEqual(["lstm.html", "../cells/index.html", "guide.html#rules", "https://x.org/a.md"]);
  });

  it("reports a formula KaTeX cannot render, and still shows the rest", () => {
    const r = renderMarkdown("# T\n\nfine $x^2$, broken $\\frac{1}{$ and `$not math$`");
    expect(r.mathErrors).toHaveLength(1);
    expect(r.html).toContain("katex-error");
    expect(r.html).toContain("<code>$not math$</code>");
    expect(r.title).toBe("T");
  });

  it("highlights fenced code and gives the headings and the prose, without formulas and code, for the search", () => {
    const r = renderMarkdown("# The `Cell` & its step\n\n## Traces $e^t$\n\nEligibility traces $e^t = x$ and `defineCell`.\n\n```ts\nconst hidden = 1;\n```\n");
    expect(r.html).toContain('<pre class="shiki github-light"');
    expect(r.html).toContain('class="katex"');
    expect(r.title).toBe("The Cell & its step");
    expect(r.headings).toEqual(["The Cell & its step", "Traces"]);
    expect(r.text).toBe("The Cell & its step Traces Eligibility traces and defineCell .");
  });
});

describe("code highlighting", () => {
  const colours = (html: string) => new Set([...html.matchAll(/<span style="color:(#[0-9A-Fa-f]{6})/g)].map((m) => m[1]!.toLowerCase()));

  it("colours TypeScript's keywords, names, strings and comments apart", () => {
    const html = highlightCode('import { zeros } from "@ostl/core"; // arrays\nconst x = zeros([2]);\n', "ts");
    expect(html).toMatch(/^<pre class="shiki github-light"/);
    expect(colours(html).size).toBeGreaterThanOrEqual(4);
    expect(html.match(/<span class="line">/g)).toHaveLength(2);
  });

  it("shows a block in an unknown language, or none, escaped and in one colour", () => {
    for (const lang of ["text", undefined]) {
      const html = highlightCode("a < b && c", lang);
      expect(html).toContain("a &#x3C; b &#x26;&#x26; c");
      expect(colours(html).size).toBe(0);
    }
  });
});

describe("the search index", () => {
  const documents: SearchDocument[] = [
    { id: "guides/choosing-an-algorithm.html", title: "Choosing an algorithm", headings: "Exactness · Eligibility traces", text: "OSTL keeps traces per layer." },
    { id: "api/@ostl/ostl/index/functions/defineCell.html", title: "Function: defineCell()", headings: "Parameters · Returns", text: "Checks a cell definition." },
    { id: "cells/lstm.html", title: "Derived gradients: lstm", headings: "Temporal Jacobian", text: "The cell is dense; its traces are dense." },
  ];
  const loaded = () => {
    const sandbox: Record<string, { options: Options<SearchDocument>; index: AsPlainObject }> = {};
    runInNewContext(searchIndexScript(searchIndex(documents)), { globalThis: sandbox });
    const { options, index } = sandbox[SEARCH_GLOBAL]!;
    return MiniSearch.loadJS(index, options);
  };

  it("is a script that sets the index and its options, which load back as the search box loads them", () => {
    expect(loaded().documentCount).toBe(3);
  });

  it("ranks a heading match first, finds a name by its prefix, and stores each page's title", () => {
    const index = loaded();
    expect(index.search("eligibility").map((h) => h.id)).toEqual(["guides/choosing-an-algorithm.html"]);
    expect(index.search("traces")[0]!.id).toBe("guides/choosing-an-algorithm.html");
    const [hit] = index.search("definecel");
    expect([hit!.id, hit!.title]).toEqual(["api/@ostl/ostl/index/functions/defineCell.html", "Function: defineCell()"]);
  });
});

describe("the API reference's pages", () => {
  it("are typedoc's Markdown files at the same place under api/, READMEs as index pages", () => {
    const out = mkdtempSync(join(tmpdir(), "api-markdown-"));
    for (const file of ["README.md", "@ostl/core/README.md", "@ostl/core/functions/zeros.md", "_media/cell.ts"]) {
      mkdirSync(dirname(join(out, file)), { recursive: true });
      writeFileSync(join(out, file), "# page\n");
    }
    expect(apiPages(out)).toEqual([
      { source: join(out, "@ostl/core/functions/zeros.md"), path: "api/@ostl/core/functions/zeros.html" },
      { source: join(out, "@ostl/core/README.md"), path: "api/@ostl/core/index.html" },
      { source: join(out, "README.md"), path: "api/index.html" },
    ]);
    rmSync(out, { recursive: true });
    expect(apiPages(out)).toEqual([]);
  });
});

describe("the choosing-an-algorithm guide", () => {
  it("names every registered algorithm along its registry axes, row for row", async () => {
    const { ALGORITHM_NAMES, algorithms } = await import("@ostl/ostl");
    const text = readFileSync(join(docs, "guides", "choosing-an-algorithm.md"), "utf8");
    for (const name of ALGORITHM_NAMES) {
      const { traces, signal, feedback } = algorithms[name].axes;
      expect(text, name).toContain(`| \`${name}\` | ${traces} | ${signal} | ${feedback} |`);
    }
  });
});
