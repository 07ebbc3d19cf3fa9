/**
 * Lines over a shared x axis (the loss curves of Train): each series a polyline with its points
 * marked, the y axis from the smallest to the largest value shown.
 */
import { chartFrame, scale, svg, tick } from "./svg.js";

/** A named series of (x, y) points. */
export interface LineSeries {
  readonly name: string;
  readonly colour: string;
  readonly points: readonly (readonly [number, number])[];
}

/** A line chart of `series`, with axis labels. */
export function lineChart(title: string, xLabel: string, series: readonly LineSeries[]): SVGElement {
  const [width, height, left, bottom] = [420, 200, 46, 30];
  const points = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  const xs = points.map(([px]) => px);
  const ys = points.map(([, py]) => py);
  const x = scale(Math.min(0, ...xs), Math.max(1, ...xs), left, width - 10);
  const [y0, y1] = ys.length === 0 ? [0, 1] : [Math.min(...ys), Math.max(...ys)];
  const y = scale(y0, y1, height - bottom, 20);
  const frame = chartFrame(width, height, title);
  frame.append(svg("text", { x: left, y: 12, class: "chart-title" }, title));
  for (const t of [y0, (y0 + y1) / 2, y1]) {
    frame.append(svg("line", { x1: left, x2: width - 10, y1: y(t), y2: y(t), class: "grid" }));
    frame.append(svg("text", { x: left - 4, y: y(t), "text-anchor": "end", "dominant-baseline": "middle", class: "axis" }, tick(t)));
  }
  frame.append(svg("text", { x: (left + width) / 2, y: height - 4, "text-anchor": "middle", class: "axis" }, xLabel));
  for (const s of series) {
    const shown = s.points.filter(([, py]) => Number.isFinite(py));
    frame.append(svg("polyline", { points: shown.map(([px, py]) => `${x(px)},${y(py)}`).join(" "), fill: "none", stroke: s.colour, "stroke-width": 2 }));
    for (const [px, py] of shown) frame.append(svg("circle", { cx: x(px), cy: y(py), r: 2.5, fill: s.colour }, svg("title", {}, `${s.name}, ${xLabel} ${px}: ${py.toPrecision(4)}`)));
  }
  return frame;
}
