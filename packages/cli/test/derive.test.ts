/**
 * `ostl derive` and the derived-gradient pages: every built-in cell's rendered expressions
 * evaluated at random points against the engine's Jacobians, the committed pages in docs/cells
 * up to date, and the command's outputs and errors.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fastSigmoid } from "@ostl/autodiff";
import { BUILT_IN_CELLS, cellPage, loadCell, main, writeCellPages } from "@ostl/cli";
import { gru, snu, ssnu } from "@ostl/models";
import type { Cell } from "@ostl/ostl";
import { checkDerivation, checkedCellPage, checkPrintedPage, deriveCell, ostlCost, printCellPage, randomPoint } from "@ostl/ostl/derive";
import { afterEach, describe, expect, it, vi } from "vitest";
import { captureOutput } from "./capture.js";

const fixtures = join(import.meta.dirname, "fixtures");
const pages = join(import.meta.dirname, "..", "..", "..", "docs", "cells");


/** Every derived expression of a cell, and every equation its page prints (parsed back), at three random points, against the engine. */
function expectDerivationExact(cell: Cell): void {
  const d = deriveCell(cell);
  expect(d.blocks.length).toBeGreaterThan(0);
  const page = printCellPage(d, ostlCost(cell, []));
  for (const seed of [1, 2, 3]) {
    const point = randomPoint(cell, d, seed);
    const check = checkDerivation(d, cell, point);
    const worst = [...check.blocks, ...check.values].filter((b) => !(b.error < 1e-9));
    expect(worst, `${cell.name} at seed ${seed}`).toEqual([]);
    expect(check.blocks.length).toBe(d.blocks.length);
    const printed = checkPrintedPage(page, d, cell, point);
    expect(printed.problems).toEqual([]);
    expect(printed.equations.filter((e) => !(e.error < 1e-9) || e.entries === 0), `${cell.name}'s printed equations at seed ${seed}`).toEqual([]);
  }
}

/** Displayed equations of a page, counted in its Markdown (each starts a row `lhs &= …`). */
const displayedEquations = (markdown: string) => markdown.split("\n").filter((l) => l.includes("&=")).length;

describe("derived Jacobians equal the engine's (relative 1e-9, float64)", () => {
  it.each(BUILT_IN_CELLS)("built-in %s", async (name) => expectDerivationExact((await loadCell(name)).cell));

  it.each<[string, Cell]>([
    ["gru reset-before", gru({ variant: "reset-before" })],
    ["snu, identity g, fast-sigmoid surrogate", snu({ surrogate: fastSigmoid(5) })],
    ["ssnu, leaky relu, trainable decay", ssnu({ activation: "leakyRelu", trainableDecay: true })],
    ["recurrent snu with trainable decay", snu({ recurrent: true, trainableDecay: true })],
  ])("%s", (_, cell) => expectDerivationExact(cell));
});

describe("the pages in docs/cells are up to date", () => {
  it.each(BUILT_IN_CELLS)("%s.md", async (name) => {
    const page = cellPage(name, (await loadCell(name)).cell);
    expect(readFileSync(join(pages, `${name}.md`), "utf8"), `docs/cells/${name}.md is out of date: run pnpm ostl derive --all --out docs/cells`).toBe(page);
  });

  it.each(BUILT_IN_CELLS)("every equation %s.md displays is parsed back and checked against the engine, none skipped", async (name) => {
    const committed = readFileSync(join(pages, `${name}.md`), "utf8");
    const { equations, maxError } = checkedCellPage((await loadCell(name)).cell);
    expect(equations.length).toBeGreaterThan(0);
    expect(equations.length).toBe(displayedEquations(committed));
    expect(equations.filter((e) => e.entries === 0 || e.problem !== null)).toEqual([]);
    expect(maxError).toBeLessThan(1e-9);
  });

  it("holds the pages of the built-in cells, their index, and nothing else", () => {
    expect(readdirSync(pages).sort()).toEqual([...BUILT_IN_CELLS.map((n) => `${n}.md`), "README.md"].sort());
    const index = readFileSync(join(pages, "README.md"), "utf8");
    for (const name of BUILT_IN_CELLS) expect(index).toContain(`[\`${name}\`](${name}.md)`);
  });

  it("each page shows the equations first, then every kind of Jacobian, layout and cost", () => {
    const page = readFileSync(join(pages, "lstm.md"), "utf8");
    const order = ["## Cell equations", "## Structure", "## Temporal Jacobian", "## Spatial Jacobian", "## Parameter Jacobians", "## Output Jacobian", "## OSTL: trace layout and cost", "## Traced step"];
    expect(order.map((h) => page.indexOf(h))).toEqual(order.map((h) => page.indexOf(h)).sort((a, b) => a - b));
    expect(order.every((h) => page.includes(h))).toBe(true);
    expect(page).toContain("c^{t}_{i} &= \\sigma\\left(a^{(f)}_{i}\\right)~c^{t-1}_{i}");
  });
});

