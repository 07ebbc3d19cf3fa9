/**
 * Builds the documentation site into docs/site (`pnpm docs:build`, after `tsc -b`):
 *
 * 1. regenerates the derived-gradient pages of the built-in cells in docs/cells (a cell that fails
 *    is reported and the others are still written);
 * 2. the API reference of every package as Markdown, with typedoc and typedoc-plugin-markdown,
 *    into .cache/api-markdown;
 * 3. every page, the guides, the derived-gradient pages, the home page and the API reference
 *    alike: Markdown to HTML with the math rendered by KaTeX and the code highlighted by shiki on
 *    the server, in one template with one navigation; KaTeX's style sheet and fonts and the
 *    search box's scripts copied next to them;
 * 4. the search index over every page (search-index.js).
 *
 * Everything that can be built is built; the exit code is 1 when any step reported a problem.
 * Usage: build.ts [--skip-api] (--skip-api reuses the API Markdown of an earlier build)
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { writeCellPages } from "@ostl/cli";
import { writeApiMarkdown } from "./api.js";
import { renderMarkdown } from "./markdown.js";
import { apiPages, sitePages } from "./pages.js";
import { searchIndex, searchIndexScript } from "./search.js";
import { type Navigation, pageHtml, writeAssets } from "./template.js";

const root = join(import.meta.dirname, "..", "..", "..");
const docs = join(root, "docs");
const site = join(docs, "site");
const apiMarkdown = join(root, ".cache", "api-markdown");
const problems: string[] = [];

async function derivedPages(): Promise<void> {
  const { written, failures, checks } = await writeCellPages(join(docs, "cells"));
  console.log(`derived-gradient pages: ${written.length - 1} cells written to docs/cells`);
  for (const c of checks) console.log(`  ${c}`);
  for (const f of failures) problems.push(`derive ${f}`);
}

async function apiReference(): Promise<void> {
  const report = await writeApiMarkdown(join(root, "packages"), apiMarkdown);
  if (!report.converted) problems.push("typedoc could not convert the packages (run tsc -b first)");
  if (report.errors > 0) problems.push(`typedoc reported ${report.errors} errors`);
  console.log(`API reference: Markdown in .cache/api-markdown (${report.warnings} typedoc warnings)`);
}

function htmlPages(): void {
  const sources = [...sitePages(docs), ...apiPages(apiMarkdown)];
  const pages = sources.map((p) => ({ ...p, rendered: renderMarkdown(readFileSync(p.source, "utf8")) }));
  const link = (p: (typeof pages)[number], title = p.rendered.title) => ({ title, path: p.path });
  const nav: Navigation = {
    guides: pages.filter((p) => p.path.startsWith("guides/")).map((p) => link(p)),
    cells: pages.filter((p) => p.path.startsWith("cells/") && p.path !== "cells/index.html").map((p) => link(p, basename(p.path, ".html"))),
    packages: pages.filter((p) => /^api\/@ostl\/[^/]+\/index\.html$/.test(p.path)).map((p) => link(p)),
  };
  let formulas = 0;
  for (const p of pages) {
    const file = join(site, p.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, pageHtml(p.path, p.rendered.title, p.rendered.html, nav));
    formulas += (p.rendered.html.match(/class="katex"/g) ?? []).length;
    for (const e of p.rendered.mathErrors) problems.push(`${p.path}: KaTeX: ${e}`);
  }
  // the files the API pages link to that are not pages (examples typedoc copied from the READMEs)
  if (existsSync(apiMarkdown)) cpSync(apiMarkdown, join(site, "api"), { recursive: true, filter: (from) => !from.endsWith(".md") });
  const documents = pages.map((p) => ({ id: p.path, title: p.rendered.title, headings: p.rendered.headings.join(" · "), text: p.rendered.text }));
  writeFileSync(join(site, "search-index.js"), searchIndexScript(searchIndex(documents)));
  writeAssets(site);
  const api = pages.filter((p) => p.path.startsWith("api/")).length;
  console.log(`pages: ${pages.length}, ${api} of them the API reference (${formulas} formulas rendered by KaTeX, every page in the search index)`);
}

const skipApi = process.argv.includes("--skip-api") && existsSync(apiMarkdown);
mkdirSync(site, { recursive: true });
for (const entry of readdirSync(site)) rmSync(join(site, entry), { recursive: true, force: true });
await derivedPages();
if (!skipApi) await apiReference();
htmlPages();
if (problems.length > 0) {
  console.error(`docs:build finished with problems:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log("docs/site built: open docs/site/index.html, or check it with pnpm docs:check");
