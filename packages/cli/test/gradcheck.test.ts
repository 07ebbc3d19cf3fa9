import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "@ostl/cli";
import { captureOutput } from "./capture.js";

const fixture = join(import.meta.dirname, "../../../fixtures/reference-public.json");


/** A copy of the public file with only the named cases, optionally edited. */
function subset(names: string[], edit?: (file: { cases: Record<string, unknown>[] }) => void): string {
  const file = JSON.parse(readFileSync(fixture, "utf8"));
  file.cases = file.cases.filter((c: { name: string }) => names.includes(c.name));
  edit?.(file);
  const path = join(mkdtempSync(join(tmpdir(), "ostl-gradcheck-")), "ref.json");
  writeFileSync(path, JSON.stringify(file));
  return path;
}

describe("ostl gradcheck", () => {
  afterEach(() => vi.restoreAllMocks());

  it("passes every case of the public reference file for BPTT, RTRL and OSTL, step by step and in chunks", async () => {
    const io = captureOutput();
    const code = await main(["gradcheck", "--reference", fixture, "--json"]);
    const report = JSON.parse(io.out.join(""));
    expect(report.schema).toBe("ostl-gradcheck/1");
    expect(report.tolerance).toBe(1e-8);
    expect(report.results).toHaveLength(28 * 3 * 2);
    const failures = report.results.filter((r: { pass: boolean }) => !r.pass);
    expect(failures).toEqual([]);
    expect(Math.max(...report.results.map((r: { maxRelError: number }) => r.maxRelError))).toBeLessThan(1e-9);
    expect(report.passed).toBe(168);
    expect(report.failed).toBe(0);
    expect(code).toBe(0);
  }, 120_000);

  it("fails (exit 1) exactly the rows whose reference was altered", async () => {
    const path = subset(["rnn-L1-small", "snu-L1-small"], (file) => {
      const grads = (file.cases[0] as { grads: { bptt: Record<string, number[][]> } }).grads.bptt;
      grads["layer0.W"]![0]![0]! += 0.01;
    });
    const io = captureOutput();
    const code = await main(["gradcheck", "--reference", path, "--json"]);
    const report = JSON.parse(io.out.join(""));
    const failed = report.results.filter((r: { pass: boolean }) => !r.pass).map((r: { case: string; algorithm: string }) => `${r.case}/${r.algorithm}`);
    expect(new Set(failed)).toEqual(new Set(["rnn-L1-small/bptt", "rnn-L1-small/rtrl"]));
    expect(report.failed).toBe(4);
    expect(code).toBe(1);
  }, 60_000);

  it("prints a table by default", async () => {
    const io = captureOutput();
    const code = await main(["gradcheck", "--reference", subset(["gru-L1-small"])]);
    const text = io.out.join("");
    expect(text).toMatch(/case\s+algorithm\s+fed as\s+max rel error/);
    expect(text).toMatch(/gru-L1-small\s+ostl\s+chunks\s+\d\.\d\de-\d+\s+pass/);
    expect(text).toContain("6 passed, 0 failed");
    expect(code).toBe(0);
  });

  it("refuses absurd sizes within a second, from the file's own checks, before building anything (exit 2)", async () => {
    const path = subset(["rnn-L1-small"], (file) => ((file.cases[0] as { sizes: number[] }).sizes = [3, 1e9]));
    const io = captureOutput();
    const start = performance.now();
    expect(await main(["gradcheck", "--reference", path])).toBe(2);
    expect(performance.now() - start).toBeLessThan(1000);
    // the message of the sizes check, which runs before any array of those sizes exists
    expect(io.stderr()).toBe(`ostl gradcheck: ${path}: case 'rnn-L1-small': field 'sizes[1]' must be a positive integer, at most 1024, got 1000000000\n`);
  });

  it("exits 2 for an empty or a truncated file, like any other invalid file", async () => {
    const folder = mkdtempSync(join(tmpdir(), "ostl-gradcheck-"));
    const text = readFileSync(fixture, "utf8");
    for (const [name, content] of [["empty.json", ""], ["cut.json", text.slice(0, text.length / 2)]] as const) {
      const path = join(folder, name);
      writeFileSync(path, content);
      const io = captureOutput();
      expect(await main(["gradcheck", "--reference", path]), name).toBe(2);
      expect(io.stderr(), name).toMatch(new RegExp(`^ostl gradcheck: ${path}: is not valid JSON \\(.+\\)\n$`));
      vi.restoreAllMocks();
    }
  });

  it("exits 2 naming the field for an invalid file, and for an unreadable one", async () => {
    const path = subset(["rnn-L1-small"], (file) => delete (file.cases[0] as Record<string, unknown>).targets);
    const io = captureOutput();
    expect(await main(["gradcheck", "--reference", path])).toBe(2);
    expect(io.err.join("\n")).toMatch(/targets/);
    expect(await main(["gradcheck", "--reference", "/nonexistent/ref.json"])).toBe(2);
    expect(io.err.join("\n")).toMatch(/cannot read --reference \/nonexistent\/ref.json/);
    expect(await main(["gradcheck", "--reference", path, "--tolerance", "abc"])).toBe(2);
    expect(io.err.join("\n")).toMatch(/--tolerance must be a number >= 0, got 'abc'/);
    expect(await main(["gradcheck"])).toBe(2);
    expect(io.err.join("\n")).toMatch(/--reference FILE is required/);
  });
});
