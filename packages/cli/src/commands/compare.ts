import { join } from "node:path";
import { parseFlags, numberFlag } from "../args.js";
import type { Command } from "../command.js";
import { ALGORITHM_NAMES, ALGORITHM_PRESETS } from "@ostl/ostl";
import { algorithmList, parseAlgorithmList } from "../algorithm-names.js";
import { type CompareResults, cosineNotes, NETWORK_COLUMNS, networkRows, nonFiniteLine, notRunLine, renderReport, structureLine } from "../compare/report.js";
import { checkReportFolder, writeReportFiles } from "../compare/report-folder.js";
import { runScaling } from "../compare/scaling.js";
import { compareNetwork, defaultCells, type SuiteEntry } from "../compare/suite.js";
import { BUILT_IN_CELLS, loadCell } from "../load-cell.js";
import { TIMED_ROUNDS } from "../compare/measure.js";
import { formatTimeSpread } from "../compare/time-spread.js";
import { loadWarning, provenance, withLoadAtEnd } from "../provenance.js";
import { progress } from "../progress.js";
import { formatTable } from "../table.js";

const usage = `usage: ostl compare [--cell NAME|path/to/cell.ts] [--layers L[,L...]] [--algos A[,A...]] [--hidden N] [--T T] [--seed S] [--rounds R] [--out DIR] [--json] [--quiet]

Trains the same networks by ${algorithmList("and", "title")} on seeded synthetic data and compares them:
per network and algorithm, the gradient's relative error and cosine similarity to BPTT per layer,
time per step (median and interquartile range over timed rounds), trace memory (floats, analytic),
measured live memory held and the structure OSTL chose;
then how memory and time scale with T (BPTT grows, OSTL flat) and with n (an sSNU and an LSTM,
or the --cell given).
With no options: rnn, lstm, gru, snu, ssnu and the recurrent SNU at 1, 2 and 3 layers.

  --cell NAME|FILE  one built-in cell (${BUILT_IN_CELLS.join(", ")}) or a module exporting a cell
  --layers L,...    depths to compare (default 1,2,3)
  --algos A,...     algorithms to compare: ${ALGORITHM_NAMES.join(", ")}, or the presets
                    ${Object.keys(ALGORITHM_PRESETS).join(", ")} (default: every algorithm; BPTT, the
                    reference, always runs); one that does not apply to a network says why in its row
  --hidden N        units per layer (default 8)
  --T T             sequence length (default 20)
  --seed S          seed of parameters and data (default 0)
  --rounds R        timed rounds of every time figure (default ${TIMED_ROUNDS}), after an untimed first
                    pass; a network's algorithms take turns within each round
  --out DIR         report folder (default reports/<date-time>): a new or empty folder, or one
                    holding only a previous report; only index.html and results.json are
                    written there (each atomically), nothing is removed
  --json            print exactly one JSON object (schema ostl-compare/2) on stdout
  --quiet           no progress output

A gradient with a NaN or infinite entry (made inside the cell, or from NaN parameters) is flagged
under its table, in the report and in the nonFinite field of each algorithm's results.

Exit status: 0 all gradients finite; 1 a gradient is not finite; 2 bad flags, cell module or
--out (under a file, not writable, or a folder holding other files), checked before the work.`;

/** Exit status when a gradient is NaN or infinite. */
const NON_FINITE = 1;

/**
 * `ostl compare`: the side-by-side comparison of OSTL, RTRL and BPTT (the framework's main job).
 *
 * @example
 * ```ts
 * import { mkdtempSync, readFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { compareCommand } from "@ostl/cli";
 * const out = join(mkdtempSync(join(tmpdir(), "compare-")), "report");
 * // one cell at one depth; the tables go to stdout, the report and results.json to --out
 * console.log(await compareCommand.run(["--cell", "ssnu", "--layers", "1", "--hidden", "4", "--T", "5", "--out", out, "--quiet"])); // 0
 * const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
 * console.log(results.schema, results.networks.length, results.scaling.vsT.points.length); // ostl-compare/2 1 10
 * ```
 */
