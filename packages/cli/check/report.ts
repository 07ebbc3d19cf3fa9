/**
 * Checks an `ostl compare` report as a person would see it: renders index.html in headless
 * Chromium, fails on any console or page error, checks every chart is an SVG with data marks,
 * that the time charts draw error bars, that the summary table gives each time with its
 * interquartile range and that a loaded machine is called out, and saves a screenshot next to the report. Usage: report.ts [REPORT_DIR]
 * (default: a fresh small comparison in a new folder under reports/check).
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type CompareResults, main } from "@ostl/cli";
import { checkReportCharts } from "./charts.js";

// a new folder each time: the screenshot saved beside a report is not part of it, so a later
// comparison would refuse the folder
const dir = resolve(process.argv[2] ?? join("reports", "check", new Date().toISOString().replace(/[:.]/g, "-")));
if (process.argv[2] === undefined) {
  const code = await main(["compare", "--cell", "ssnu", "--layers", "1,2", "--T", "10", "--quiet", "--out", dir]);
  if (code !== 0) throw new Error(`ostl compare exited with ${code}`);
}
/** A time as the tables give it: the median, then the interquartile range in brackets. */
const spread = /^\d+\.\d{3} \(\d+\.\d{3}–\d+\.\d{3}\)$/;
await checkReportCharts(join(dir, "index.html"), 7, "compare report", (seen) => {
  const problems: string[] = [];
  const timeCharts = seen.charts.filter((c) => /^(Time per step|OSTL time per step)/.test(c.title));
  if (timeCharts.length !== 3) problems.push(`expected 3 time charts, found ${timeCharts.map((c) => `'${c.title}'`).join(", ") || "none"}`);
  for (const chart of timeCharts) if (chart.errorBars === 0) problems.push(`time chart '${chart.title}' has no error bars`);
  for (const chart of seen.charts.filter((c) => !timeCharts.includes(c))) if (chart.errorBars > 0) problems.push(`chart '${chart.title}' is not a time chart but has error bars`);
  // the first table is the summary: each algorithm's time per depth, "median (q1–q3) / ..."
  const summary = seen.tables[0] ?? [];
  const times = summary.map((row) => row[3] ?? "");
  if (summary.length === 0 || !times.every((t) => t.split(" / ").every((one) => spread.test(one)))) problems.push(`the summary table does not give every time with its spread: ${JSON.stringify(times)}`);
  console.log(`summary table, bptt: ${summary[0]?.join(" | ")}`);
  // a loaded machine (by the load averages the report recorded) is called out
  const loaded = (JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as CompareResults).provenance?.loaded === true;
  if (loaded !== seen.warnings.some((w) => w.includes("the machine was loaded"))) problems.push(`results.json says loaded: ${loaded}, the page's warnings: ${JSON.stringify(seen.warnings)}`);
  if (seen.warnings.length > 0) console.log(`warnings at the top: ${seen.warnings.join(" / ")}`);
  return problems;
});
