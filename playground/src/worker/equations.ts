/**
 * The derived-gradient page of a cell, as `ostl derive` writes it (derived from the traced step
 * and checked against the engine first), rendered to HTML here: `$$…$$` and `$…$` by KaTeX, the
 * rest by marked. Raw HTML in the Markdown is shown as text, so names in a shared cell cannot
 * inject markup into the page.
 */
import katex from "katex";
import { Marked } from "marked";
import type { Cell } from "@ostl/ostl";
import { checkedCellPage } from "@ostl/ostl/derive";

/** Code spans and fenced blocks (left alone), display and inline math. */
const TOKENS = /```[\s\S]*?```|`[^`\n]*`|\$\$([\s\S]+?)\$\$|\$([^$\n]+?)\$/g;
const PLACEHOLDER = /KATEX(\d+)X/g;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const marked = new Marked({
  gfm: true,
  renderer: { html: ({ text }) => escapeHtml(text) },
});

/** Markdown with LaTeX as HTML. */
export function markdownToHtml(markdown: string): string {
  const math: string[] = [];
  const protectedText = markdown.replace(TOKENS, (whole, display: string | undefined, inline: string | undefined) => {
    if (display === undefined && inline === undefined) return whole;
    const isDisplay = display !== undefined;
    math.push(katex.renderToString((display ?? inline)!.trim(), { displayMode: isDisplay, throwOnError: false, output: "htmlAndMathml" }));
    const id = `KATEX${math.length - 1}X`;
    return isDisplay ? `\n\n${id}\n\n` : id;
  });
  const body = marked.parse(protectedText) as string;
  return body.replace(/<p>(KATEX\d+X)<\/p>/g, "$1").replace(PLACEHOLDER, (_, k: string) => math[Number(k)]!);
}

/** The cell's derived page as HTML. @throws what `checkedCellPage` throws (an op without a symbolic rule, a mismatch). */
export function equationsHtml(cell: Cell): string {
  return markdownToHtml(checkedCellPage(cell).markdown);
}