describe("ostl derive", () => {
  afterEach(() => vi.restoreAllMocks());

  it("prints a built-in cell's page", async () => {
    const io = captureOutput();
    expect(await main(["derive", "--cell", "rsnu"])).toBe(0);
    expect(io.stdout()).toBe(readFileSync(join(pages, "rsnu.md"), "utf8"));
    expect(io.stderr()).toBe("ostl derive: rsnu: 14 printed equations parsed back and checked against the engine, worst relative error 0.0e+0\n");
  });

  it("writes a user's cell module's page to --out", async () => {
    const io = captureOutput();
    const dir = mkdtempSync(join(tmpdir(), "ostl-derive-"));
    expect(await main(["derive", "--cell", join(fixtures, "leaky-cell.ts"), "--out", dir])).toBe(0);
    const page = readFileSync(join(dir, "leaky-tanh.md"), "utf8");
    expect(io.stdout()).toContain(join(dir, "leaky-tanh.md"));
    expect(page).toContain("h^{t}_{i} &= 0.9~h^{t-1}_{i} + \\tanh\\left(a_{i}\\right)");
    expect(page).toContain("\\frac{\\partial h^{t}_{i}}{\\partial h^{t-1}_{i}} &= 0.9");
  });

  it("--out under a file: one line, exit 2, before any page is derived or written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ostl-derive-"));
    writeFileSync(join(dir, "notes.txt"), "mine");
    const out = join(dir, "notes.txt", "cells");
    for (const argv of [["--cell", "rnn", "--out", out], ["--all", "--out", out]]) {
      const io = captureOutput();
      expect(await main(["derive", ...argv]), argv.join(" ")).toBe(2);
      expect(io.stderr()).toBe(`ostl derive: --out ${out}: ${join(dir, "notes.txt")} is a file, so no folder can be made under it\n`);
      expect(io.stdout()).toBe("");
      vi.restoreAllMocks();
    }
    expect(readdirSync(dir)).toEqual(["notes.txt"]);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine");
  });

  it("writes an adaptive LIF cell's page, two state fields and two thresholds, every equation checked", async () => {
    const io = captureOutput();
    const dir = mkdtempSync(join(tmpdir(), "ostl-derive-alif-"));
    expect(await main(["derive", "--cell", join(fixtures, "adaptive-lif-cell.ts"), "--out", dir])).toBe(0);
    const page = readFileSync(join(dir, "adaptive-lif.md"), "utf8");
    expect(io.stdout()).toMatch(new RegExp(`^wrote ${join(dir, "adaptive-lif.md")} \\(${displayedEquations(page)} printed equations parsed back and checked against the engine, worst relative error \\d\\.\\de[-+]\\d+\\)\n$`));
    expect(displayedEquations(page)).toBe(19);
    expect(page).toContain("v^{t}_{i} &= 0.9~v^{t-1}_{i} + \\sum_{k} W_{ik}~x^{t}_{k} - \\left(1 + \\beta_{i}~a^{t-1}_{i}\\right)~u^{(2)}_{i}");
  });

  it("--all writes every built-in page and the index, as committed in docs/cells", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ostl-derive-all-"));
    const io = captureOutput();
    expect(await main(["derive", "--all", "--out", dir])).toBe(0);
    expect(io.stdout()).toContain("checked lstm: 33 printed equations parsed back and checked against the engine, worst relative error");
    for (const f of readdirSync(pages)) expect(readFileSync(join(dir, f), "utf8"), `docs/cells/${f} is out of date: run pnpm ostl derive --all --out docs/cells`).toBe(readFileSync(join(pages, f), "utf8"));
  });

  it("a cell that fails is reported by module and op, and the other pages are still written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ostl-derive-some-"));
    const broken = join(fixtures, "custom-op-cell.ts");
    const { written, failures } = await writeCellPages(dir, ["rnn", broken, join(fixtures, "leaky-cell.ts")]);
    expect(written.map((w) => w.slice(dir.length + 1))).toEqual(["rnn.md", "leaky-tanh.md", "README.md"]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*op 'softsign', which has no symbolic rule`));
    const index = readFileSync(join(dir, "README.md"), "utf8");
    expect(index).toContain("[`leaky-tanh`](leaky-tanh.md) | `h` | `W`, `b` | diagonal |");
    expect(index).not.toContain("custom-op");
  });

  it.each<[string, string[], RegExp]>([
    ["a module without a cell", ["--cell", join(fixtures, "not-a-cell.ts")], /not-a-cell\.ts exports no cell .*it exports: answer/],
    ["a step with an op without a symbolic rule", ["--cell", join(fixtures, "custom-op-cell.ts")], /cell module .*custom-op-cell\.ts: cell 'custom-op': its step uses op 'softsign', which has no symbolic rule/],
    ["an unknown cell name", ["--cell", "transformer"], /--cell 'transformer' is neither a built-in cell/],
    ["no --cell", [], /--cell NAME\|path\/to\/cell\.ts is required/],
    ["--all without --out", ["--all"], /--all needs --out DIR/],
    ["--all with --cell", ["--all", "--cell", "rnn", "--out", "x"], /exclude each other/],
    ["an unknown flag", ["--cell", "rnn", "--latex"], /Unknown option '--latex'/],
  ])("exits 2 for %s, naming it", async (_, args, message) => {
    const io = captureOutput();
    expect(await main(["derive", ...args])).toBe(2);
    expect(io.stderr()).toMatch(message);
  });
});