export const compareCommand: Command = {
  name: "compare",
  summary: `compare ${algorithmList("and", "title")}: gradient agreement, time, memory, scaling`,
  usage,
  async run(argv) {
    const { values } = parseFlags("compare", argv, {
      cell: { type: "string" },
      layers: { type: "string" },
      algos: { type: "string" },
      hidden: { type: "string" },
      T: { type: "string" },
      seed: { type: "string" },
      rounds: { type: "string" },
      out: { type: "string" },
      json: { type: "boolean" },
      quiet: { type: "boolean" },
    });
    const hiddenSize = numberFlag("--hidden", values.hidden, { min: 1, integer: true }) ?? 8;
    const T = numberFlag("--T", values.T, { min: 1, integer: true }) ?? 20;
    const seed = numberFlag("--seed", values.seed, { min: 0, integer: true }) ?? 0;
    const rounds = numberFlag("--rounds", values.rounds, { min: 1, integer: true }) ?? TIMED_ROUNDS;
    const made = provenance(["compare", ...argv]);
    const algorithms = values.algos === undefined ? undefined : parseAlgorithmList("--algos", values.algos);
    const layers = values.layers === undefined ? [1, 2, 3] : values.layers.split(",").map((v) => numberFlag("--layers", v, { min: 1, integer: true })!);
    const out = checkReportFolder(values.out ?? join("reports", new Date().toISOString().replace(/[:.]/g, "-")));
    const cells = values.cell === undefined ? await defaultCells() : [await loadCell(values.cell)];
    const entries: SuiteEntry[] = cells.flatMap((c) => layers.map((l) => ({ name: c.name, cell: c.cell, layers: l })));
    const Ts = [25, 50, 100, 200, 400];
    const ns = [4, 8, 16, 32];
    // one tick per network, and one per scaling sweep
    const bar = progress(entries.length + 2, "compare", values.quiet === true);
    const config = { inputSize: 4, hiddenSize, outputSize: 2, T, seed, rounds, ...(algorithms === undefined ? {} : { algorithms }) };
    const networks = entries.map((e) => {
      const r = compareNetwork(e, config);
      bar.tick(`${e.name} L${e.layers}`);
      return r;
    });
    // with --cell, the scaling sweeps are of that cell
    const scaling = runScaling({ Ts, ns, nSteps: 5, seed, rounds, onProgress: (label) => bar.tick(label), ...(values.cell === undefined ? {} : { cells }) });
    bar.stop();
    const results: CompareResults = {
      schema: "ostl-compare/2",
      config: { T, hiddenSize, inputSize: config.inputSize, seed, rounds, layers, cells: cells.map((c) => c.name) },
      provenance: withLoadAtEnd(made),
      networks,
      scaling,
    };
    writeReportFiles(out, { "index.html": await renderReport(results), "results.json": `${JSON.stringify(results, null, 2)}\n` });
    const nonFinite = networks.filter((n) => nonFiniteLine(n) !== null).map((n) => `${n.cell} L${n.layers}`);
    const status = nonFinite.length === 0 ? 0 : NON_FINITE;
    if (nonFinite.length > 0) console.error(`ostl compare: non-finite gradients (NaN or infinite) in ${nonFinite.join(", ")}; see the nonFinite fields of ${join(out, "results.json")}`);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(results)}\n`);
      return status;
    }
    const loaded = loadWarning(results.provenance!);
    if (loaded !== null) console.log(`\nNote: ${loaded}.`);
    console.log(`\nTimes: ms per step, median over ${rounds} timed rounds, with the interquartile range (q1–q3) in brackets.`);
    for (const n of networks) {
      console.log(`\n${n.cell}, ${n.layers} layer${n.layers > 1 ? "s" : ""} (n = ${n.hiddenSize}, T = ${n.T})`);
      console.log(`  OSTL structure: ${structureLine(n)}`);
      console.log(formatTable(NETWORK_COLUMNS, networkRows(n)).replace(/^/gm, "  "));
      for (const line of [nonFiniteLine(n), cosineNotes(n), notRunLine(n)]) if (line !== null) console.log(line.replace(/^/gm, "  "));
    }
    console.log(`\nscaling with T (${scaling.vsT.cell}, n = ${scaling.vsT.hiddenSize}): floats held (analytic), live KiB held (measured) and ms per step`);
    const pointAt = (t: number, a: "bptt" | "ostl") => scaling.vsT.points.find((p) => p.T === t && p.algorithm === a)!;
    const vsTRows = Ts.map((t) => {
      const [bptt, ostl] = [pointAt(t, "bptt"), pointAt(t, "ostl")];
      return [String(t), String(bptt.memoryFloats), String(ostl.memoryFloats), (bptt.peakBytes / 1024).toFixed(0), (ostl.peakBytes / 1024).toFixed(0), formatTimeSpread(bptt.msPerStep), formatTimeSpread(ostl.msPerStep)];
    });
    console.log(formatTable(["T", "bptt floats", "ostl floats", "bptt KiB", "ostl KiB", "bptt ms/step", "ostl ms/step"], vsTRows).replace(/^/gm, "  "));
    console.log("\nscaling with n (OSTL): trace floats and ms per step");
    console.log(formatTable(["cell", "Jacobian", "n", "trace floats", "ms/step, median (q1–q3)"], scaling.vsN.map((p) => [p.cell, p.temporalJacobian, String(p.n), String(p.traceFloats), formatTimeSpread(p.msPerStep)])).replace(/^/gm, "  "));
    console.log(`\nreport: ${join(out, "index.html")}\nresults: ${join(out, "results.json")}`);
    return status;
  },
};

