/**
 * Building HTML by hand: an element with attributes and children. Strings become text nodes, so
 * names from a cell can never become markup.
 */
export function el(tag: string, attributes: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, v);
  element.append(...children);
  return element;
}

/** A table with a header row and body rows of text or nodes. */
export function table(caption: string, head: readonly string[], rows: readonly (readonly (Node | string)[])[]): HTMLElement {
  return el(
    "table",
    {},
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows.map((row) => el("tr", {}, ...row.map((c, i) => (i === 0 ? el("th", { scope: "row" }, c) : el("td", {}, c)))))),
  );
}
