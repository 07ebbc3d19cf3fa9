import type { NetworkResult } from "./suite.js";
import { escapeHtml, htmlLine, htmlTable } from "./html.js";
import { type Provenance, provenanceHtml } from "../provenance.js";
import type { Scaling } from "./scaling.js";
import { formatTimeSpread, quantile, type TimeSpread } from "./time-spread.js";

/**
 * The machine-readable comparison (`results.json`, and stdout with `--json`).
 *
 * @example
 * ```ts
 * import { compareNetwork, runScaling, type CompareResults } from "@ostl/cli";
 * import { rnn } from "@ostl/models";
 * const net = compareNetwork({ name: "rnn", cell: rnn(), layers: 1 }, { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0 });
 * const results: CompareResults = {
 *   schema: "ostl-compare/2",
 *   config: { T: 5, hiddenSize: 4, inputSize: 3, seed: 0, rounds: 5, layers: [1], cells: ["rnn"] },
 *   networks: [net],
 *   scaling: runScaling({ Ts: [5], ns: [2], nSteps: 2, seed: 0 }),
 * };
 * console.log(Object.keys(JSON.parse(JSON.stringify(results)))); // ["schema", "config", "networks", "scaling"]
 * ```
 */
export interface CompareResults {
  schema: "ostl-compare/2";
  /** `rounds`: the timed rounds of every time figure (each time says it again in its own `rounds`). */
  config: { T: number; hiddenSize: number; inputSize: number; seed: number; rounds: number; layers: number[]; cells: string[] };
  /** Where and how the results were made (absent in results made by the library directly). */
  provenance?: Provenance;
  networks: NetworkResult[];
  scaling: Scaling;
}

const sci = (v: number) => (v === 0 ? "0" : v.toExponential(2));

/**
 * The rows of one network's table: per algorithm, errors and cosines per layer, time per step
 * (median and interquartile range over the timed rounds), memory.
 *
 * @example
 * ```ts
 * import { compareNetwork, networkRows } from "@ostl/cli";
 * import { rnn } from "@ostl/models";
 * const net = compareNetwork({ name: "rnn", cell: rnn(), layers: 1 }, { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0 });
 * const rows = networkRows(net);
 * console.log(rows.map((r) => r[0]), rows[0]![1], rows[0]![2]); // ["bptt", "rtrl", "ostl", "eprop (approx.)", "snap (approx.)", "uoro (approx.)", "kfrtrl (approx.)", "rflo (approx.)"] 0 1.000000
 * console.log(/^\d+\.\d{3} \(\d+\.\d{3}–\d+\.\d{3}\)$/.test(rows[0]![3]!)); // true
 * ```
 */
export function networkRows(net: NetworkResult): string[][] {
  return Object.entries(net.algorithms).map(([a, r]) => {
    if (r.notApplicable !== null) return [`${a} (not run)`, "-", "-", "-", "-", "-"];
    return [
      a + (r.approximation ? " (approx.)" : "") + (r.nonFinite.length > 0 ? " NON-FINITE" : ""),
      r.relErrorToBptt.map(sci).join(" / "),
      r.cosineToBptt.map((c, l) => `${c.toFixed(6)}${r.approximateByDesign.includes(l) ? "*" : ""}${c < 0.5 ? "!" : ""}`).join(" / "),
      formatTimeSpread(r.msPerStep!),
      String(r.traceFloats),
      (r.peakBytes / 1024).toFixed(0),
    ];
  });
}

/**
 * The line that flags non-finite gradients in one network, per algorithm with the parameters
 * concerned, or `null` when every gradient is finite. The tables and the HTML report show it
 * under the network's table; `ostl compare` then exits with status 1.
 *
 * @example
 * ```ts
 * import { compareNetwork, nonFiniteLine } from "@ostl/cli";
 * import { rnn } from "@ostl/models";
 * const net = compareNetwork({ name: "rnn", cell: rnn(), layers: 1 }, { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0 });
 * console.log(nonFiniteLine(net)); // null
 * net.algorithms.ostl.nonFinite = ["layer0.W"];
 * console.log(nonFiniteLine(net)); // non-finite gradients (NaN or infinite): ostl (layer0.W)
 * ```
 */
