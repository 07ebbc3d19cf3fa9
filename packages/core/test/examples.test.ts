/**
 * Runs every `@example` block of the TSDoc in `src/` and checks what it prints against the
 * `// expected output` comment of each `console.log` line, so documentation cannot drift from
 * the code. Examples are written to a scratch folder under node_modules (ignored by git) and
 * imported, with `@ostl/core` pointing at the sources.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { afterAll, describe, expect, it, vi } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const scratch = join(root, "node_modules", ".examples");

interface Example {
  where: string;
  code: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

function examples(): Example[] {
  const out: Example[] = [];
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/@example\s*\n((?:\s*\*.*\n)*?)\s*\*\//g)) {
      const body = m[1].split("\n").map((l) => l.replace(/^\s*\* ?/, ""));
      const start = body.indexOf("```ts");
      const end = body.indexOf("```", start + 1);
      const line = text.slice(0, m.index).split("\n").length;
      out.push({ where: `${relative(root, file)}:${line}`, code: body.slice(start + 1, end).join("\n") });
    }
  }
  return out;
}

/** The expected output comment of each console.log statement, in order (null when absent). */
function expectations(code: string): (string | null)[] {
  const lines = code.split("\n");
  const out: (string | null)[] = [];
  lines.forEach((l, i) => {
    if (!l.includes("console.log(")) return;
    const same = l.match(/\/\/\s*(.*)$/);
    const next = lines[i + 1]?.match(/^\s*\/\/\s*(.*)$/);
    out.push(same ? same[1] : next ? next[1] : null);
  });
  return out;
}

const normalize = (s: string) => s.replace(/[\s"']/g, "");
const show = (v: unknown) => (typeof v === "string" ? v : inspect(v, { depth: Infinity, breakLength: Infinity }));

const all = examples();

describe("TSDoc examples run and print what their comments say", () => {
  mkdirSync(scratch, { recursive: true });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("finds the examples", () => {
    expect(all.length).toBeGreaterThan(80);
  });

  it.each(all.map((e, i) => [e.where, e, i] as const))("%s", async (_, ex, i) => {
    const code = ex.code.replaceAll(`from "@ostl/core"`, `from ${JSON.stringify(join(src, "index.ts"))}`);
    const file = join(scratch, `example${i}.ts`);
    writeFileSync(file, code);
    const printed: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      printed.push(args.map(show).join(" "));
    });
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      spy.mockRestore();
    }
    const wanted = expectations(ex.code);
    expect(printed.length).toBe(wanted.length);
    wanted.forEach((w, k) => {
      if (w !== null) expect(normalize(printed[k])).toBe(normalize(w));
    });
  });
});

describe("every public export has TSDoc with an @example", () => {
  it("checks the declarations behind src/index.ts", async () => {
    const ts = (await import("typescript")).default;
    const index = join(src, "index.ts");
    const program = ts.createProgram([index], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true });
    const checker = program.getTypeChecker();
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
    const missing: string[] = [];
    const exported = checker.getExportsOfModule(moduleSymbol);
    for (const sym of exported) {
      const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
      const documented = (target.declarations ?? []).some((d) => ts.getJSDocTags(d).some((t) => t.tagName.text === "example"));
      if (!documented) missing.push(sym.name);
    }
    expect(exported.length).toBeGreaterThan(90);
    expect(missing).toEqual([]);
  });
});
