/**
 * The pages of the documentation site: which Markdown file becomes which HTML page, in the order
 * the navigation lists them.
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, join, sep } from "node:path";
import { BUILT_IN_CELLS } from "@ostl/cli";
import { htmlHref } from "./markdown.js";

/** The guides in reading order (files in docs/guides). */
export const GUIDES = ["getting-started", "defining-a-cell", "adding-an-op", "choosing-an-algorithm", "comparison-report", "study-report"] as const;

/** One page of the site: its Markdown source and its path in the site. */
export interface SitePage {
  readonly source: string;
  readonly path: string;
}

/** Every page built from the Markdown under `docs`: home, guides, the derived-gradient index and pages. */
export function sitePages(docs: string): SitePage[] {
  const order = (c: string) => (BUILT_IN_CELLS.includes(c) ? BUILT_IN_CELLS.indexOf(c) : BUILT_IN_CELLS.length);
  const cells = readdirSync(join(docs, "cells"))
    .filter((f) => f.endsWith(".md") && f !== "README.md")
    .map((f) => basename(f, ".md"))
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  return [
    { source: join(docs, "index.md"), path: "index.html" },
    ...GUIDES.map((g) => ({ source: join(docs, "guides", `${g}.md`), path: `guides/${g}.html` })),
    { source: join(docs, "cells", "README.md"), path: "cells/index.html" },
    ...cells.map((c) => ({ source: join(docs, "cells", `${c}.md`), path: `cells/${c}.html` })),
  ];
}

/**
 * The API reference's pages: every Markdown file typedoc wrote under `apiMarkdown`, at the same
 * place under `api/` (`README.md` becomes `index.html`, as links to it do), sorted by path; none
 * where typedoc wrote nothing.
 */
export function apiPages(apiMarkdown: string): SitePage[] {
  if (!existsSync(apiMarkdown)) return [];
  return readdirSync(apiMarkdown, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".md"))
    .map((f) => ({ source: join(apiMarkdown, f), path: `api/${htmlHref(f.split(sep).join("/"))}` }))
    .sort((a, b) => a.path.localeCompare(b.path));
}