export function nonFiniteLine(net: NetworkResult): string | null {
  const flagged = Object.entries(net.algorithms)
    .filter(([, r]) => r.nonFinite.length > 0)
    .map(([a, r]) => `${a} (${r.nonFinite.join(", ")})`);
  return flagged.length === 0 ? null : `non-finite gradients (NaN or infinite): ${flagged.join("; ")}`;
}

/**
 * The notes under a network's table: what `*` (a layer approximate by design: OSTL leaves out the
 * terms through the layers above) and `!` (a cosine to BPTT below 0.5) mark, with every such
 * cosine named; `null` when nothing is marked.
 *
 * @example
 * ```ts
 * import { compareNetwork, cosineNotes } from "@ostl/cli";
 * import { algorithmChoice } from "@ostl/ostl";
 * import { rnn } from "@ostl/models";
 * const net = compareNetwork({ name: "rnn", cell: rnn(), layers: 2 }, { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0, algorithms: [algorithmChoice("ostl")] });
 * console.log(cosineNotes(net)); // * approximate by design: OSTL leaves out the terms through the layers above (ostl layer 0)
 * ```
 */
export function cosineNotes(net: NetworkResult): string | null {
  const design = Object.entries(net.algorithms).flatMap(([a, r]) => r.approximateByDesign.map((l) => `${a} layer ${l}`));
  const low = Object.entries(net.algorithms).flatMap(([a, r]) => r.cosineToBptt.flatMap((c, l) => (c < 0.5 ? [`${a} layer ${l}: ${c.toFixed(3)}`] : [])));
  const notes = [
    ...(design.length === 0 ? [] : [`* approximate by design: OSTL leaves out the terms through the layers above (${design.join(", ")})`]),
    ...(low.length === 0 ? [] : [`! cosine to BPTT below 0.5 (${low.join("; ")}): far from the exact gradient's direction`]),
  ];
  return notes.length === 0 ? null : notes.join("\n");
}

/**
 * The algorithms of one network that did not run, each with its reason, or `null` when all ran.
 * The tables and the HTML report show it under the network's table.
 *
 * @example
 * ```ts
 * import { compareNetwork, notRunLine } from "@ostl/cli";
 * import { algorithmChoice } from "@ostl/ostl";
 * import { rnn } from "@ostl/models";
 * const config = { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0, algorithms: [algorithmChoice("kfrtrl")] };
 * console.log(notRunLine(compareNetwork({ name: "rnn", cell: rnn(), layers: 1 }, config))); // null
 * console.log(notRunLine(compareNetwork({ name: "rnn", cell: rnn(), layers: 2 }, config))); // not run: kfrtrl (KF-RTRL is defined for one recurrent layer (Mujika et al.), and this network has 2)
 * ```
 */
export function notRunLine(net: NetworkResult): string | null {
  const skipped = Object.entries(net.algorithms)
    .filter(([, r]) => r.notApplicable !== null)
    .map(([a, r]) => `${a} (${r.notApplicable!.replace(/^[^:]*: /, "")})`);
  return skipped.length === 0 ? null : `not run: ${skipped.join("; ")}`;
}

/**
 * Column titles of {@link networkRows}.
 *
 * @example
 * ```ts
 * import { compareNetwork, formatTable, NETWORK_COLUMNS, networkRows } from "@ostl/cli";
 * import { rnn } from "@ostl/models";
 * const net = compareNetwork({ name: "rnn", cell: rnn(), layers: 1 }, { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0 });
 * const table = formatTable(NETWORK_COLUMNS, networkRows(net));
 * console.log(table.split("\n")[0]!.split(/\s{2,}/)); // ["algorithm", "rel. error to BPTT (per layer)", "cosine to BPTT (per layer)", "ms/step, median (q1–q3)", "trace floats", "live KiB"]
 * ```
 */
