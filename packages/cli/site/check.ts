/**
 * Checks the built documentation site as a reader's browser shows it (`pnpm docs:check`, after
 * `pnpm docs:build`): serves docs/site on a local port and opens every page, the API reference's
 * included, in headless Chromium (Debian's `chromium`). It fails on console or page errors, failed
 * loads (style sheets, KaTeX fonts, scripts), KaTeX error marks, cell pages without rendered math
 * or whose formulas have no size, KaTeX fonts not in use, and links to files that do not exist.
 * Then it uses the site as a reader does: queries typed into the search box must list pages that
 * exist (one query must find a given API page), and a guide's code must be highlighted (shiki's
 * coloured tokens). Screenshots of a cell page, of search results and of a guide's code are saved
 * in docs/site/screenshots.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, extname, join, normalize, relative, sep } from "node:path";
import { CHROMIUM_ARGS, chromiumPath } from "@ostl/cli";
import { type BrowserContext, chromium, type Page } from "playwright-core";

const site = join(import.meta.dirname, "..", "..", "..", "docs", "site");
const screenshots = join(site, "screenshots");
const cellPage = "cells/lstm.html";
const cellScreenshot = join(screenshots, "cell-lstm.png");
const guidePage = "guides/getting-started.html";
const guideScreenshot = join(screenshots, "guide-code.png");
/** Queries typed into the search box, each with a page its results must include. */
const QUERIES = [
  { query: "eligibility", finds: "guides/choosing-an-algorithm.html" },
  { query: "defineCell", finds: "api/@ostl/ostl/index/functions/defineCell.html" },
];
/** Pages opened at once. */
const PARALLEL = 4;
const searchScreenshot = (query: string) => join(screenshots, `search-${query}.png`);

/** The little of the DOM the check reads (the scripts are type-checked without the DOM library). */
interface PageElement {
  getAttribute(name: string): string | null;
  readonly textContent: string | null;
  getBoundingClientRect(): { width: number; height: number };
}
interface PageDocument {
  readonly fonts: { readonly ready: Promise<unknown>; check(font: string): boolean };
  querySelectorAll(selector: string): Iterable<PageElement & { readonly href: string; querySelectorAll(selector: string): Iterable<PageElement> }>;
}

interface Seen {
  katex: number;
  errors: string[];
  emptyFormulas: number;
  fontsReady: boolean;
}

