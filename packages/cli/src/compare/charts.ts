import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/**
 * Renders a Vega-Lite spec to a standalone SVG string, offline (no browser, no network). A data
 * point with a tooltip gets it as an SVG `<title>`, which a browser shows on hover.
 *
 * @example
 * ```ts
 * import { renderSvg } from "@ostl/cli";
 * const svg = await renderSvg({ data: { values: [{ x: 1, y: 2 }] }, mark: { type: "point", tooltip: { content: "data" } }, encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } } });
 * console.log(svg.startsWith("<svg"), svg.includes("</svg>"), svg.includes("<title>x: 1; y: 2</title>")); // true true true
 * ```
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  // Vega's static SVG keeps a point's tooltip as its aria-label only
  return svg.replace(/<path aria-label="([^"]*)" role="graphics-symbol"([^>]*?)\/>/g, '<path aria-label="$1" role="graphics-symbol"$2><title>$1</title></path>');
}

/**
 * The value axis of a chart: the field plotted, its title, a log scale or not, and optionally the
 * fields of each point's spread (an interquartile range, say), drawn as an error bar from `low` to
 * `high` in the point's colour.
 *
 * @example
 * ```ts
 * import { lineChart, type ValueAxis } from "@ostl/cli";
 * const ms: ValueAxis = { field: "ms", title: "ms per step", log: true, spread: { low: "q1", high: "q3" } };
 * const spec = lineChart("Time", [{ T: 10, ms: 1, q1: 0.9, q3: 1.2, algorithm: "ostl" }], { field: "T", title: "T" }, ms, "algorithm");
 * console.log("layer" in spec && spec.layer.length); // 2
 * ```
 */
export interface ValueAxis {
  readonly field: string;
  readonly title: string;
  readonly log?: boolean;
  readonly spread?: { readonly low: string; readonly high: string };
}

/** One layer of a layered chart, and the mark of a layer (vega-lite exports only the top-level spec's type). */
type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number];
type Mark = Extract<Layer, { mark: unknown }>["mark"];

/** The layers that draw a value axis: the marks given at `field` (with `markEncoding` besides), then the error bars when the axis has a spread. */
function valueLayers(mark: Mark, y: ValueAxis, markEncoding: Record<string, unknown> = {}): Layer[] {
  const scale = y.log ? { type: "log" as const } : {};
  return [
    { mark, encoding: { ...markEncoding, y: { field: y.field, type: "quantitative" as const, title: y.title, scale } } },
    ...(y.spread === undefined ? [] : [{ mark: { type: "rule" as const, strokeWidth: 1.5 }, encoding: { y: { field: y.spread.low, type: "quantitative" as const, title: y.title, scale }, y2: { field: y.spread.high } } }]),
  ];
}

/**
 * A line chart of `y` against `x`, one line per `series`, optionally on log scales, with error
 * bars where `y` has a spread.
 *
 * @example
 * ```ts
 * import { lineChart, renderSvg } from "@ostl/cli";
 * const values = [{ T: 10, floats: 320, algorithm: "bptt" }, { T: 40, floats: 1280, algorithm: "bptt" }, { T: 10, floats: 160, algorithm: "ostl" }, { T: 40, floats: 160, algorithm: "ostl" }];
 * const spec = lineChart("Memory vs T", values, { field: "T", title: "T", log: true }, { field: "floats", title: "floats held" }, "algorithm");
 * console.log(spec.title, (await renderSvg(spec)).includes("Memory vs T")); // Memory vs T true
 * const times = [{ T: 10, ms: 0.4, q1: 0.38, q3: 0.47, algorithm: "bptt" }, { T: 40, ms: 0.5, q1: 0.45, q3: 0.52, algorithm: "bptt" }];
 * const svg = await renderSvg(lineChart("Time vs T", times, { field: "T", title: "T" }, { field: "ms", title: "ms per step", spread: { low: "q1", high: "q3" } }, "algorithm"));
 * console.log(svg.includes("mark-rule")); // true
 * ```
 */
