/**
 * The check both report scripts make: a report page opened in headless Chromium, no console or
 * page error, every chart an SVG with data marks (points, lines or bands) and a size, a screenshot
 * saved beside the page. A script adds its own checks on what the page showed (`moreProblems`).
 * Exits the process with status 1 on a problem.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { inspectPage } from "@ostl/cli";

/** What the check reads off a report page. */
export interface ReportPage {
  charts: { title: string; marks: number; errorBars: number; width: number }[];
  rows: number;
  /** The text of each table's cells, table by table, row by row. */
  tables: string[][][];
  /** The text of the warning paragraphs, in page order. */
  warnings: string[];
}

export async function checkReportCharts(page: string, expectedCharts: number, what: string, moreProblems: (seen: ReportPage) => string[] = () => []): Promise<void> {
  if (!existsSync(page)) throw new Error(`no report at ${page}`);
  const screenshot = join(dirname(page), "screenshot.png");
  const { errors, result } = await inspectPage(
    pathToFileURL(page).href,
    (): ReportPage => ({
      charts: [...document.querySelectorAll(".chart svg")].map((svg) => ({
        title: svg.querySelector(".role-title-text")?.textContent ?? "",
        marks: svg.querySelectorAll(".mark-symbol path, .mark-line path, .mark-area path").length,
        errorBars: svg.querySelectorAll(".mark-rule.role-mark line").length,
        width: svg.getBoundingClientRect().width,
      })),
      rows: document.querySelectorAll("table tbody tr").length,
      tables: [...document.querySelectorAll("table")].map((t) => [...t.querySelectorAll("tbody tr")].map((r) => [...r.querySelectorAll("td")].map((c) => c.textContent ?? ""))),
      warnings: [...document.querySelectorAll("p.warning")].map((p) => p.textContent ?? ""),
    }),
    screenshot,
  );
  const problems = [...errors];
  if (result.charts.length < expectedCharts) problems.push(`expected ${expectedCharts} charts, found ${result.charts.length}`);
  if (result.rows === 0) problems.push("no table rows");
  for (const chart of result.charts) if (chart.marks === 0 || chart.width < 100) problems.push(`chart '${chart.title}' has no data marks or no size (${chart.marks} marks, ${chart.width}px)`);
  problems.push(...moreProblems(result));
  for (const chart of result.charts) console.log(`chart '${chart.title}': ${chart.marks} marks, ${chart.errorBars} error bars, ${Math.round(chart.width)} px wide`);
  console.log(`screenshot: ${screenshot}`);
  if (problems.length > 0) {
    console.error(`${what} check failed:\n- ${problems.join("\n- ")}`);
    process.exit(1);
  }
  console.log(`${what} check passed: no console errors, every chart drawn with data, ${result.rows} table rows`);
}
