/**
 * The Compare panel: every algorithm's cosine similarity and relative error to BPTT per layer,
 * as bar charts and as a table (the table is what a screen reader, or a test, reads), with the
 * time and the floats per step.
 */
import { barChart, seriesLegend } from "../charts/bar-chart.js";
import type { Comparison } from "../protocol.js";
import { el, table } from "./dom.js";

/** The comparison as charts and a table. */
export function compareView(c: Comparison): HTMLElement {
  const layers = Array.from({ length: c.layers }, (_, l) => `layer ${l}`);
  const ran = c.algorithms.filter((a) => a.notApplicable === null);
  const rows = (pick: (a: (typeof ran)[number]) => readonly number[]) => ran.map((a) => ({ label: a.title, values: layers.map((_, l) => pick(a)[l] ?? null) }));
  const cells = c.algorithms.flatMap((a) =>
    a.notApplicable !== null
      ? [[a.title, "–", "–", "–", "–", "–", `does not apply: ${a.notApplicable}`]]
      : layers.map((_, l) => {
          const relError = el("span", { "data-algorithm": a.name, "data-layer": String(l), "data-rel-error": String(a.relError[l]) }, a.relError[l]!.toExponential(2));
          return [a.title, String(l), a.cosine[l]!.toFixed(6), relError, a.msPerStep === null ? "–" : a.msPerStep.toFixed(3), a.floats.toLocaleString("en-US"), ""];
        }),
  );
  return el(
    "div",
    { "data-elapsed-ms": c.elapsedMs.toFixed(0) },
    el("p", {}, `${c.cell}, ${c.layers} layer${c.layers > 1 ? "s" : ""} of ${c.hiddenSize} units, T = ${c.T} steps, seed ${c.seed}; the comparison took `, el("strong", { class: "elapsed" }, `${(c.elapsedMs / 1000).toFixed(2)} s`), " in the worker."),
    seriesLegend(layers),
    el("div", { class: "charts" }, barChart("cosine to BPTT", rows((a) => a.cosine), layers, { log: false, max: 1 }), barChart("relative error to BPTT (log)", rows((a) => a.relError), layers, { log: true })),
    table("Gradients against BPTT, time and memory per step", ["algorithm", "layer", "cosine", "rel. error", "ms / step", "floats carried", "note"], cells),
  );
}
