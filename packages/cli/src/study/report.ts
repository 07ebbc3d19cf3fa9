import type { SeedSeries, StudyResults } from "./run.js";
import { escapeHtml, htmlLine, htmlTable } from "../compare/html.js";
import { provenanceHtml } from "../provenance.js";

/**
 * Column titles of {@link studyRows}.
 *
 * @example
 * ```ts
 * import { STUDY_COLUMNS } from "@ostl/cli";
 * console.log(STUDY_COLUMNS.length); // 7
 * ```
 */
export const STUDY_COLUMNS = ["algorithm", "cosine to BPTT (mean ± sd)", "last cosine", "rel. error (mean)", "final loss (mean ± sd)", "ms/step", "floats"];

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

/** Mean and sd over seeds of each seed's mean over the recorded updates. */
function overRun(series: SeedSeries): { mean: number; sd: number } {
  const perSeed = series.perSeed.map(mean);
  const m = mean(perSeed);
  const sd = perSeed.length < 2 ? 0 : Math.sqrt(perSeed.reduce((a, v) => a + (v - m) ** 2, 0) / (perSeed.length - 1));
  return { mean: m, sd };
}

const fixed = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : String(v));

/**
 * The summary rows of a study, one per algorithm: its alignment with BPTT over the run (the mean
 * over recorded updates, then over seeds), at the last recorded update, its relative error, the
 * loss of its own training runs at the end, and its cost.
 *
 * @example
 * ```ts
 * import { runStudy, studyRows } from "@ostl/cli";
 * import { algorithmChoice } from "@ostl/ostl";
 * import { addTask, datasetNetwork, rnn, withMaskedLoss } from "@ostl/models";
 * const data = addTask({ length: 12, lags: [2, 4], examples: [8, 2, 2], seed: 0 });
 * const net = withMaskedLoss(datasetNetwork(data, rnn(), 4));
 * const r = runStudy(net, data, { task: "add", cell: "rnn", hidden: 4 }, { trainWith: algorithmChoice("bptt"), algos: [algorithmChoice("rtrl")], seeds: 2, steps: 4, every: 2, learningRate: 0.01 });
 * console.log(studyRows(r).map((row) => row.slice(0, 3))); // [["bptt", "1.000 ± 0.000", "1.000"], ["rtrl", "1.000 ± 0.000", "1.000"]]
 * ```
 */
export function studyRows(results: StudyResults): string[][] {
  return Object.entries(results.cost).map(([algo, cost]) => {
    if (cost.notApplicable !== null) return [`${algo} (not run)`, "-", "-", "-", "-", "-", "-"];
    const a = results.alignment[algo]!;
    const cosine = overRun(a.cosine);
    const losses = results.loss[algo]!;
    const finalLoss = overRun({ ...losses, perSeed: losses.perSeed.map((s) => [s.at(-1)!]) });
    return [algo, `${fixed(cosine.mean)} ± ${fixed(cosine.sd)}`, fixed(a.cosine.mean.at(-1)!), mean(a.relError.mean).toExponential(2), `${finalLoss.mean.toPrecision(3)} ± ${finalLoss.sd.toPrecision(2)}`, cost.msPerStep.toFixed(3), String(cost.floats)];
  });
}

/**
 * The algorithms of a study that did not run, each with its reason, or `null`.
 *
 * @example
 * ```ts
 * import { studyNotRunLine, type StudyResults } from "@ostl/cli";
 * const cost = { kfrtrl: { msPerStep: 0, floats: 0, notApplicable: "kfrtrl: KF-RTRL is defined for one recurrent layer" } };
 * console.log(studyNotRunLine({ cost } as unknown as StudyResults)); // not run: kfrtrl (KF-RTRL is defined for one recurrent layer)
 * ```
 */
export function studyNotRunLine(results: StudyResults): string | null {
  const skipped = Object.entries(results.cost)
    .filter(([, c]) => c.notApplicable !== null)
    .map(([a, c]) => `${a} (${c.notApplicable!.replace(/^[^:]*: /, "")})`);
  return skipped.length === 0 ? null : `not run: ${skipped.join("; ")}`;
}

/**
 * Chart points of one figure: per algorithm and recorded update, the mean over seeds and the band
 * mean ± sd. For a log scale, points whose mean is not positive (BPTT's zero error to itself) are
 * left out and a band's lower edge stays above a tenth of the mean.
 */
