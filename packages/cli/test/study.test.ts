import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main, type StudyResults } from "@ostl/cli";
import { captureOutput } from "./capture.js";

/** A small add-task study, as JSON, written to a fresh folder. */
async function study(extra: string[]): Promise<{ code: number; results: StudyResults; dir: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "ostl-study-"));
  const io = captureOutput();
  const code = await main(["study", "--task", "add", "--length", "16", "--lags", "2,4", "--examples", "32,4,4", "--hidden", "6", "--steps", "12", "--every", "3", "--json", "--quiet", "--out", dir, ...extra]);
  return { code, results: code === 0 ? (JSON.parse(io.stdout()) as StudyResults) : (null as never), dir, stderr: io.err.join("\n") };
}

describe("ostl study", () => {
  it("records every algorithm's alignment with BPTT on the trainer's trajectory: RTRL's is 1, UORO's per-step cosine is low and its mean positive", async () => {
    const { code, results, dir } = await study(["--train-with", "bptt", "--algos", "rtrl,snap2,uoro,kfrtrl,rflo", "--seeds", "4"]);
    expect(code).toBe(0);
    expect(results.schema).toBe("ostl-study/1");
    // provenance: the command line, Node, the machine and its load at the start
    expect(results.provenance!.command).toMatch(/^ostl study --task add --length 16 /);
    expect(results.provenance!.node).toBe(process.version);
    expect(results.provenance!.cores).toBeGreaterThan(0);
    expect(results.provenance!.loaded).toBe(results.provenance!.loadAverage > results.provenance!.cores);
    expect(results.updates).toEqual([0, 3, 6, 9]);
    expect(results.lossUpdates).toEqual([2, 5, 8, 11]);
    expect(Object.keys(results.alignment)).toEqual(["bptt", "rtrl", "snap2", "uoro", "kfrtrl", "rflo"]);
    // exact algorithms: cosine 1 and error at rounding at every recorded update of every seed
    for (const exact of ["rtrl", "snap2"]) {
      for (const run of results.alignment[exact]!.cosine.perSeed) for (const c of run) expect(Math.abs(c - 1), exact).toBeLessThan(1e-12);
      for (const run of results.alignment[exact]!.relError.perSeed) for (const e of run) expect(e, exact).toBeLessThan(1e-12);
    }
    // UORO: far from the gradient at any one update, pointing the right way on average
    const uoro = results.alignment.uoro!.cosine.perSeed.flat();
    expect(Math.max(...uoro)).toBeLessThan(0.99);
    expect(uoro.reduce((a, b) => a + b, 0) / uoro.length).toBeGreaterThan(0);
    // each algorithm's own training runs give a loss curve per seed
    for (const key of Object.keys(results.alignment)) {
      expect(results.loss[key]!.perSeed.length, key).toBe(4);
      for (const run of results.loss[key]!.perSeed) expect(run.every((l) => Number.isFinite(l) && l >= 0), key).toBe(true);
    }
    // the mean and spread are those of the seeds' values
    const s = results.alignment.uoro!.cosine;
    const first = s.perSeed.map((run) => run[0]!);
    expect(s.mean[0]).toBeCloseTo(first.reduce((a, b) => a + b, 0) / 4, 12);
    expect(results.cost.rtrl!.floats).toBeGreaterThan(results.cost.uoro!.floats);
    expect(results.cost.bptt!.floats).toBeGreaterThan(0);
    // the report: the summary table and three charts
    const html = readFileSync(join(dir, "index.html"), "utf8");
    expect((html.match(/<svg/g) ?? []).length).toBe(3);
    expect(html).toContain("<th>cosine to BPTT (mean ± sd)</th>");
    expect(JSON.parse(readFileSync(join(dir, "results.json"), "utf8"))).toEqual(results);
  }, 120_000);

  it("trains with any algorithm, lists one that does not run with its reason, and prints a table without --json", async () => {
    const { results } = await study(["--train-with", "eprop", "--algos", "rtrl", "--seeds", "2"]);
    expect(results.config.trainWith).toBe("eprop");
    // e-prop on a dense RNN is an approximation of BPTT's gradient
    expect(results.alignment.eprop!.relError.mean[0]).toBeGreaterThan(1e-6);
    const dir = mkdtempSync(join(tmpdir(), "ostl-study-"));
    const io = captureOutput();
    expect(await main(["study", "--cell", "rnn", "--layers", "2", "--length", "12", "--lags", "2,4", "--examples", "8,2,2", "--hidden", "3", "--steps", "2", "--every", "1", "--seeds", "1", "--algos", "rtrl,kfrtrl", "--quiet", "--out", dir])).toBe(0);
    expect(io.stdout()).toContain("add task, rnn (n = 3 x 2 layers), trained with bptt; 1 seeds x 2 updates, alignment every 1");
    expect(io.stdout()).toContain("not run: kfrtrl (KF-RTRL is defined for one recurrent layer (Mujika et al.), and this network has 2)");
    expect(readFileSync(join(dir, "index.html"), "utf8")).toContain("<td>kfrtrl (not run)</td>");
  }, 120_000);

  it("rejects an unknown algorithm, task or option, naming it (exit 2)", async () => {
    expect((await study(["--algos", "rtrl,snap9"])).stderr).toContain("--algos: unknown algorithm 'snap9'");
    expect((await study(["--train-with", "nope"])).code).toBe(2);
    const io = captureOutput();
    expect(await main(["study", "--task", "sine", "--quiet"])).toBe(2);
    expect(io.err.join("\n")).toContain("--task must be one of jsb, copy, adding, add, got 'sine'");
    expect(await main(["study", "--task", "add", "--symbols", "3", "--quiet"])).toBe(2);
    expect(io.err.join("\n")).toContain("--symbols does not apply to --task add");
  }, 60_000);
});
