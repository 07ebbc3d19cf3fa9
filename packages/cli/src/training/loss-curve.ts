/**
 * The loss-curve plot of a run: a vega-lite line chart of the train, valid and test figures per
 * epoch, rendered to SVG headless.
 *
 * @module
 */
import type { EpochMetrics } from "@ostl/models";
import type { TopLevelSpec } from "vega-lite";

/**
 * The vega-lite specification of the loss curve.
 *
 * @example
 * ```ts
 * import { lossCurveSpec } from "@ostl/cli";
 * const spec = lossCurveSpec([{ epoch: 1, train: 9, valid: 8.9, test: 8.95, seconds: 30 }], "jsb ssnu ostl", "NLL per step");
 * console.log(JSON.stringify(spec).includes('"split":"test"')); // true
 * ```
 */
export function lossCurveSpec(history: readonly EpochMetrics[], title: string, metric: string): TopLevelSpec {
  const values = history.flatMap((m) => (["train", "valid", "test"] as const).map((split) => ({ epoch: m.epoch, split, loss: Number.isFinite(m[split]) ? m[split] : null })));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle: metric },
    width: 520,
    height: 320,
    background: "white",
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "epoch", type: "quantitative", axis: { tickMinStep: 1 }, title: "epoch" },
      y: { field: "loss", type: "quantitative", scale: { zero: false }, title: metric.replace(/ \(.*$/, "") },
      color: { field: "split", type: "nominal", sort: ["train", "valid", "test"], title: null },
    },
  };
}

/**
 * Renders the loss curve to an SVG document.
 *
 * @example
 * ```ts
 * import { renderLossCurve } from "@ostl/cli";
 * const svg = await renderLossCurve([{ epoch: 1, train: 2, valid: 1.5, test: 1.6, seconds: 1 }], "copy rnn ostl", "loss");
 * console.log(svg.startsWith("<svg")); // true
 * ```
 */
export async function renderLossCurve(history: readonly EpochMetrics[], title: string, metric: string): Promise<string> {
  // the charting library loads when the first curve is drawn, not with the command
  const { renderSvg } = await import("../compare/charts.js");
  return renderSvg(lossCurveSpec(history, title, metric));
}
