/**
 * The loss-curve plot of a run: a vega-lite line chart of the train, valid and test figures per
 * epoch, rendered to SVG headless (vega's `View` with renderer `"none"`).
 *
 * @module
 */
import type { EpochMetrics } from "@ostl/models";

/**
 * The vega-lite specification of the loss curve.
 *
 * @example
 * ```ts
 * import { lossCurveSpec } from "@ostl/cli";
 * const spec = lossCurveSpec([{ epoch: 1, train: 9, valid: 8.9, test: 8.95, seconds: 30 }], "jsb ssnu ostl", "NLL per step");
 * console.log((spec.data as { values: unknown[] }).values.length); // 3
 * ```
 */
export function lossCurveSpec(history: readonly EpochMetrics[], title: string, metric: string): Record<string, unknown> {
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
 * Renders the loss curve to an SVG document (vega and vega-lite are loaded on first use).
 *
 * @example
 * ```ts
 * import { renderLossCurve } from "@ostl/cli";
 * const svg = await renderLossCurve([{ epoch: 1, train: 2, valid: 1.5, test: 1.6, seconds: 1 }], "copy rnn ostl", "loss");
 * console.log(svg.startsWith("<svg")); // true
 * ```
 */
export async function renderLossCurve(history: readonly EpochMetrics[], title: string, metric: string): Promise<string> {
  const [vegaLite, vega] = await Promise.all([import("vega-lite"), import("vega")]);
  const compiled = vegaLite.compile(lossCurveSpec(history, title, metric) as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
