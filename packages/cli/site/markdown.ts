/**
 * Markdown with LaTeX to HTML for the documentation site: `$$…$$` (display) and `$…$` (inline)
 * are rendered on the server with KaTeX, fenced code blocks are highlighted by shiki, the rest is
 * rendered by marked; links to `.md` pages become links to their `.html` pages. Code spans and
 * fenced blocks are left alone, so a `$` in a shell line is not math. The page's headings and
 * plain text (formulas and code blocks left out) come with it, for the search index.
 */
import katex from "katex";
import { Marked } from "marked";
import { highlightCode } from "./highlight.js";

/** A rendered page: its HTML, its first heading, and the formulas KaTeX could not render. */
export interface RenderedPage {
  readonly html: string;
  readonly title: string;
  readonly mathErrors: readonly string[];
  /** The text of every heading, in page order. */
  readonly headings: readonly string[];
  /** The page's prose as plain text, without its formulas and code blocks. */
  readonly text: string;
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
  renderer: {
    code: ({ text, lang }) => highlightCode(text, lang?.split(/\s/)[0] || undefined),
  },
});

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };

/** The text of an HTML fragment: tags dropped, marked's entities decoded, white space collapsed. */
function plainText(html: string): string {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!)
    .replace(/\s+/g, " ")
    .trim();
}

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
  const body = marked.parse(protectedText) as string;
  const html = body.replace(/<p>(KATEXDISPLAY\d+X)<\/p>/g, "$1").replace(PLACEHOLDER, (_, _kind: string, k: string) => rendered[Number(k)]!);
  const prose = body.replace(/<pre[\s\S]*?<\/pre>/g, " ").replace(PLACEHOLDER, " ");
  const headings = [...prose.matchAll(/<h([1-6])[^>]*>([\s\S]*?)<\/h[1-6]>/g)].map((m) => ({ level: m[1], text: plainText(m[2]!) }));
  const title = headings.find((h) => h.level === "1")?.text ?? "ostl";
  return { html, title, mathErrors, headings: headings.map((h) => h.text), text: plainText(prose) };
}
