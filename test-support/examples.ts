/**
 * The documentation check shared by every package: each `@example` section of the TSDoc in a
 * package's `src/` must hold a ```ts block, every block is run, and what each `console.log` line
 * prints is compared with its `// expected output` comment (at the end of the line, or the comment
 * lines right below it), so the documentation cannot drift from the code. Only the example's own
 * `console.log` calls count: what library code logs while an example runs is dropped. A second
 * test asks the type checker for every export of the package's entry points (the `source` files
 * of its package.json `exports`) and requires TSDoc with an `@example` on each. With
 * `readme: true` the ```ts blocks of the package's README.md are run and checked as well.
 *
 * Examples import the public package names. Every `@ostl/*` specifier (subpaths such as
 * `@ostl/autodiff/testing` included) is rewritten to the source file that the workspace
 * package's `exports` name under the `source` condition, so an example may import any workspace
 * package, even one its own package does not depend on (an `@ostl/ostl` example may use
 * `@ostl/models`). The rewritten examples are written to a folder of their own per run under
 * the package's `node_modules/.examples` (ignored by git) and imported; vitest resolves the
 * sources' own `@ostl/*` imports to the same files through the `source` condition, so one module
 * instance serves both.
 *
 * This file lives at the repository root, outside every package, so that each package's
 * `test/examples.test.ts` imports it by relative path without any package depending on another
 * for its tests (no dependency cycles); `tsconfig.test.json` includes it for type checking.
 * Usage, in `packages/<name>/test/examples.test.ts`:
 *
 * ```ts
 * import { exampleSuite } from "../../../test-support/examples.js";
 * exampleSuite(import.meta.url, { minExamples: 80, minExports: 90 });
 * ```
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

/** The repository root (the folder that holds `packages/`). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/** One example: where its block starts and its code. */
export interface Example {
  where: string;
  code: string;
}

/** Settings of {@link exampleSuite}. */
export interface ExampleSuiteOptions {
  /** Fail when fewer examples than this are found (guards against a broken extractor). */
  minExamples: number;
  /** Fail when the entry points export fewer names than this. */
  minExports: number;
  /**
   * Source files or folders (relative to the package root, a folder ending in `/`) left out of
   * both checks, each with the reason: their examples are not run and their exports need none.
   */
  skip?: Record<string, string>;
  /** Milliseconds allowed per example (default 20 000). */
  timeout?: number;
  /** Also run every ```ts block of the package's README.md, checked the same way. */
  readme?: boolean;
}

/** Every ```ts block of a Markdown text, with the line it starts on. */
export function markdownBlocks(text: string, name: string): Example[] {
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => ({ where: `${name}:${text.slice(0, m.index).split("\n").length + 1}`, code: m[1]! }));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []))
    .sort();
}

/**
 * The `@example` sections of the TSDoc comments of one file: each section runs from its tag to
 * the next tag outside a code fence, or to the end of the comment. Returns one entry per ```ts
 * block, and one with `code: null` for a section without any.
 */
export function extractExamples(text: string, name: string): { where: string; code: string | null }[] {
  const out: { where: string; code: string | null }[] = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const first = text.slice(0, comment.index).split("\n").length;
    const lines = comment[0].split("\n").map((l) => l.replace(/^\s*\/?\*+\/?\s?/, "").replace(/\s*\*\/$/, ""));
    let fenced = false;
    let section: number | null = null;
    let found = false;
    let block: { start: number; lines: string[] } | null = null;
    const close = () => {
      if (section !== null && !found) out.push({ where: `${name}:${first + section}`, code: null });
      section = null;
    };
    lines.forEach((line, k) => {
      const trimmed = line.trim();
      if (trimmed.startsWith("```")) {
        if (!fenced && section !== null && trimmed === "```ts") block = { start: k, lines: [] };
        else if (fenced && block) {
          out.push({ where: `${name}:${first + block.start + 1}`, code: block.lines.join("\n") });
          found = true;
          block = null;
        }
        fenced = !fenced;
        return;
      }
      if (fenced) {
        block?.lines.push(line);
        return;
      }
      const example = /(^|\s)@example(\s|$)/.test(trimmed);
      if (example || /^@[a-zA-Z]+(\s|$)/.test(trimmed)) {
        close();
        if (example) {
          section = k;
          found = false;
        }
      }
    });
    close();
  }
  return out;
}

/**
 * The expected output of each console.log statement, in order: the comment at the end of its
 * line, else the run of comment lines right below it (for output of several lines), else null
 * (the output is not checked).
 */
export function expectations(code: string): (string | null)[] {
  const lines = code.split("\n");
  const out: (string | null)[] = [];
  lines.forEach((l, i) => {
    if (!l.includes("console.log(")) return;
    const same = l.match(/\/\/\s*(.*)$/);
    if (same) return out.push(same[1]!);
    const below: string[] = [];
    for (let k = i + 1; k < lines.length; k++) {
      const m = lines[k]!.match(/^\s*\/\/\s?(.*)$/);
      if (!m) break;
      below.push(m[1]!);
    }
    out.push(below.length > 0 ? below.join("\n") : null);
  });
  return out;
}

/**
 * Every `@ostl/*` specifier of the workspace mapped to its source file, from the `source`
 * condition of each package's `exports`.
 */
