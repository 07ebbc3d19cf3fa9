/**
 * `ostl compile`: a layer's jit programs (forward step, its VJP, the batched state JVP) printed
 * after each is checked against the interpreter; built-in and user cells, the JSON schema, the
 * sizes flags, a refused batched JVP, a program that disagrees (exit 1) and bad flags (exit 2).
 */
import { join } from "node:path";
import { main } from "@ostl/cli";
import { afterEach, describe, expect, it, vi } from "vitest";
import { captureOutput } from "./capture.js";

const fixture = (name: string) => join(import.meta.dirname, "fixtures", name);

afterEach(() => vi.restoreAllMocks());

/** The printed programs: each heading line `// program NAME: ...` with the source up to the next heading. */
function printedPrograms(stdout: string): { name: string; heading: string; source: string }[] {
  return stdout
    .split(/^(?=\/\/ program )/m)
    .filter((block) => block.startsWith("// program "))
    .map((block) => {
      const [heading, ...source] = block.split("\n");
      return { name: /^\/\/ program (\S+):/.exec(heading!)![1]!, heading: heading!, source: source.join("\n") };
    });
}

/** The ops a source's `// fallback:` lines name. */
const fallbackOps = (source: string) => [...source.matchAll(/\/\/ fallback: (\S+)/g)].map((m) => m[1]);

async function compileJson(...argv: string[]) {
  const io = captureOutput();
  const code = await main(["compile", ...argv, "--json"]);
  return { code, report: code === 0 ? JSON.parse(io.stdout()) : null, stderr: io.stderr() };
}

describe("ostl compile prints a built-in cell's three programs, checked against the interpreter", () => {
  it.each(["rnn", "lstm", "ssnu"])("%s", async (cell) => {
    const io = captureOutput();
    expect(await main(["compile", "--cell", cell])).toBe(0);
    const programs = printedPrograms(io.stdout());
    expect(programs.map((p) => p.name)).toEqual(["step", "step-vjp", "state-jvp"]);
    for (const p of programs) {
      // the heading is followed by jit's own header, then a fused elementwise loop
      expect(p.source.startsWith("// jit program for [")).toBe(true);
      expect(p.source).toContain("for (");
    }
    expect(programs[0]!.heading).toBe("// program step: (params, state, x) => { state, y }");
    // the forward step and its VJP compile completely
    expect(fallbackOps(programs[0]!.source)).toEqual([]);
    expect(fallbackOps(programs[1]!.source)).toEqual([]);
    // the state JVP of a cell whose state goes through a matrix product needs a product with a
    // tangent axis (three axes), which jit runs through the op's impl, and the heading says so
    const jvp = programs[2]!;
    if (cell === "ssnu") {
      expect(fallbackOps(jvp.source)).toEqual([]);
      expect(jvp.heading).not.toContain("impl");
    } else {
      expect(new Set(fallbackOps(jvp.source))).toEqual(new Set(["matmul"]));
      expect(jvp.heading).toContain("without a compile rule call their impl: matmul");
    }
    expect(io.stderr()).toMatch(new RegExp(`^ostl compile: ${cell}: 3 program\\(s\\) equal the interpreter at a random point`));
  });

  it("compiles at the sizes and dtype given: a float32 batch of 3 rows, 5 units, 2 inputs", async () => {
    const io = captureOutput();
    expect(await main(["compile", "--cell", "lstm", "--hidden", "5", "--input", "2", "--batch", "3", "--dtype", "float32"])).toBe(0);
    const [step, vjp, jvp] = printedPrograms(io.stdout());
    expect(step!.source).toContain('{"c":f32[3,5] "h":f32[3,5]} f32[3,2]]');
    expect(vjp!.source).toContain('"W_f":f32[5,2]');
    // one direction per state entry of an example: c and h, 5 each
    expect(jvp!.heading).toContain("10 state tangents");
    expect(jvp!.source).toContain('{"c":f32[10,3,5] "h":f32[10,3,5]}]');
  });
});

describe("ostl compile --json", () => {
  it("prints one object with schema ostl-compile/1: the cell, the sizes and every program checked", async () => {
    const { code, report } = await compileJson("--cell", "ssnu", "--hidden", "3");
    expect(code).toBe(0);
    expect(Object.keys(report)).toEqual(["schema", "cell", "sizes", "programs", "uncompiled"]);
    expect(report.schema).toBe("ostl-compile/1");
    expect(report.cell).toBe("ssnu");
    expect(report.sizes).toEqual({ hidden: 3, input: 3, batch: null, dtype: "float64" });
    expect(report.uncompiled).toEqual([]);
    expect(report.programs.map((p: { name: string }) => p.name)).toEqual(["step", "step-vjp", "state-jvp"]);
    for (const p of report.programs) {
      expect(Object.keys(p)).toEqual(["name", "signature", "source", "checked", "maxRelativeError"]);
      expect(p.checked).toBe(true);
      expect(p.maxRelativeError).toBeLessThanOrEqual(1e-12);
      expect(p.source).toContain("for (");
      expect(p.source).toContain('{"s":f64[3] "y":f64[3]}');
    }
  });
});

