/**
 * The API reference as Markdown: typedoc reads every package's entry point
 * (`entryPointStrategy: "packages"`) and typedoc-plugin-markdown writes one Markdown page per
 * package, module and export, each package's README as its first page. The site renders these
 * pages like the guides (see pages.ts `apiPages`), in the same template.
 */
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Application } from "typedoc";
import type { PluginOptions } from "typedoc-plugin-markdown";

/** What typedoc reported while writing the API reference. */
export interface ApiReport {
  readonly converted: boolean;
  readonly errors: number;
  readonly warnings: number;
}

/**
 * Writes the API reference of every package under `packages` into `out` (emptied first) as
 * Markdown. Reads the packages' sources with their compiled declarations next to them, and does
 * not type-check them again: run `tsc -b` first.
 */
export async function writeApiMarkdown(packages: string, out: string): Promise<ApiReport> {
  rmSync(out, { recursive: true, force: true });
  const markdownOptions: Partial<PluginOptions> = { hidePageHeader: true, useCodeBlocks: true };
  const app = await Application.bootstrapWithPlugins({
    name: "API reference",
    plugin: ["typedoc-plugin-markdown"],
    entryPoints: readdirSync(packages).map((p) => join(packages, p)),
    entryPointStrategy: "packages",
    // `tsc -b` has type-checked the packages already (docs:build runs it first)
    packageOptions: { entryPoints: ["src/index.ts"], disableSources: true, disableGit: true, skipErrorChecking: true },
    readme: "none",
    out,
    disableSources: true,
    disableGit: true,
    logLevel: "Warn",
    ...markdownOptions,
  });
  const project = await app.convert();
  if (project !== undefined) await app.generateOutputs(project);
  return { converted: project !== undefined, errors: app.logger.errorCount, warnings: app.logger.warningCount };
}