export const NETWORK_COLUMNS = ["algorithm", "rel. error to BPTT (per layer)", "cosine to BPTT (per layer)", "ms/step, median (q1–q3)", "trace floats", "live KiB"];

/**
 * Column titles of {@link summaryRows}.
 *
 * @example
 * ```ts
 * import { SUMMARY_COLUMNS } from "@ostl/cli";
 * console.log(SUMMARY_COLUMNS[1], "|", SUMMARY_COLUMNS[3]); // lowest cosine to BPTT, per depth | ms/step per depth, median (q1–q3)
 * ```
 */
export const SUMMARY_COLUMNS = ["algorithm", "lowest cosine to BPTT, per depth", "exact", "ms/step per depth, median (q1–q3)", "time vs BPTT", "floats vs BPTT"];

/**
 * The summary of one cell over its depths, one row per algorithm: the lowest cosine to BPTT over
 * the layers at each depth, whether it was exact everywhere (relative error at most 1e-9), its
 * time per step at each depth (median and interquartile range over the timed rounds), and its time
 * per step and floats as multiples of BPTT's (the ratio of the medians at each depth, then the
 * median over the depths).
 *
 * @example
 * ```ts
 * import { compareNetwork, summaryRows } from "@ostl/cli";
 * import { algorithmChoice } from "@ostl/ostl";
 * import { rnn } from "@ostl/models";
 * const config = { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0, algorithms: [algorithmChoice("rtrl"), algorithmChoice("ostl")] };
 * const nets = [1, 2].map((layers) => compareNetwork({ name: "rnn", cell: rnn(), layers }, config));
 * console.log(summaryRows(nets).map((r) => r.slice(0, 3))); // [["bptt", "1.000 / 1.000", "yes"], ["rtrl", "1.000 / 1.000", "yes"], ["ostl", "1.000 / 0.976", "top layer"]]
 * console.log(summaryRows(nets)[0]!.slice(4)); // ["1.00x", "1.00x"]
 * ```
 */
export function summaryRows(nets: readonly NetworkResult[]): string[][] {
  const keys = [...new Set(nets.flatMap((n) => Object.keys(n.algorithms)))];
  const median = (xs: number[]) => quantile(xs, 0.5);
  return keys.map((key) => {
    const runs = nets.map((n) => ({ r: n.algorithms[key], bptt: n.algorithms.bptt! })).filter((x) => x.r !== undefined && x.r.notApplicable === null);
    if (runs.length === 0) return [key, "not run", "-", "-", "-", "-"];
    const cosines = runs.map(({ r }) => Math.min(...r!.cosineToBptt).toFixed(3)).join(" / ");
    const exactAll = runs.every(({ r }) => r!.relErrorToBptt.every((e) => e <= 1e-9));
    const exactTop = runs.every(({ r }) => r!.relErrorToBptt.at(-1)! <= 1e-9);
    const times = runs.map(({ r }) => formatTimeSpread(r!.msPerStep!)).join(" / ");
    const time = median(runs.map(({ r, bptt }) => r!.msPerStep!.median / bptt.msPerStep!.median));
    const floats = median(runs.map(({ r, bptt }) => r!.traceFloats / bptt.traceFloats));
    return [key, cosines, exactAll ? "yes" : exactTop ? "top layer" : "no", times, `${time.toFixed(2)}x`, `${floats.toFixed(2)}x`];
  });
}

/**
 * The structure line of one network: what OSTL chose per layer.
 *
 * @example
 * ```ts
 * import { compareNetwork, structureLine } from "@ostl/cli";
 * import { ssnu } from "@ostl/models";
 * const net = compareNetwork({ name: "ssnu", cell: ssnu(), layers: 1 }, { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0 });
 * console.log(structureLine(net)); // layer 0: diagonal temporal Jacobian, 20 trace floats (traces shaped like W:row b:diag)
 * ```
 */
