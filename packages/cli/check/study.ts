/**
 * Checks an `ostl study` report as a person would see it, like check/report.ts does for compare:
 * headless Chromium, no console or page error, three charts with data marks (the alignment and
 * loss bands), a summary table, a screenshot next to the report. Usage: study.ts [REPORT_DIR]
 * (default: a fresh small study in reports/study-check).
 */
import { join, resolve } from "node:path";
import { main } from "@ostl/cli";
import { checkReportCharts } from "./charts.js";

const dir = resolve(process.argv[2] ?? join("reports", "study-check"));
if (process.argv[2] === undefined) {
  const code = await main(["study", "--task", "add", "--length", "20", "--lags", "2,4", "--examples", "32,4,4", "--hidden", "6", "--algos", "rtrl,eprop,uoro", "--seeds", "2", "--steps", "12", "--every", "3", "--quiet", "--out", dir]);
  if (code !== 0) throw new Error(`ostl study exited with ${code}`);
}
await checkReportCharts(join(dir, "index.html"), 3, "study report");
