import { existsSync } from "node:fs";

/**
 * Where Debian's `chromium` package puts the browser (override with OSTL_CHROMIUM).
 *
 * @example
 * ```ts
 * import { chromiumPath } from "@ostl/cli";
 * process.env.OSTL_CHROMIUM = process.execPath; // any existing file is taken as the browser
 * console.log(chromiumPath() === process.execPath); // true
 * delete process.env.OSTL_CHROMIUM;
 * ```
 */
export function chromiumPath(): string | null {
  const candidates = [process.env.OSTL_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter((p): p is string => p !== undefined && p !== "");
  return candidates.find((p) => existsSync(p)) ?? null;
}

/**
 * Launch flags that work on a closed network as root (see TOOLING.md).
 *
 * @example
 * ```ts
 * import { CHROMIUM_ARGS } from "@ostl/cli";
 * console.log(CHROMIUM_ARGS.includes("--no-sandbox"), CHROMIUM_ARGS.length); // true 7
 * ```
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * What a page showed in headless Chromium: console errors, uncaught page errors, and the result
 * of `inspect` evaluated in the page; a screenshot is saved to `screenshot` when given.
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { inspectPage } from "@ostl/cli";
 * const page = join(mkdtempSync(join(tmpdir(), "page-")), "index.html");
 * writeFileSync(page, "<title>report</title><script>console.error('no data')</script>");
 * const seen = await inspectPage(`file://${page}`, () => document.title);
 * console.log(seen.result, seen.errors); // report ["console: no data"]
 * ```
 */
export async function inspectPage<T>(url: string, inspect: () => T, screenshot?: string): Promise<{ errors: string[]; result: T }> {
  const executablePath = chromiumPath();
  if (executablePath === null) throw new Error("no Chromium found: install Debian's chromium package (apt-get install -y chromium) or set OSTL_CHROMIUM");
  const { chromium } = await import("playwright-core");
  // playwright gives every launch a fresh, empty profile of its own
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
    page.on("pageerror", (e) => errors.push(`page: ${e.message}`));
    await page.goto(url, { waitUntil: "load" });
    const result = await page.evaluate(inspect);
    if (screenshot !== undefined) await page.screenshot({ path: screenshot, fullPage: true });
    return { errors, result };
  } finally {
    await browser.close();
  }
}