describe("ostl compile with a user's cell module", () => {
  it("compiles a module's cell like a built-in one", async () => {
    const { code, report } = await compileJson("--cell", fixture("leaky-cell.ts"));
    expect(code).toBe(0);
    expect(report.cell).toBe("leaky-tanh");
    expect(report.programs.map((p: { name: string }) => p.name)).toEqual(["step", "step-vjp", "state-jvp"]);
    expect(report.programs.every((p: { source: string }) => p.source.includes("for ("))).toBe(true);
  });

  it("marks a user op without a compile rule, and prints a line instead of a JVP jit refuses for batched tangents", async () => {
    const io = captureOutput();
    expect(await main(["compile", "--cell", fixture("unbatched-op-cell.ts")])).toBe(0);
    const programs = printedPrograms(io.stdout());
    expect(programs.map((p) => p.name)).toEqual(["step", "step-vjp", "state-jvp"]);
    expect(programs[0]!.heading).toContain("1 op(s) without a compile rule call their impl: cube");
    expect(fallbackOps(programs[0]!.source)).toEqual(["cube"]);
    expect(programs[2]!.heading).toBe(
      "// program state-jvp: (params, state, x, 4 state tangents) => [{ state, y }, 4 tangents of { state, y }]: not compiled: cube: has no forward rule for batched tangents",
    );
    expect(programs[2]!.source.trim()).toBe("");
    expect(io.stderr()).toContain("cubic: 2 program(s) equal the interpreter");
  });

  it("lists the refused JVP under uncompiled in --json", async () => {
    const { code, report } = await compileJson("--cell", fixture("unbatched-op-cell.ts"));
    expect(code).toBe(0);
    expect(report.programs.map((p: { name: string }) => p.name)).toEqual(["step", "step-vjp"]);
    expect(report.uncompiled).toEqual([
      { name: "state-jvp", signature: "(params, state, x, 4 state tangents) => [{ state, y }, 4 tangents of { state, y }]", reason: "cube: has no forward rule for batched tangents" },
    ]);
  });

  it("exits 1 naming each program that disagrees with the interpreter, and prints no source", async () => {
    // the step replaces an array of its closure after every call: the compiled program keeps the one it was traced with
    const io = captureOutput();
    expect(await main(["compile", "--cell", fixture("impure-cell.ts")])).toBe(1);
    expect(io.stdout()).toBe("");
    const lines = io.stderr().trim().split("\n");
    expect(lines.map((l) => /the compiled program (\S+) disagrees/.exec(l)?.[1])).toEqual(["step", "step-vjp", "state-jvp"]);
    expect(lines[0]).toMatch(/^ostl compile: drifting: the compiled program step disagrees with the interpreter: relative error [0-9.e-]+ > 1e-12 \(float64\)$/);
  });
});

describe("ostl compile's usage errors exit 2 with one line", () => {
  it.each([
    [[], "ostl compile: --cell NAME|path/to/cell.ts is required"],
    [["--cell", "rnn", "--hidden", "0"], "ostl compile: --hidden must be an integer >= 1, got '0'"],
    [["--cell", "rnn", "--input", "x"], "ostl compile: --input must be an integer >= 1, got 'x'"],
    [["--cell", "rnn", "--batch", "1.5"], "ostl compile: --batch must be an integer >= 1, got '1.5'"],
    [["--cell", "rnn", "--dtype", "float16"], "ostl compile: --dtype must be float64 or float32, got 'float16'"],
    [["--cell", "rnn", "--seed", "1"], "ostl compile: Unknown option '--seed' (see 'ostl compile --help')"],
    [["--cell", "no-such-cell"], "ostl compile: --cell 'no-such-cell' is neither a built-in cell"],
  ])("%j", async (argv, message) => {
    const io = captureOutput();
    expect(await main(["compile", ...argv])).toBe(2);
    expect(io.stderr().startsWith(message)).toBe(true);
    expect(io.stderr().trim().split("\n")).toHaveLength(1);
    expect(io.stdout()).toBe("");
  });

  it("--help prints the usage with the exit statuses", async () => {
    const io = captureOutput();
    expect(await main(["compile", "--help"])).toBe(0);
    expect(io.stdout()).toContain("usage: ostl compile --cell NAME|path/to/cell.ts");
    expect(io.stdout()).toContain("Exit status: 0 printed; 1 a compiled program disagrees");
  });
});
