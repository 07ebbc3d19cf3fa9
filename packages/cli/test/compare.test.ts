import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main, type CompareResults } from "@ostl/cli";
import { captureOutput } from "./capture.js";

const fixtures = join(import.meta.dirname, "fixtures");


describe("ostl compare", () => {
  afterEach(() => vi.restoreAllMocks());

  it("--json prints one ostl-compare/1 object; one layer OSTL = BPTT, RTRL = BPTT everywhere, the lower layer differs", async () => {
    const io = captureOutput();
    const dir = join(mkdtempSync(join(tmpdir(), "ostl-compare-")), "report");
    const code = await main(["compare", "--cell", "lstm", "--layers", "1,2", "--hidden", "4", "--T", "6", "--json", "--quiet", "--out", dir]);
    expect(code).toBe(0);
    const results = JSON.parse(io.out.join("")) as CompareResults;
    expect(results.schema).toBe("ostl-compare/1");
    expect(results.networks.map((n) => [n.cell, n.layers])).toEqual([["lstm", 1], ["lstm", 2]]);
    const [one, two] = results.networks as [CompareResults["networks"][0], CompareResults["networks"][0]];
    expect(one.algorithms.ostl.relErrorToBptt[0]).toBeLessThan(1e-9);
    expect(one.algorithms.ostl.cosineToBptt[0]).toBeCloseTo(1, 12);
    for (const n of results.networks) for (const e of n.algorithms.rtrl.relErrorToBptt) expect(e).toBeLessThan(1e-9);
    expect(two.algorithms.ostl.relErrorToBptt[1]).toBeLessThan(1e-9);
    expect(two.algorithms.ostl.relErrorToBptt[0]).toBeGreaterThan(1e-6);
    expect(two.structure.map((s) => s.temporalJacobian)).toEqual(["dense", "dense"]);
    for (const a of ["bptt", "rtrl", "ostl"] as const) {
      expect(one.algorithms[a].secondsPerStep).toBeGreaterThan(0);
      expect(one.algorithms[a].traceFloats).toBeGreaterThan(0);
      expect(one.algorithms[a].peakBytes).toBeGreaterThanOrEqual(0);
    }
    // the scaling section: BPTT grows with T, OSTL does not
    const pts = results.scaling.vsT.points;
    const floats = (a: string) => pts.filter((p) => p.algorithm === a).map((p) => p.memoryFloats);
    expect(new Set(floats("ostl")).size).toBe(1);
    expect(floats("bptt").at(-1)! / floats("bptt")[0]!).toBeCloseTo(16, 6);
    // measured live memory: BPTT's longest tape stands far above the noise (up to about 200 KiB), and above OSTL's
    const bytes = (a: string) => pts.filter((p) => p.algorithm === a).map((p) => p.peakBytes);
    expect(bytes("bptt").at(-1)!).toBeGreaterThan(1024 * 1024);
    expect(bytes("bptt").at(-1)!).toBeGreaterThan(4 * Math.max(...bytes("ostl")));
    const diag = results.scaling.vsN.filter((p) => p.cell === "ssnu");
    const dense = results.scaling.vsN.filter((p) => p.cell === "lstm");
    expect(diag.at(-1)!.traceFloats / diag[0]!.traceFloats).toBeLessThan(dense.at(-1)!.traceFloats / dense[0]!.traceFloats);
    // the report folder
    expect(readdirSync(dir).sort()).toEqual(["index.html", "results.json"]);
    expect(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).networks).toHaveLength(2);
    const html = readFileSync(join(dir, "index.html"), "utf8");
    expect(html.match(/<svg/g)?.length).toBe(6);
  }, 60_000);

  it("prints a table per network and takes a user's cell module (run as a user runs it, from the built command)", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "ostl-compare-")), "report");
    const bin = join(import.meta.dirname, "../dist/bin.js");
    const text = execFileSync(process.execPath, [bin, "compare", "--cell", join(fixtures, "leaky-cell.ts"), "--layers", "1", "--hidden", "3", "--T", "4", "--quiet", "--out", dir], { encoding: "utf8" });
    expect(text).toMatch(/leaky-tanh, 1 layer/);
    expect(text).toMatch(/diagonal temporal Jacobian/);
    expect(text).toMatch(/algorithm\s+rel\. error to BPTT/);
    expect(text).toMatch(/ostl\s+\d\.\d\de-1[5-7]/);
    expect(existsSync(join(dir, "index.html"))).toBe(true);
    const bad = spawnSync(process.execPath, [bin, "compare", "--cell", join(fixtures, "not-a-cell.ts"), "--quiet"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/not-a-cell.ts exports no cell .* it exports: answer/);
  }, 60_000);

  it("rejects an unknown cell name and bad flags (exit 2)", async () => {
    const io = captureOutput();
    expect(await main(["compare", "--cell", "nosuchcell", "--quiet"])).toBe(2);
    expect(io.err.join("\n")).toMatch(/'nosuchcell' is neither a built-in cell \(rnn, lstm, gru, snu, ssnu, rsnu, rssnu\)/);
    expect(await main(["compare", "--hidden", "0"])).toBe(2);
    expect(io.err.join("\n")).toMatch(/--hidden must be an integer >= 1, got '0'/);
  });
});
