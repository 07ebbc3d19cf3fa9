/**
 * The HTML shell of every page of the documentation site (search box, navigation, KaTeX's style
 * sheet, the site's own), the style sheet itself, and the files every page loads.
 */
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** A link of the side navigation. */
export interface NavLink {
  readonly title: string;
  /** Path from the site root, e.g. `guides/getting-started.html`. */
  readonly path: string;
}

/** The side navigation: guides, derived-gradient pages, the API reference of each package. */
export interface Navigation {
  readonly guides: readonly NavLink[];
  readonly cells: readonly NavLink[];
  readonly packages: readonly NavLink[];
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** `../` repeated to climb from `path` (relative to the site root) back to the root. */
export function rootOf(path: string): string {
  return "../".repeat(path.split("/").length - 1);
}

/** A complete page at `path` (relative to the site root) around rendered content. */
export function pageHtml(path: string, title: string, content: string, nav: Navigation): string {
  const root = rootOf(path);
  const link = (l: NavLink) => `<li><a href="${root}${l.path}"${l.path === path ? ' aria-current="page"' : ""}>${escapeHtml(l.title)}</a></li>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ostl</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${root}katex/katex.min.css">
<link rel="stylesheet" href="${root}style.css">
</head>
<body>
<nav class="side">
<p class="brand"><a href="${root}index.html">ostl</a></p>
<form role="search">
<input type="search" id="search" name="q" placeholder="Search the docs" aria-label="Search the documentation" autocomplete="off" data-root="${root}">
<ol id="search-results" hidden></ol>
</form>
<p>Guides</p>
<ul>${nav.guides.map(link).join("")}</ul>
<p><a href="${root}cells/index.html">Derived gradients</a></p>
<ul>${nav.cells.map(link).join("")}</ul>
<p><a href="${root}api/index.html">API reference</a></p>
<ul>${nav.packages.map(link).join("")}</ul>
</nav>
<main>
${content}
</main>
<script src="${root}search-box.js"></script>
</body>
</html>
`;
}

/** The site's style sheet. */
export const STYLE = `:root { --fg: #1d1f23; --muted: #5b6270; --line: #dde1e6; --accent: #2456a6; --code: #f5f6f8; }
* { box-sizing: border-box; }
body { margin: 0; display: flex; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
nav.side { flex: 0 0 15rem; padding: 1.5rem 1rem; border-right: 1px solid var(--line); min-height: 100vh; font-size: 0.92rem; }
nav.side p { margin: 1rem 0 0.3rem; font-weight: 600; color: var(--muted); }
nav.side .brand { margin-top: 0; font-size: 1.3rem; }
nav.side ul { list-style: none; margin: 0; padding: 0 0 0 0.5rem; }
nav.side a { color: var(--accent); text-decoration: none; }
nav.side a[aria-current] { font-weight: 700; color: var(--fg); }
main { flex: 1; min-width: 0; max-width: 62rem; padding: 1.5rem 2.5rem 4rem; }
h1, h2, h3 { line-height: 1.25; }
h2 { margin-top: 2.2rem; padding-bottom: 0.2rem; border-bottom: 1px solid var(--line); }
a { color: var(--accent); }
code { background: var(--code); padding: 0.1rem 0.3rem; border-radius: 3px; font-size: 0.88em; }
pre { background: var(--code); padding: 0.8rem 1rem; border-radius: 4px; overflow-x: auto; font-size: 0.86rem; line-height: 1.45; }
pre.shiki { border: 1px solid var(--line); }
pre code { background: none; padding: 0; }
form[role="search"] { margin: 0.8rem 0 0; }
#search { width: 100%; padding: 0.35rem 0.5rem; font: inherit; border: 1px solid var(--line); border-radius: 4px; }
#search-results { margin: 0.4rem 0 0; padding: 0.3rem 0.5rem; list-style: none; border: 1px solid var(--line); border-radius: 4px; max-height: 60vh; overflow-y: auto; }
#search-results li { padding: 0.25rem 0; border-bottom: 1px solid var(--line); }
#search-results li:last-child { border-bottom: none; }
#search-results a { display: block; }
#search-results .path { display: block; font-size: 0.78rem; color: var(--muted); overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 0.8rem 0 1.2rem; font-size: 0.92rem; }
th, td { border: 1px solid var(--line); padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: var(--code); }
.katex-display { overflow-x: auto; overflow-y: hidden; padding: 0.2rem 0; }
blockquote { margin: 0; padding: 0 1rem; border-left: 3px solid var(--line); color: var(--muted); }
`;

/**
 * Writes what every page loads into the site folder: KaTeX's style sheet and fonts,
 * {@link STYLE}, the search box's script and the minisearch build it loads (the index itself is
 * written with the pages).
 */
export function writeAssets(site: string): void {
  const require = createRequire(import.meta.url);
  const katexDist = dirname(require.resolve("katex/dist/katex.min.css"));
  mkdirSync(join(site, "katex"), { recursive: true });
  cpSync(join(katexDist, "katex.min.css"), join(site, "katex", "katex.min.css"));
  cpSync(join(katexDist, "fonts"), join(site, "katex", "fonts"), { recursive: true });
  writeFileSync(join(site, "style.css"), STYLE);
  cpSync(join(import.meta.dirname, "search-box.js"), join(site, "search-box.js"));
  // the browser build, which sets globalThis.MiniSearch (the package's entry points are modules)
  cpSync(join(dirname(require.resolve("minisearch")), "..", "umd", "index.js"), join(site, "minisearch.js"));
}
