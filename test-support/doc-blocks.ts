/**
 * Every TypeScript block of the documentation, in one list, and the strict type check of all of
 * them. The blocks are found by walking the places documentation lives, not by a list of files,
 * so a new guide, README or `@example` cannot escape the check:
 *
 * - the ```ts blocks of README.md, of each `packages/<name>/README.md` and of every Markdown file
 *   under `docs/guides/`;
 * - the ```ts blocks of the `@example` sections of the TSDoc in every `packages/<name>/src/`.
 *
 * Each block is written as a module of its own (`.mts`, so top-level `await` is allowed) and the
 * whole set is checked in one TypeScript program with the workspace's compiler options (strict),
 * `@ostl/*` imports resolved to the packages' sources. Two options differ, both as a user's own
 * `tsc --strict` has them: unused names are allowed (an example may define something only to
 * show it), and the DOM library is in (`WebAssembly`, and `document` in a page callback).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { extractExamples, markdownBlocks, repoRoot, workspaceSources, type Example } from "./examples.js";

function filesUnder(dir: string, ending: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name), ending) : e.name.endsWith(ending) ? [join(dir, e.name)] : []))
    .sort();
}

/** The Markdown files whose ```ts blocks are documentation: the READMEs and the guides. */
export function documentationMarkdown(): string[] {
  const packages = join(repoRoot, "packages");
  const readmes = readdirSync(packages)
    .map((p) => join(packages, p, "README.md"))
    .filter((f) => existsSync(f));
  return [join(repoRoot, "README.md"), ...readmes, ...filesUnder(join(repoRoot, "docs", "guides"), ".md")];
}

/** Every TypeScript block of the documentation, each named by its file and line. */
export function documentationBlocks(): Example[] {
  const markdown = documentationMarkdown().flatMap((f) => markdownBlocks(readFileSync(f, "utf8"), relative(repoRoot, f)));
  const packages = join(repoRoot, "packages");
  const tsdoc = readdirSync(packages).flatMap((p) =>
    filesUnder(join(packages, p, "src"), ".ts")
      .flatMap((f) => extractExamples(readFileSync(f, "utf8"), relative(repoRoot, f)))
      .filter((e): e is Example => e.code !== null),
  );
  return [...markdown, ...tsdoc];
}

/** One type error of a documentation block: where the block is, its line within it, the message. */
export interface BlockTypeError {
  where: string;
  line: number;
  message: string;
}

/**
 * The package whose dependencies a block may import: the one it is documented in, or `ostl`
 * (whose dependencies, mathjs among them, the guides and the root README use).
 */
function homePackage(where: string): string {
  return /^packages\/([^/]+)\//.exec(where)?.[1] ?? "ostl";
}

/**
 * Type-checks the blocks together in one strict program and returns every error, mapped back to
 * the block it is in. Each module is written under its home package's
 * `node_modules/.doc-types` (a folder per call, removed after), so that its third-party imports
 * resolve as they do for that package.
 */
export async function typeCheckBlocks(blocks: Example[]): Promise<BlockTypeError[]> {
  const ts = (await import("typescript")).default;
  const scratches = new Map<string, string>();
  const scratchOf = (pkg: string) => {
    if (!scratches.has(pkg)) {
      const parent = join(repoRoot, "packages", pkg, "node_modules", ".doc-types");
      mkdirSync(parent, { recursive: true });
      scratches.set(pkg, mkdtempSync(join(parent, "run-")));
    }
    return scratches.get(pkg)!;
  };
  try {
    const files = blocks.map((b, i) => {
      const file = join(scratchOf(homePackage(b.where)), `block${i}.mts`);
      writeFileSync(file, b.code);
      return file;
    });
    const paths: Record<string, string[]> = {};
    for (const [spec, source] of workspaceSources()) paths[spec] = [source];
    const base = ts.readConfigFile(join(repoRoot, "tsconfig.base.json"), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(base.config, ts.sys, repoRoot);
    const options = {
      ...parsed.options,
      composite: false,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
      noEmit: true,
      noUnusedLocals: false,
      noUnusedParameters: false,
      lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
      allowImportingTsExtensions: true,
      customConditions: ["source"],
      paths,
    };
    const program = ts.createProgram(files, options);
    const index = new Map(files.map((f, i) => [f, i]));
    return ts.getPreEmitDiagnostics(program).flatMap((d) => {
      const i = d.file ? index.get(d.file.fileName) : undefined;
      const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      if (i === undefined) {
        // an error outside the blocks (in a package's source) is still an error of the check
        const where = d.file ? relative(repoRoot, d.file.fileName) : "(program)";
        return [{ where, line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0, message }];
      }
      const line = d.start !== undefined ? d.file!.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return [{ where: blocks[i]!.where, line, message }];
    });
  } finally {
    for (const scratch of scratches.values()) rmSync(scratch, { recursive: true, force: true });
  }
}