/** Relative links of a page that point at no file. */
function brokenLinks(file: string): string[] {
  const html = readFileSync(file, "utf8");
  return [...html.matchAll(/(?:href|src)="([^"#?]+)[^"]*"/g)]
    .map((m) => m[1]!)
    .filter((href) => !/^[a-z]+:/.test(href) && !existsSync(join(dirname(file), href)));
}

const executablePath = chromiumPath();
if (executablePath === null) {
  console.error("docs:check needs Chromium: apt-get install -y chromium (Debian), or set OSTL_CHROMIUM to a Chromium binary");
  process.exit(1);
}
if (!existsSync(join(site, "index.html"))) {
  console.error("no site in docs/site: run pnpm docs:build first");
  process.exit(1);
}

const TYPES: Record<string, string> = { ".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".png": "image/png", ".json": "application/json" };
const server = createServer((req, res) => {
  const file = join(site, normalize(decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname)));
  if (!file.startsWith(site) || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
});
await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

/** The site's path of a URL the server serves, e.g. `guides/getting-started.html`. */
const sitePath = (url: string) => decodeURIComponent(new URL(url).pathname).slice(1);

/** A browser tab and what went wrong in it since its last {@link visit}. */
interface Tab {
  readonly page: Page;
  errors: string[];
}

/** A new tab that collects console errors, page errors and failed loads. */
async function newTab(context: BrowserContext): Promise<Tab> {
  const tab: Tab = { page: await context.newPage(), errors: [] };
  tab.page.on("console", (m) => m.type() === "error" && tab.errors.push(`console: ${m.text()}`));
  tab.page.on("pageerror", (e) => tab.errors.push(`page error: ${e.message}`));
  tab.page.on("requestfailed", (r) => tab.errors.push(`failed to load ${r.url()}: ${r.failure()?.errorText}`));
  tab.page.on("response", (r) => r.status() >= 400 && tab.errors.push(`HTTP ${r.status()} for ${r.url()}`));
  return tab;
}

/** Opens a page of the site in the tab, forgetting the errors of the page before. */
async function visit(tab: Tab, path: string): Promise<Page> {
  tab.errors = [];
  await tab.page.goto(base + path, { waitUntil: "load" });
  return tab.page;
}

/** Prints one check's line (and its problems) and returns its problems, each prefixed with `subject`. */
function report(subject: string, detail: string, own: readonly string[], quiet = false): string[] {
  if (own.length > 0 || !quiet) console.log(`${own.length === 0 ? "ok  " : "FAIL"} ${subject}: ${detail}${own.map((p) => `\n  - ${p}`).join("")}`);
  return own.map((p) => `${subject}: ${p}`);
}

/** Loads one page in the tab and returns its problems (an API page is printed only when it has some). */
async function checkPage(tab: Tab, path: string): Promise<string[]> {
  const page = await visit(tab, path);
  const seen: Seen = await page.evaluate(async () => {
    const { document } = globalThis as unknown as { document: PageDocument };
    await document.fonts.ready;
    const formulas = [...document.querySelectorAll(".katex")];
    return {
      katex: formulas.length,
      errors: [...document.querySelectorAll(".katex-error")].map((e) => e.getAttribute("title") ?? e.textContent ?? ""),
      emptyFormulas: formulas.filter((f) => f.getBoundingClientRect().width === 0 || f.getBoundingClientRect().height === 0).length,
      fontsReady: formulas.length === 0 || document.fonts.check("16px KaTeX_Main"),
    };
  });
  const own: string[] = [...tab.errors, ...seen.errors.map((e) => `KaTeX error: ${e}`), ...brokenLinks(join(site, path)).map((l) => `broken link: ${l}`)];
  if (path.startsWith("cells/") && path !== "cells/index.html" && seen.katex < 10) own.push(`only ${seen.katex} formulas rendered`);
  if (seen.emptyFormulas > 0) own.push(`${seen.emptyFormulas} formulas have no size`);
  if (!seen.fontsReady) own.push("KaTeX fonts not loaded");
  if (path === cellPage) await page.screenshot({ path: cellScreenshot });
  return report(path, `${seen.katex} formulas`, own, path.startsWith("api/"));
}

/** Types a query into the home page's search box; its results must link to pages that exist, `finds` among them. */
async function checkSearch(tab: Tab, query: string, finds: string, screenshot: string): Promise<string[]> {
  const page = await visit(tab, "index.html");
  await page.fill("#search", query);
  await page.waitForSelector("#search-results a", { timeout: 10_000 }).catch(() => undefined);
  const hits = await page.evaluate(() => [...(globalThis as unknown as { document: PageDocument }).document.querySelectorAll("#search-results a")].map((a) => a.href));
  const paths = hits.map(sitePath);
  const own = [...tab.errors, ...paths.filter((p) => !existsSync(join(site, p))).map((p) => `a result links to no page: ${p}`)];
  if (paths.length === 0) own.push("no results");
  else if (!paths.includes(finds)) own.push(`${finds} is not among the ${paths.length} results`);
  await page.screenshot({ path: screenshot });
  return report(`search "${query}"`, `${paths.length} results, first ${paths.slice(0, 3).join(", ")}`, own);
}

/** The guide's code blocks must be highlighted: shiki's blocks, tokens in several colours; the screenshot shows the most colourful block. */
async function checkHighlighting(tab: Tab, path: string, screenshot: string): Promise<string[]> {
  const page = await visit(tab, path);
  const blocks = await page.evaluate(() =>
    [...(globalThis as unknown as { document: PageDocument }).document.querySelectorAll("main pre.shiki")].map((pre) => new Set([...pre.querySelectorAll("span[style]")].map((s) => /color:\s*([^;]+)/i.exec(s.getAttribute("style") ?? "")?.[1]?.toLowerCase())).size),
  );
  const own = [...tab.errors];
  if (blocks.length === 0) own.push("no highlighted code block");
  else if (Math.max(...blocks) < 4) own.push(`the code has at most ${Math.max(...blocks)} colours`);
  if (blocks.length > 0) await page.locator("main pre.shiki").nth(blocks.indexOf(Math.max(...blocks))).scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot });
  return report(`highlighted code in ${path}`, `${blocks.length} blocks, colours per block ${blocks.join(" ")}`, own);
}

const pages = readdirSync(site, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".html"))
  .map((f) => f.split(sep).join("/"))
  .sort();
mkdirSync(screenshots, { recursive: true });
const problems: string[] = [];
const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const tabs = await Promise.all(Array.from({ length: PARALLEL }, () => newTab(context)));
  const queue = [...pages];
  await Promise.all(
    tabs.map(async (tab) => {
      for (let path = queue.shift(); path !== undefined; path = queue.shift()) problems.push(...(await checkPage(tab, path)));
    }),
  );
  console.log(`${pages.filter((p) => p.startsWith("api/")).length} API pages loaded (only failures listed)`);
  for (const { query, finds } of QUERIES) problems.push(...(await checkSearch(tabs[0]!, query, finds, searchScreenshot(query))));
  problems.push(...(await checkHighlighting(tabs[0]!, guidePage, guideScreenshot)));
} finally {
  await browser.close();
  server.close();
}
for (const shot of [cellScreenshot, ...QUERIES.map(({ query }) => searchScreenshot(query)), guideScreenshot]) {
  if (!existsSync(shot)) problems.push(`no screenshot ${relative(process.cwd(), shot)}`);
  else console.log(`screenshot: ${relative(process.cwd(), shot)}`);
}
if (problems.length > 0) {
  console.error(`docs:check failed (${problems.length} problems)`);
  process.exit(1);
}
console.log(`docs:check passed: ${pages.length} pages, KaTeX rendered without errors, no console errors, no broken links, search finds pages that exist, guide code highlighted`);
