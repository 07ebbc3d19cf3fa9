/**
 * The pages of the documentation site: which Markdown file becomes which HTML page, in the order
 * the navigation lists them.
 */
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { BUILT_IN_CELLS } from "@ostl/cli";

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
