/**
 * Horizontal bars, one row per label, grouped by series (the layers of Compare): the values on
 * a linear scale or, for errors that span many decades, on a log scale.
 */
import { chartFrame, scale, svg, tick } from "./svg.js";

/** A row of bars: its label, and one value per series (null: no bar, shown as "n/a"). */
export interface BarRow {
  readonly label: string;
  readonly values: readonly (number | null)[];
}

/** The colours of the series, dark enough to read on white. */
const SERIES_COLOURS = ["#1f5fa8", "#b3421b", "#2f7d32"];

/** A bar chart of `rows`; `log` draws log10 of the values, `floor` standing for zero and anything below it. */
export function barChart(title: string, rows: readonly BarRow[], series: readonly string[], options: { log: boolean; floor?: number; max?: number }): SVGElement {
  const barHeight = 10;
  const rowHeight = series.length * barHeight + 8;
  const left = 70;
  const width = 420;
  const height = 34 + rows.length * rowHeight;
  const floor = options.floor ?? 1e-16;
  const value = (v: number) => (options.log ? Math.log10(Math.max(v, floor)) : v);
  const finite = rows.flatMap((r) => r.values.filter((v): v is number => v !== null && Number.isFinite(v)).map(value));
  const lo = options.log ? Math.log10(floor) : Math.min(0, ...finite);
  const hi = options.max ?? Math.max(lo + 1, ...finite);
  const x = scale(lo, hi, left, width - 10);
  const frame = chartFrame(width, height, title);
  frame.append(svg("text", { x: left, y: 12, class: "chart-title" }, title));
  for (const t of [lo, (lo + hi) / 2, hi]) {
    frame.append(svg("line", { x1: x(t), x2: x(t), y1: 18, y2: height - 14, class: "grid" }));
    frame.append(svg("text", { x: x(t), y: height - 3, "text-anchor": "middle", class: "axis" }, options.log ? `1e${Math.round(t)}` : tick(t)));
  }
  rows.forEach((row, r) => {
    const top = 20 + r * rowHeight;
    frame.append(svg("text", { x: left - 4, y: top + rowHeight / 2, "text-anchor": "end", "dominant-baseline": "middle", class: "axis" }, row.label));
    row.values.forEach((v, s) => {
      const y = top + s * barHeight;
      if (v === null || !Number.isFinite(v)) {
        frame.append(svg("text", { x: left + 2, y: y + barHeight - 2, class: "axis" }, "n/a"));
        return;
      }
      const w = Math.max(1, x(Math.min(value(v), hi)) - x(lo));
      frame.append(svg("rect", { x: x(lo), y, width: w, height: barHeight - 2, fill: SERIES_COLOURS[s % SERIES_COLOURS.length]! }, svg("title", {}, `${row.label}, ${series[s]}: ${v.toExponential(3)}`)));
    });
  });
  return frame;
}

/** The legend of the series, as HTML. */
export function seriesLegend(series: readonly string[]): HTMLElement {
  const legend = document.createElement("p");
  legend.className = "legend";
  series.forEach((name, s) => {
    const key = document.createElement("span");
    key.className = "legend-key";
    key.style.background = SERIES_COLOURS[s % SERIES_COLOURS.length]!;
    legend.append(key, ` ${name} `);
  });
  return legend;
}