function bandPoints(xs: readonly number[], byAlgorithm: Record<string, SeedSeries>, x: string, log = false): Record<string, unknown>[] {
  return Object.entries(byAlgorithm).flatMap(([algorithm, s]) =>
    xs.flatMap((u, i) => {
      const [mean, sd] = [s.mean[i]!, s.sd[i]!];
      if (log && !(mean > 0)) return [];
      return [{ algorithm, [x]: u, mean, lower: log ? Math.max(mean - sd, mean / 10) : mean - sd, upper: mean + sd }];
    }),
  );
}

/**
 * The HTML report of a study: the summary table, then charts of each algorithm's cosine to BPTT
 * along the training trajectory and of the loss curves of its own training runs, each with a band
 * of ± one standard deviation over seeds (inline SVG rendered with Vega-Lite, tooltips on points).
 *
 * @example
 * ```ts
 * import { renderStudyReport, runStudy } from "@ostl/cli";
 * import { algorithmChoice } from "@ostl/ostl";
 * import { addTask, datasetNetwork, rnn, withMaskedLoss } from "@ostl/models";
 * const data = addTask({ length: 12, lags: [2, 4], examples: [8, 2, 2], seed: 0 });
 * const net = withMaskedLoss(datasetNetwork(data, rnn(), 4));
 * const r = runStudy(net, data, { task: "add", cell: "rnn", hidden: 4 }, { trainWith: algorithmChoice("bptt"), algos: [algorithmChoice("uoro")], seeds: 2, steps: 4, every: 2, learningRate: 0.01 });
 * const html = await renderStudyReport(r);
 * console.log(html.startsWith("<!doctype html>"), (html.match(/<svg/g) ?? []).length); // true 3
 * ```
 */
export async function renderStudyReport(results: StudyResults): Promise<string> {
  const { bandChart, renderSvg } = await import("../compare/charts.js");
  const c = results.config;
  const alignmentOf = (figure: "cosine" | "relError") => Object.fromEntries(Object.entries(results.alignment).map(([a, s]) => [a, s[figure]]));
  const charts = await Promise.all([
    renderSvg(bandChart(`Cosine to BPTT along the ${c.trainWith} trajectory`, bandPoints(results.updates, alignmentOf("cosine"), "update"), { field: "update", title: "update" }, { title: "cosine to BPTT's gradient" }, "algorithm")),
    renderSvg(bandChart("Relative error to BPTT", bandPoints(results.updates, alignmentOf("relError"), "update", true), { field: "update", title: "update" }, { title: "‖g − g_BPTT‖ / ‖g_BPTT‖", log: true }, "algorithm")),
    renderSvg(bandChart("Training loss, each algorithm training on its own", bandPoints(results.lossUpdates, results.loss, "update", true), { field: "update", title: "update" }, { title: "loss per scored step", log: true }, "algorithm")),
  ]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ostl study: ${escapeHtml(c.task)}, ${escapeHtml(c.cell)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.note { color: #444; font-style: italic; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
.chart { border: 1px solid #eee; padding: 0.5rem; }
</style></head>
<body>
<h1>Online learning along training: ${escapeHtml(c.task)} task, ${escapeHtml(c.cell)} (n = ${c.hidden})</h1>
${results.provenance === undefined ? "" : provenanceHtml(results.provenance)}
<p>One network trains with ${escapeHtml(c.trainWith)} (Adam, learning rate ${c.learningRate}, one sequence per update, ${c.steps} updates, ${c.seeds} seeds).
Every ${c.every} updates each algorithm computes its gradient on the same sequence with the same parameters, and its recurrent gradient is compared
with BPTT's exact one. Then each algorithm trains networks of its own, from the same initial parameters and data order, for its loss curve.
Bands: ± one standard deviation over seeds. Loss: ${escapeHtml(c.metric)}.</p>
<p>Reading it: a cosine near 1 means the algorithm follows the exact gradient; a low but positive mean cosine (UORO) means an unbiased but noisy estimate,
which learns slowly; an approximation that drops dependencies (e-prop, RFLO, SnAp below its depth) keeps a high cosine only where the task does not need them,
which the loss curves show. Time and memory per step are the price of each.</p>
<h2>Summary</h2>
${htmlTable(STUDY_COLUMNS, studyRows(results))}${htmlLine("note", studyNotRunLine(results))}
<h2>Charts</h2>
<div class="charts">${charts.map((svg) => `<div class="chart">${svg}</div>`).join("\n")}</div>
</body></html>
`;
}
