/**
 * The documentation site's sources: the code in the guides runs and prints what the guides say,
 * every page renders its math with KaTeX without an error, and every link between pages lands on
 * a page of the site. (The browser check of the built site is `pnpm docs:check`.)
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { inspect } from "node:util";
import { afterAll, describe, expect, it, vi } from "vitest";
import { expectations, mapImports, repoRoot, workspaceSources } from "../../../test-support/examples.js";
import { htmlHref, renderMarkdown } from "../site/markdown.js";
import { GUIDES, sitePages } from "../site/pages.js";

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
