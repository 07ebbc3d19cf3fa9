/**
 * Building SVG by hand for the page's small charts: an element with attributes, and a chart's
 * frame with a title read by screen readers. Every chart has a viewBox and scales to its
 * container's width.
 */
const NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes and children (strings become text). */
export function svg(tag: string, attributes: Record<string, string | number> = {}, ...children: (SVGElement | string)[]): SVGElement {
  const element = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, String(v));
  for (const child of children) element.append(child);
  return element;
}

/** An empty chart `width` × `height` (user units), labelled for assistive technology. */
export function chartFrame(width: number, height: number, label: string): SVGElement {
  return svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, class: "chart" }, svg("title", {}, label));
}

/** A linear map from [d0, d1] to [r0, r1]. */
export const scale = (d0: number, d1: number, r0: number, r1: number) => (v: number) => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0));

/** A number as an axis label: at most 3 significant digits. */
export const tick = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(0) : String(Number(v.toPrecision(3))));
