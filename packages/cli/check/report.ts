/**
 * Checks an `ostl compare` report as a person would see it: renders index.html in headless
 * Chromium, fails on any console or page error, checks every chart is an SVG with data marks,
 * and saves a screenshot next to the report. Usage: report.ts [REPORT_DIR] (default: a fresh
 * small comparison in reports/check).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { inspectPage, main } from "@ostl/cli";

const dir = resolve(process.argv[2] ?? join("reports", "check"));
if (process.argv[2] === undefined) {
  const code = await main(["compare", "--cell", "ssnu", "--layers", "1,2", "--T", "10", "--quiet", "--out", dir]);
  if (code !== 0) throw new Error(`ostl compare exited with ${code}`);
}
const page = join(dir, "index.html");
if (!existsSync(page)) throw new Error(`no report at ${page}`);
const screenshot = join(dir, "screenshot.png");
const { errors, result } = await inspectPage(
  pathToFileURL(page).href,
  () =>
    [...document.querySelectorAll(".chart svg")].map((svg) => ({
      title: svg.querySelector(".role-title-text")?.textContent ?? "",
      marks: svg.querySelectorAll(".mark-symbol path, .mark-line path").length,
      width: svg.getBoundingClientRect().width,
    })),
  screenshot,
);
const problems = [...errors];
if (result.length < 6) problems.push(`expected 6 charts, found ${result.length}`);
for (const chart of result) if (chart.marks === 0 || chart.width < 100) problems.push(`chart '${chart.title}' has no data marks or no size (${chart.marks} marks, ${chart.width}px)`);
for (const chart of result) console.log(`chart '${chart.title}': ${chart.marks} marks, ${Math.round(chart.width)} px wide`);
console.log(`screenshot: ${screenshot}`);
if (problems.length > 0) {
  console.error(`report check failed:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log("report check passed: no console errors, every chart drawn with data");
