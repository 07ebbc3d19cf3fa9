/**
 * Builds the documentation site into docs/site (`pnpm docs:build`, after `tsc -b`):
 *
 * 1. regenerates the derived-gradient pages of the built-in cells in docs/cells (a cell that fails
 *    is reported and the others are still written);
 * 2. the API reference of every package with typedoc (`entryPointStrategy: "packages"`);
 * 3. the guides, the derived-gradient pages and the home page, Markdown to HTML with the math
 *    rendered by KaTeX on the server, KaTeX's style sheet and fonts copied next to them.
 *
 * Everything that can be built is built; the exit code is 1 when any step reported a problem.
 * Usage: build.ts [--skip-api] (--skip-api keeps the API reference of an earlier build)
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { writeCellPages } from "@ostl/cli";
import { Application } from "typedoc";
import { renderMarkdown } from "./markdown.js";
import { sitePages } from "./pages.js";
import { type Navigation, pageHtml, writeAssets } from "./template.js";

const root = join(import.meta.dirname, "..", "..", "..");
const docs = join(root, "docs");
const site = join(docs, "site");
const problems: string[] = [];

async function derivedPages(): Promise<void> {
  const { written, failures, checks } = await writeCellPages(join(docs, "cells"));
  console.log(`derived-gradient pages: ${written.length - 1} cells written to docs/cells`);
  for (const c of checks) console.log(`  ${c}`);
  for (const f of failures) problems.push(`derive ${f}`);
}

async function apiReference(): Promise<void> {
  const app = await Application.bootstrapWithPlugins({
    name: "ostl API reference",
    entryPoints: readdirSync(join(root, "packages")).map((p) => join(root, "packages", p)),
    entryPointStrategy: "packages",
    packageOptions: { entryPoints: ["src/index.ts"], disableSources: true, disableGit: true },
    out: join(site, "api"),
    disableSources: true,
    disableGit: true,
    navigationLinks: { Guides: "../index.html", "Derived gradients": "../cells/index.html" },
    logLevel: "Warn",
  });
  const project = await app.convert();
  if (project === undefined) {
    problems.push("typedoc could not convert the packages (run tsc -b first)");
    return;
  }
  await app.generateDocs(project, join(site, "api"));
  if (app.logger.hasErrors()) problems.push(`typedoc reported ${app.logger.errorCount} errors`);
  console.log(`API reference: docs/site/api (${app.logger.warningCount} typedoc warnings)`);
}

function htmlPages(): void {
  const pages = sitePages(docs).map((p) => ({ ...p, rendered: renderMarkdown(readFileSync(p.source, "utf8")) }));
  const nav: Navigation = {
    guides: pages.filter((p) => p.path.startsWith("guides/")).map((p) => ({ title: p.rendered.title, path: p.path })),
    cells: pages.filter((p) => p.path.startsWith("cells/") && p.path !== "cells/index.html").map((p) => ({ title: basename(p.path, ".html"), path: p.path })),
  };
  let formulas = 0;
  for (const p of pages) {
    const file = join(site, p.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, pageHtml(p.path, p.rendered.title, p.rendered.html, nav));
    formulas += (p.rendered.html.match(/class="katex"/g) ?? []).length;
    for (const e of p.rendered.mathErrors) problems.push(`${p.path}: KaTeX: ${e}`);
  }
  writeAssets(site);
  console.log(`pages: ${pages.length} (${formulas} formulas rendered by KaTeX)`);
}

const skipApi = process.argv.includes("--skip-api");
mkdirSync(site, { recursive: true });
for (const entry of readdirSync(site)) if (!(skipApi && entry === "api")) rmSync(join(site, entry), { recursive: true, force: true });
await derivedPages();
if (!skipApi) await apiReference();
htmlPages();
if (problems.length > 0) {
  console.error(`docs:build finished with problems:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log("docs/site built: open docs/site/index.html, or check it with pnpm docs:check");
