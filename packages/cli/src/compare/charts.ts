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
 * A line chart of `y` against `x`, one line per `series`, optionally on log scales.
 *
 * @example
 * ```ts
 * import { lineChart, renderSvg } from "@ostl/cli";
 * const values = [{ T: 10, floats: 320, algorithm: "bptt" }, { T: 40, floats: 1280, algorithm: "bptt" }, { T: 10, floats: 160, algorithm: "ostl" }, { T: 40, floats: 160, algorithm: "ostl" }];
 * const spec = lineChart("Memory vs T", values, { field: "T", title: "T", log: true }, { field: "floats", title: "floats held" }, "algorithm");
 * console.log(spec.title, (await renderSvg(spec)).includes("Memory vs T")); // Memory vs T true
 * ```
 */
export function lineChart(title: string, values: Record<string, unknown>[], x: { field: string; title: string; log?: boolean }, y: { field: string; title: string; log?: boolean }, series: string): TopLevelSpec {
  return {
    title,
    width: 360,
    height: 220,
    data: { values },
    // every point's fields as its tooltip (an SVG title in the static report)
    mark: { type: "line", point: true, tooltip: { content: "data" } },
    encoding: {
      x: { field: x.field, type: "quantitative", title: x.title, scale: x.log ? { type: "log" } : {} },
      y: { field: y.field, type: "quantitative", title: y.title, scale: y.log ? { type: "log" } : {} },
      color: { field: series, type: "nominal", title: series },
    },
  };
}

/**
 * A dot plot of `y` per `x` category (kept in data order), one colour per `series`; dots, not bars, so a log scale works.
 *
 * @example
 * ```ts
 * import { dotChart, renderSvg } from "@ostl/cli";
 * const values = [{ network: "rnn L1", ms: 0.2, algorithm: "bptt" }, { network: "rnn L1", ms: 3, algorithm: "rtrl" }, { network: "lstm L1", ms: 0.5, algorithm: "bptt" }];
 * const spec = dotChart("Time per step", values, "network", { field: "ms", title: "ms per step", log: true }, "algorithm");
 * console.log((await renderSvg(spec)).includes("lstm L1")); // true
 * ```
 */
export function dotChart(title: string, values: Record<string, unknown>[], x: string, y: { field: string; title: string; log?: boolean }, series: string): TopLevelSpec {
  return {
    title,
    width: 560,
    height: 240,
    data: { values },
    mark: { type: "point", filled: true, size: 60, tooltip: { content: "data" } },
    encoding: {
      x: { field: x, type: "nominal", title: "network", sort: null },
      y: { field: y.field, type: "quantitative", title: y.title, scale: y.log ? { type: "log" } : {} },
      color: { field: series, type: "nominal", title: series },
      shape: { field: series, type: "nominal", title: series },
    },
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