export function workspaceSources(): Map<string, string> {
  const map = new Map<string, string>();
  const packages = join(repoRoot, "packages");
  for (const dir of readdirSync(packages)) {
    const manifest = join(packages, dir, "package.json");
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { name: string; exports?: Record<string, { source?: string }> };
    for (const [key, value] of Object.entries(pkg.exports ?? {})) {
      if (value.source) map.set(pkg.name + key.slice(1), join(packages, dir, value.source));
    }
  }
  return map;
}

/** The code with every static or dynamic import of a workspace package pointed at its source. */
export function mapImports(code: string, sources: Map<string, string>): string {
  return code.replace(/(from\s+|import\s*\(\s*|import\s+)(["'])(@ostl\/[^"']+)\2/g, (_whole, head: string, _quote, spec: string) => {
    const file = sources.get(spec);
    if (!file) throw new Error(`example imports ${spec}, which no workspace package exports`);
    return `${head}${JSON.stringify(file)}`;
  });
}

/** The stack frame that called console.log: the first one outside this file and the spy's library. */
function callerOf(stack: string): string {
  const self = fileURLToPath(import.meta.url);
  const frames = stack.split("\n").slice(1);
  return frames.find((f) => !f.includes(self) && !(f.includes("/node_modules/") && !f.includes("/.examples/"))) ?? "";
}

const normalize = (s: string) => s.replace(/[\s"']/g, "");
const show = (v: unknown) => (typeof v === "string" ? v : inspect(v, { depth: Infinity, breakLength: Infinity }));

/**
 * Declares the two documentation tests for the package whose `test/` folder holds the calling
 * file (`testUrl` is its `import.meta.url`).
 */
export function exampleSuite(testUrl: string, options: ExampleSuiteOptions): void {
  const root = join(dirname(fileURLToPath(testUrl)), "..");
  const src = join(root, "src");
  // one folder per run: test runs of the same package may overlap
  const scratchParent = join(root, "node_modules", ".examples");
  let scratch = "";
  const skipped = (file: string) => Object.keys(options.skip ?? {}).some((s) => (s.endsWith("/") ? file.startsWith(s) : file === s));
  const sources = workspaceSources();
  const found = sourceFiles(src)
    .filter((file) => !skipped(relative(root, file)))
    .flatMap((file) => extractExamples(readFileSync(file, "utf8"), relative(root, file)));
  const readme = join(root, "README.md");
  const runnable = [
    ...found.filter((e): e is Example => e.code !== null),
    ...(options.readme ? markdownBlocks(readFileSync(readme, "utf8"), "README.md") : []),
  ];

  describe("TSDoc examples run and print what their comments say", () => {
    beforeAll(() => {
      mkdirSync(scratchParent, { recursive: true });
      scratch = mkdtempSync(join(scratchParent, "run-"));
    });
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    it("finds the examples, each with a ```ts block", () => {
      const bare = found.filter((e) => e.code === null).map((e) => e.where);
      expect(bare, `@example sections without a \`\`\`ts block: ${bare.join(", ")}`).toEqual([]);
      expect(runnable.length).toBeGreaterThanOrEqual(options.minExamples);
    });

    it.each(runnable.map((e, i) => [e.where, e, i] as const))(
      "%s",
      async (_, ex, i) => {
        const file = join(scratch, `example${i}.ts`);
        writeFileSync(file, mapImports(ex.code, sources));
        const printed: string[] = [];
        // only the example's own console.log calls are its output; what the library logs itself
        // (a command's report, say) is dropped
        const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
          if (callerOf(new Error().stack ?? "").includes(file)) printed.push(args.map(show).join(" "));
        });
        try {
          await import(/* @vite-ignore */ file);
        } finally {
          spy.mockRestore();
        }
        const wanted = expectations(ex.code);
        expect(printed.length, `console.log lines in the example vs calls made; printed:\n${printed.join("\n")}`).toBe(wanted.length);
        wanted.forEach((w, k) => {
          if (w !== null) expect(normalize(printed[k]!), `console.log ${k + 1} printed:\n${printed[k]}`).toBe(normalize(w));
        });
      },
      options.timeout ?? 20_000,
    );
  });

  describe("every public export has TSDoc with an @example", () => {
    it(
      "checks the declarations behind the package's entry points",
      async () => {
        const ts = (await import("typescript")).default;
        const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, { source: string }> };
        const entries = Object.values(manifest.exports).map((e) => join(root, e.source));
        const program = ts.createProgram(entries, {
          module: ts.ModuleKind.NodeNext,
          moduleResolution: ts.ModuleResolutionKind.NodeNext,
          customConditions: ["source"],
          skipLibCheck: true,
          noEmit: true,
        });
        const checker = program.getTypeChecker();
        const missing: string[] = [];
        let count = 0;
        for (const entry of entries) {
          const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
          for (const sym of checker.getExportsOfModule(moduleSymbol)) {
            count++;
            const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
            const declarations = target.declarations ?? [];
            if (declarations.some((d) => skipped(relative(root, d.getSourceFile().fileName)))) continue;
            const documented = declarations.some((d) => ts.getJSDocTags(d).some((t) => t.tagName.text === "example"));
            if (!documented) missing.push(`${relative(root, entry)}: ${sym.name}`);
          }
        }
        expect(count).toBeGreaterThanOrEqual(options.minExports);
        expect(missing, `exports without an @example: ${missing.join(", ")}`).toEqual([]);
      },
      60_000,
    );
  });
}