export function lineChart(title: string, values: Record<string, unknown>[], x: { field: string; title: string; log?: boolean }, y: ValueAxis, series: string): TopLevelSpec {
  return {
    title,
    width: 360,
    height: 220,
    data: { values },
    encoding: {
      x: { field: x.field, type: "quantitative", title: x.title, scale: x.log ? { type: "log" } : {} },
      color: { field: series, type: "nominal", title: series },
    },
    // every point's fields as its tooltip (an SVG title in the static report)
    layer: valueLayers({ type: "line", point: true, tooltip: { content: "data" } }, y),
  };
}

/**
 * A dot plot of `y` per `x` category (kept in data order), one colour per `series`; dots, not bars,
 * so a log scale works. Where `y` has a spread, each dot gets its error bar and the series stand
 * side by side within a category.
 *
 * @example
 * ```ts
 * import { dotChart, renderSvg } from "@ostl/cli";
 * const values = [{ network: "rnn L1", ms: 0.2, q1: 0.19, q3: 0.25, algorithm: "bptt" }, { network: "rnn L1", ms: 3, q1: 2.8, q3: 3.1, algorithm: "rtrl" }, { network: "lstm L1", ms: 0.5, q1: 0.5, q3: 0.6, algorithm: "bptt" }];
 * const svg = await renderSvg(dotChart("Time per step", values, "network", { field: "ms", title: "ms per step", log: true, spread: { low: "q1", high: "q3" } }, "algorithm"));
 * console.log(svg.includes("lstm L1"), (svg.match(/<line /g) ?? []).length >= 3); // true true
 * ```
 */
export function dotChart(title: string, values: Record<string, unknown>[], x: string, y: ValueAxis, series: string): TopLevelSpec {
  return {
    title,
    width: 560,
    height: 240,
    data: { values },
    encoding: {
      x: { field: x, type: "nominal", title: "network", sort: null },
      ...(y.spread === undefined ? {} : { xOffset: { field: series, type: "nominal" as const, sort: null } }),
      color: { field: series, type: "nominal", title: series },
    },
    // the shape is the dots' only: error bars have none
    layer: valueLayers({ type: "point", filled: true, size: 60, tooltip: { content: "data" } }, y, { shape: { field: series, type: "nominal", title: series } }),
  };
}

/**
 * Lines of `mean` against `x`, one per `series`, each over a band from `lower` to `upper` (a spread
 * over seeds), with a tooltip on every point.
 *
 * @example
 * ```ts
 * import { bandChart, renderSvg } from "@ostl/cli";
 * const values = [{ update: 0, mean: 0.5, lower: 0.4, upper: 0.6, algorithm: "uoro" }, { update: 10, mean: 0.6, lower: 0.5, upper: 0.7, algorithm: "uoro" }];
 * const svg = await renderSvg(bandChart("Alignment", values, { field: "update", title: "update" }, { title: "cosine to BPTT" }, "algorithm"));
 * console.log(svg.includes("Alignment"), svg.includes("mark-area")); // true true
 * ```
 */
export function bandChart(title: string, values: Record<string, unknown>[], x: { field: string; title: string }, y: { title: string; log?: boolean }, series: string): TopLevelSpec {
  const scale = y.log ? { type: "log" as const } : { zero: false };
  return {
    title,
    width: 520,
    height: 260,
    data: { values },
    encoding: {
      x: { field: x.field, type: "quantitative", title: x.title },
      // the legend's swatches at full strength (the bands are faint)
      color: { field: series, type: "nominal", title: series, legend: { symbolOpacity: 1 } },
    },
    layer: [
      { mark: { type: "area", opacity: 0.18 }, encoding: { y: { field: "lower", type: "quantitative", title: y.title, scale }, y2: { field: "upper" } } },
      {
        mark: { type: "line", point: true },
        encoding: {
          y: { field: "mean", type: "quantitative", title: y.title, scale },
          tooltip: [
            { field: series, type: "nominal" },
            { field: x.field, type: "quantitative" },
            { field: "mean", type: "quantitative", format: ".4g" },
            { field: "lower", type: "quantitative", format: ".4g" },
            { field: "upper", type: "quantitative", format: ".4g" },
          ],
        },
      },
    ],
  };
}
