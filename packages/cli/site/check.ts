/**
 * Checks the built documentation site as a reader's browser shows it (`pnpm docs:check`, after
 * `pnpm docs:build`): serves docs/site on a local port (typedoc's pages load their icons in a way
 * file: URLs refuse), opens every page in headless Chromium (Debian's `chromium`), fails on
 * console or page errors, failed loads (style sheets, KaTeX fonts), KaTeX error marks, cell pages
 * without rendered math or whose formulas have no size, KaTeX fonts not in use, and links to files
 * that do not exist; saves a screenshot of one cell page to docs/site/cell-lstm.png.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, extname, join, normalize, relative } from "node:path";
import { CHROMIUM_ARGS, chromiumPath } from "@ostl/cli";
import { chromium } from "playwright-core";

const site = join(import.meta.dirname, "..", "..", "..", "docs", "site");
const screenshotPage = "cells/lstm.html";
const screenshot = join(site, "cell-lstm.png");

/** The little of the DOM the check reads (the scripts are type-checked without the DOM library). */
interface PageDocument {
  readonly fonts: { readonly ready: Promise<unknown>; check(font: string): boolean };
  querySelectorAll(selector: string): Iterable<{ getAttribute(name: string): string | null; readonly textContent: string | null; getBoundingClientRect(): { width: number; height: number } }>;
}

interface Seen {
  katex: number;
  errors: string[];
  emptyFormulas: number;
  fontsReady: boolean;
}

function htmlPages(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === "api" ? [] : htmlPages(join(dir, e.name))) : e.name.endsWith(".html") ? [join(dir, e.name)] : []));
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
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
  // the browser asks for a site icon typedoc's pages do not declare: not part of the site
  if (path === "/favicon.ico") {
    res.writeHead(204).end();
    return;
  }
  const file = join(site, normalize(path));
  if (!file.startsWith(site) || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
});
await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const pages = [...htmlPages(site), join(site, "api", "index.html")];
const problems: string[] = [];
const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1600 } });
  for (const file of pages) {
    const path = relative(site, file);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => errors.push(`failed to load ${r.url()}: ${r.failure()?.errorText}`));
    page.on("response", (r) => r.status() >= 400 && errors.push(`HTTP ${r.status()} for ${r.url()}`));
    await page.goto(base + path, { waitUntil: "load" });
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
    const cellPage = path.startsWith("cells/") && path !== "cells/index.html";
    const own: string[] = [...errors, ...seen.errors.map((e) => `KaTeX error: ${e}`), ...brokenLinks(file).map((l) => `broken link: ${l}`)];
    if (cellPage && seen.katex < 10) own.push(`only ${seen.katex} formulas rendered`);
    if (seen.emptyFormulas > 0) own.push(`${seen.emptyFormulas} formulas have no size`);
    if (!seen.fontsReady) own.push("KaTeX fonts not loaded");
    if (path === screenshotPage) await page.screenshot({ path: screenshot });
    await page.close();
    console.log(`${own.length === 0 ? "ok  " : "FAIL"} ${path}: ${seen.katex} formulas${own.length > 0 ? `\n  - ${own.join("\n  - ")}` : ""}`);
    problems.push(...own.map((p) => `${path}: ${p}`));
  }
} finally {
  await browser.close();
  server.close();
}
if (!existsSync(screenshot)) problems.push(`no screenshot: ${screenshotPage} was not among the pages`);
else console.log(`screenshot: ${relative(process.cwd(), screenshot)}`);
if (problems.length > 0) {
  console.error(`docs:check failed (${problems.length} problems)`);
  process.exit(1);
}
console.log(`docs:check passed: ${pages.length} pages, KaTeX rendered without errors, no console errors, no broken links`);
