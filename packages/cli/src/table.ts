/**
 * Formats rows as a plain-text table with aligned columns (numbers right-aligned).
 *
 * @example
 * ```ts
 * import { formatTable } from "@ostl/cli";
 * console.log(formatTable(["case", "error"], [["rnn", "1e-12"], ["lstm-L2", "3.5e-9"]]));
 * // case     error
 * // -------  ------
 * // rnn       1e-12
 * // lstm-L2  3.5e-9
 * ```
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+0-9.e]+x?$/i.test(r[i] ?? "")));
  const line = (cells: readonly string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
