/**
 * The small HTML pieces the reports share.
 *
 * @module
 */

/**
 * Text made safe for HTML.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "@ostl/cli";
 * console.log(escapeHtml("a < b & 'c'")); // a &lt; b &amp; &#39;c&#39;
 * ```
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/**
 * A table of text cells (escaped), with a header row.
 *
 * @example
 * ```ts
 * import { htmlTable } from "@ostl/cli";
 * console.log(htmlTable(["a", "b"], [["1", "<2>"]])); // <table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>&lt;2&gt;</td></tr></tbody></table>
 * ```
 */
export function htmlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/**
 * A paragraph of the class given (`warning`, `note`), or nothing for `null`.
 *
 * @example
 * ```ts
 * import { htmlLine } from "@ostl/cli";
 * console.log(htmlLine("note", "not run: kfrtrl"), JSON.stringify(htmlLine("note", null))); // <p class="note">not run: kfrtrl</p> ""
 * ```
 */
export function htmlLine(kind: string, line: string | null): string {
  return line === null ? "" : `<p class="${kind}">${escapeHtml(line)}</p>`;
}
