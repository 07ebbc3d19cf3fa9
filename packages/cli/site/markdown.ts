/**
 * Markdown with LaTeX to HTML for the documentation site: `$$…$$` (display) and `$…$` (inline)
 * are rendered on the server with KaTeX, the rest by marked; links to `.md` pages become links
 * to their `.html` pages. Code spans and fenced blocks are left alone, so a `$` in a shell line
 * is not math.
 */
import katex from "katex";
import { Marked } from "marked";

/** A rendered page: its HTML, its first heading, and the formulas KaTeX could not render. */
export interface RenderedPage {
  readonly html: string;
  readonly title: string;
  readonly mathErrors: readonly string[];
}

const TOKENS = /```[\s\S]*?```|`[^`\n]*`|\$\$([\s\S]+?)\$\$|\$([^$\n]+?)\$/g;
const PLACEHOLDER = /KATEX(DISPLAY|INLINE)(\d+)X/g;

/** `page.md` → `page.html`, `README.md` → `index.html`, anchors kept; other links unchanged. */
export function htmlHref(href: string): string {
  const m = /^([^#?:]*?)(README)?\.md(#.*)?$/.exec(href);
  if (m === null || /^[a-z]+:/i.test(href)) return href;
  return `${m[1]}${m[2] ? "index" : ""}.html${m[3] ?? ""}`;
}

const marked = new Marked({
  gfm: true,
  walkTokens(token) {
    if (token.type === "link") token.href = htmlHref(token.href);
  },
});

/**
 * Renders one Markdown page. Formulas that fail are rendered as KaTeX's red error text (so a
 * browser check sees them too) and listed in `mathErrors`.
 */
export function renderMarkdown(markdown: string): RenderedPage {
  const math: { tex: string; display: boolean }[] = [];
  const protectedText = markdown.replace(TOKENS, (whole, display: string | undefined, inline: string | undefined) => {
    if (display === undefined && inline === undefined) return whole;
    math.push({ tex: (display ?? inline)!.trim(), display: display !== undefined });
    const id = `KATEX${display !== undefined ? "DISPLAY" : "INLINE"}${math.length - 1}X`;
    return display !== undefined ? `\n\n${id}\n\n` : id;
  });
  const mathErrors: string[] = [];
  const rendered = math.map(({ tex, display }) => {
    try {
      return katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "error" });
    } catch (error) {
      mathErrors.push(`${(error as Error).message} in: ${tex.slice(0, 80)}`);
      return katex.renderToString(tex, { displayMode: display, throwOnError: false });
    }
  });
  const body = (marked.parse(protectedText) as string)
    .replace(/<p>(KATEXDISPLAY\d+X)<\/p>/g, "$1")
    .replace(PLACEHOLDER, (_, _kind: string, k: string) => rendered[Number(k)]!);
  const heading = /^#\s+(.+)$/m.exec(markdown)?.[1] ?? "ostl";
  return { html: body, title: heading.replace(/`/g, ""), mathErrors };
}