export function structureLine(net: NetworkResult): string {
  const layouts = (s: NetworkResult["structure"][number]) =>
    s.temporalJacobian === "dense" ? "dense traces, one row per parameter" : `traces shaped like ${Object.entries(s.layouts).map(([k, v]) => `${k}:${v}`).join(" ")}`;
  return net.structure.map((s) => `layer ${s.layer}: ${s.temporalJacobian} temporal Jacobian, ${s.traceFloats} trace floats (${layouts(s)})`).join("; ");
}


/** A time's fields for a chart's data point: `ms` (the median), `q1`, `q3` and `rounds`. */
function timeFields(t: TimeSpread): { ms: number; q1: number; q3: number; rounds: number } {
  return { ms: t.median, q1: t.q1, q3: t.q3, rounds: t.rounds };
}

/**
 * The HTML report: one table per network, then charts (inline SVG rendered with Vega-Lite) of time
 * per step per network, memory and time against T, and trace size and time against n.
 *
 * @example
 * ```ts
 * import { compareNetwork, renderReport, runScaling } from "@ostl/cli";
 * import { rnn } from "@ostl/models";
 * const net = compareNetwork({ name: "rnn", cell: rnn(), layers: 1 }, { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0 });
 * const scaling = runScaling({ Ts: [5, 10], ns: [2], nSteps: 2, seed: 0 });
 * const html = await renderReport({ schema: "ostl-compare/2", config: { T: 5, hiddenSize: 4, inputSize: 3, seed: 0, rounds: 5, layers: [1], cells: ["rnn"] }, networks: [net], scaling });
 * console.log(html.startsWith("<!doctype html>"), (html.match(/<svg/g) ?? []).length); // true 7
 * ```
 */
