/**
 * Syntax highlighting of the documentation's code blocks at build time, with shiki: each block
 * becomes a `<pre class="shiki">` whose tokens carry their colours as inline styles, so a page
 * needs no script and no style sheet of shiki's to show them.
 */
import { createHighlighter } from "shiki";

/** The colour theme: GitHub's light theme, dark tokens on white. */
export const CODE_THEME = "github-light";

const highlighter = await createHighlighter({ themes: [CODE_THEME], langs: ["typescript", "javascript", "shellscript", "json"] });

/**
 * One code block as highlighted HTML. `lang` is the fence's language (`ts`, `sh`, `json`, …); a
 * block without one, or in a language not loaded here (`text`), is shown in the theme's plain
 * colour, escaped.
 */
export function highlightCode(code: string, lang: string | undefined): string {
  const known = lang !== undefined && highlighter.getLoadedLanguages().includes(lang);
  return highlighter.codeToHtml(code.replace(/\n$/, ""), { lang: known ? lang : "text", theme: CODE_THEME });
}
