/**
 * Checks an `ostl compare` report as a person would see it: renders index.html in headless
 * Chromium, fails on any console or page error, checks every chart is an SVG with data marks,
 * and saves a screenshot next to the report. Usage: report.ts [REPORT_DIR] (default: a fresh
 * small comparison in reports/check).
 */
import { join, resolve } from "node:path";
import { main } from "@ostl/cli";
import { checkReportCharts } from "./charts.js";

const dir = resolve(process.argv[2] ?? join("reports", "check"));
if (process.argv[2] === undefined) {
  const code = await main(["compare", "--cell", "ssnu", "--layers", "1,2", "--T", "10", "--quiet", "--out", dir]);
  if (code !== 0) throw new Error(`ostl compare exited with ${code}`);
}
await checkReportCharts(join(dir, "index.html"), 7, "compare report");