export async function renderReport(results: CompareResults): Promise<string> {
  // the charting library is loaded here, after the measurements: its heap would slow every full
  // garbage collection that the memory measurements make
  const { dotChart, lineChart, renderSvg } = await import("./charts.js");
  const perNetwork = results.networks.flatMap((n) =>
    Object.entries(n.algorithms)
      .filter(([, r]) => r.notApplicable === null)
      .map(([a, r]) => ({ network: `${n.cell} L${n.layers}`, algorithm: a, ...timeFields(r.msPerStep!) })),
  );
  const vsT = results.scaling.vsT.points.map(({ msPerStep, ...p }) => ({ ...p, kib: p.peakBytes / 1024, ...timeFields(msPerStep) }));
  const vsN = results.scaling.vsN.map(({ msPerStep, ...p }) => ({ ...p, label: `${p.cell} (${p.temporalJacobian})`, ...timeFields(msPerStep) }));
  const spread = { low: "q1", high: "q3" };
  const charts = await Promise.all([
    renderSvg(dotChart("Time per step (ms; median, bars q1–q3)", perNetwork, "network", { field: "ms", title: "ms per step", log: true, spread }, "algorithm")),
    renderSvg(lineChart(`Memory held vs T (${results.scaling.vsT.cell}, n = ${results.scaling.vsT.hiddenSize})`, vsT.map((p) => ({ ...p, floats: Math.max(p.memoryFloats, 1) })), { field: "T", title: "T", log: true }, { field: "floats", title: "floats held (tape or traces)", log: true }, "algorithm")),
    renderSvg(lineChart("Measured live memory held vs T", vsT, { field: "T", title: "T", log: true }, { field: "kib", title: "KiB held after the last step" }, "algorithm")),
    renderSvg(lineChart("Time per step vs T", vsT, { field: "T", title: "T", log: true }, { field: "ms", title: "ms per step", spread }, "algorithm")),
    renderSvg(lineChart("OSTL trace floats vs n", vsN, { field: "n", title: "hidden units n", log: true }, { field: "traceFloats", title: "trace floats", log: true }, "label")),
    renderSvg(lineChart("OSTL time per step vs n", vsN, { field: "n", title: "hidden units n", log: true }, { field: "ms", title: "ms per step", log: true, spread }, "label")),
  ]);
  const cellNames = [...new Set(results.networks.map((n) => n.cell))];
  const summaries = cellNames
    .map((cell) => {
      const nets = results.networks.filter((n) => n.cell === cell);
      return `<h3>${escapeHtml(cell)} (depths ${nets.map((n) => n.layers).join(", ")}; ${escapeHtml(nets[0]!.structure[0]!.temporalJacobian)} temporal Jacobian)</h3>${htmlTable(SUMMARY_COLUMNS, summaryRows(nets))}`;
    })
    .join("\n");
  const lowest = results.networks.flatMap((n) =>
    Object.entries(n.algorithms)
      .filter(([, r]) => r.notApplicable === null)
      .map(([algorithm, r]) => ({ network: `${n.cell} L${n.layers}`, algorithm, cosine: Math.min(...r.cosineToBptt) })),
  );
  const summaryChart = await renderSvg(dotChart("Lowest cosine to BPTT over the layers", lowest, "network", { field: "cosine", title: "cosine to BPTT (1: exact)" }, "algorithm"));
  const sections = results.networks
    .map(
      (n) => `<section class="network"><h3>${escapeHtml(n.cell)}, ${n.layers} layer${n.layers > 1 ? "s" : ""} (n = ${n.hiddenSize}, m = ${n.inputSize}, T = ${n.T})</h3>
<p class="structure">${escapeHtml(structureLine(n))}</p>${htmlTable(NETWORK_COLUMNS, networkRows(n))}${htmlLine("warning", nonFiniteLine(n))}${htmlLine("note", cosineNotes(n))}${htmlLine("note", notRunLine(n))}</section>`,
    )
    .join("\n");
  const c = results.config;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ostl compare: OSTL, RTRL and BPTT</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.structure { color: #555; font-size: 0.85rem; }
.warning { color: #b00020; font-weight: bold; }
.note { color: #444; font-style: italic; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
.chart { border: 1px solid #eee; padding: 0.5rem; }
</style></head>
<body>
<h1>OSTL, RTRL and BPTT side by side</h1>
${results.provenance === undefined ? "" : provenanceHtml(results.provenance)}
<p>Seeded synthetic data (seed ${c.seed}), T = ${c.T}, n = ${c.hiddenSize}, m = ${c.inputSize}, mse loss on a linear readout at every step.
Errors and cosines compare each algorithm's gradient with BPTT's, per layer (bottom first). OSTL is exact for one layer and for the top layer;
for lower layers it leaves out the terms that pass through the upper layers' recurrence. Trace floats: BPTT's recorded states (grows with T),
RTRL's influence matrix, OSTL's eligibility traces (analytic). Times per step are medians over ${c.rounds} timed rounds, after an untimed first pass
that compiles the steps; a network's algorithms, and a sweep's points, take turns within each round, so a load spike hits them alike. The brackets in
the tables and the error bars in the charts span the interquartile range (the first to the third quartile of the rounds). Live KiB: measured live memory (heap objects and tensor buffers, after full garbage collections) the algorithm holds after the last step; its noise reaches about 200 KiB.</p>
<h2>Summary</h2>
<p>Per cell, each algorithm's lowest cosine to BPTT over the layers at each depth (1 is BPTT's gradient), whether it was exact, its time per step
at each depth (median, interquartile range in brackets), and its time and floats per step as multiples of BPTT's (ratios of the medians, then
the median over the depths). The chart shows every network's lowest cosine; the details follow.</p>
<div class="chart">${summaryChart}</div>
${summaries}
<details><summary>Per network: every layer's error and cosine, time, memory and structure</summary>
${sections}
</details>
<h2>Charts</h2>
<div class="charts">${charts.map((svg) => `<div class="chart">${svg}</div>`).join("\n")}</div>
</body></html>
`;
}
