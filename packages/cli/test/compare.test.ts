import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ALGORITHMS, compareNetwork, cosineNotes, loadCell, main, measureRuns, networkRows, nonFiniteLine, notRunLine, summaryRows, type CompareResults, type TimeSpread } from "@ostl/cli";
import { PRNG } from "@ostl/core";
import { algorithmChoice, Bptt, Network, Ostl } from "@ostl/ostl";
import { mse, rnn, ssnu } from "@ostl/models";
import { captureOutput } from "./capture.js";

const fixtures = join(import.meta.dirname, "fixtures");
const bin = join(import.meta.dirname, "../dist/bin.js");
/** The command from its sources, runnable from any folder. */
const sourceCommand = ["--conditions=source", "--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href, join(import.meta.dirname, "../src/bin.ts")];

/** A time as the tables show it: the median, then the interquartile range. */
function spreadText(t: TimeSpread): string {
  return `${t.median.toFixed(3)} (${t.q1.toFixed(3)}–${t.q3.toFixed(3)})`;
}

/** Every file under `dir` (dot files too) with its content, to see that nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    files[path] = entry.isFile() ? readFileSync(path, "utf8") : "(folder)";
  }
  return files;
}


describe("ostl compare", () => {
  afterEach(() => vi.restoreAllMocks());

  it("measured live memory: BPTT's grows with its tape, OSTL's does not", () => {
    // one live-bytes measurement scatters by up to about 250 KiB (collections, lazily freed
    // buffers); at 3,200 steps BPTT's tape of a 16-unit layer holds several MiB
    const network = new Network({ inputSize: 16, layers: [{ cell: ssnu(), hiddenSize: 16 }], outputSize: 4, loss: mse });
    const rng = new PRNG(0);
    const params = network.init(rng.split());
    const xs = Array.from({ length: 3200 }, () => rng.normal([16]));
    const targets = Array.from({ length: 3200 }, () => rng.normal([4]));
    // both measured together: what each reset frees is that algorithm's
    const [bptt, ostl] = measureRuns([new Bptt(network), new Ostl(network)].map((algorithm) => ({ algorithm, params, xs, targets })), 1);
    // per step: the previous state (2 x 16) and its forward step's record (four 16-unit residuals, and the readout's ∂E/∂logits, 4)
    expect(bptt!.memoryFloats).toBe(3200 * (32 + 68));
    expect(bptt!.peakBytes).toBeGreaterThan(8 * bptt!.memoryFloats);
    expect(ostl!.peakBytes).toBeLessThan(bptt!.peakBytes / 4);
  }, 60_000);

  it("--json prints one ostl-compare/2 object; one layer OSTL = BPTT, RTRL = BPTT everywhere, the lower layer differs", async () => {
    const io = captureOutput();
    const dir = join(mkdtempSync(join(tmpdir(), "ostl-compare-")), "report");
    // three timed rounds: with --cell lstm the T sweep times the LSTM's dense traces up to T = 400
    const code = await main(["compare", "--cell", "lstm", "--layers", "1,2", "--hidden", "4", "--T", "6", "--rounds", "3", "--json", "--quiet", "--out", dir]);
    expect(code).toBe(0);
    const results = JSON.parse(io.out.join("")) as CompareResults;
    expect(results.schema).toBe("ostl-compare/2");
    expect(results.networks.map((n) => [n.cell, n.layers])).toEqual([["lstm", 1], ["lstm", 2]]);
    const [one, two] = results.networks as [CompareResults["networks"][0], CompareResults["networks"][0]];
    expect(one.algorithms.ostl.relErrorToBptt[0]).toBeLessThan(1e-9);
    expect(one.algorithms.ostl.cosineToBptt[0]).toBeCloseTo(1, 12);
    for (const n of results.networks) for (const e of n.algorithms.rtrl.relErrorToBptt) expect(e).toBeLessThan(1e-9);
    for (const n of results.networks) for (const a of ALGORITHMS) expect(n.algorithms[a].nonFinite).toEqual([]);
    expect(two.algorithms.ostl.relErrorToBptt[1]).toBeLessThan(1e-9);
    expect(two.algorithms.ostl.relErrorToBptt[0]).toBeGreaterThan(1e-6);
    expect(two.structure.map((s) => s.temporalJacobian)).toEqual(["dense", "dense"]);
    // every time a median with its quartiles over the timed rounds
    const isSpread = (t: TimeSpread | null) => t !== null && t.rounds === results.config.rounds && t.q1 > 0 && t.q1 <= t.median && t.median <= t.q3;
    expect(results.config.rounds).toBe(3);
    for (const n of results.networks) for (const [a, r] of Object.entries(n.algorithms)) expect(r.notApplicable !== null ? r.msPerStep === null : isSpread(r.msPerStep), a).toBe(true);
    for (const p of [...results.scaling.vsT.points, ...results.scaling.vsN]) expect(isSpread(p.msPerStep)).toBe(true);
    // the load averages at the start and at the end; loaded when either is above the core count
    const made = results.provenance!;
    expect(made.loadAverageAtEnd).toBeGreaterThanOrEqual(0);
    expect(made.loaded).toBe(made.loadAverage > made.cores || made.loadAverageAtEnd! > made.cores);
    for (const a of ["bptt", "rtrl", "ostl"] as const) {
      expect(one.algorithms[a].traceFloats).toBeGreaterThan(0);
      expect(one.algorithms[a].peakBytes).toBeGreaterThanOrEqual(0);
    }
    // the scaling section: BPTT grows with T, OSTL does not
    const pts = results.scaling.vsT.points;
    const floats = (a: string) => pts.filter((p) => p.algorithm === a).map((p) => p.memoryFloats);
    expect(new Set(floats("ostl")).size).toBe(1);
    expect(floats("bptt").at(-1)! / floats("bptt")[0]!).toBeCloseTo(16, 6);
    // measured live memory: BPTT's longest tape (each step's previous state, input and target) holds
    // at least the floats it counts; how it compares with OSTL's is checked at a length where it
    // stands clear of the measurement's noise (the test below)
    const bytes = (a: string) => pts.filter((p) => p.algorithm === a).map((p) => p.peakBytes);
    expect(bytes("bptt").at(-1)!).toBeGreaterThan(8 * floats("bptt").at(-1)!);
    expect(bytes("ostl").every((b) => b >= 0)).toBe(true);
    // with --cell, the sweeps scale that cell: an LSTM's dense traces grow faster than n² (n = 4 to 32)
    expect(results.scaling.vsT.cell).toBe("lstm");
    const dense = results.scaling.vsN;
    expect(dense.map((p) => p.cell)).toEqual(["lstm", "lstm", "lstm", "lstm"]);
    expect(dense.at(-1)!.traceFloats / dense[0]!.traceFloats).toBeGreaterThan(64);
    // the report folder
    expect(readdirSync(dir).sort()).toEqual(["index.html", "results.json"]);
    expect(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).networks).toHaveLength(2);
    const html = readFileSync(join(dir, "index.html"), "utf8");
    // the summary chart, then the six charts
    expect(html.match(/<svg/g)?.length).toBe(7);
    // the times with their spread: in the summary table (per depth), the tables, and as error bars in the three time charts
    const [bpttSummary] = summaryRows(results.networks);
    expect(bpttSummary!.slice(3)).toEqual([`${spreadText(one.algorithms.bptt!.msPerStep!)} / ${spreadText(two.algorithms.bptt!.msPerStep!)}`, "1.00x", "1.00x"]);
    expect(html).toContain(`<td>${bpttSummary![3]}</td>`);
    expect(html).toContain(`<td>${spreadText(two.algorithms.ostl!.msPerStep!)}</td>`);
    expect(html.match(/class="mark-rule role-mark[^"]*"/g)?.length).toBe(3);
    // the note of a loaded machine at the top, exactly when it was loaded
    expect(html.includes('<p class="warning load">Note: the machine was loaded')).toBe(made.loaded);
  }, 180_000);

  it("prints a table per network and takes a user's cell module (run as a user runs it, from the built command)", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "ostl-compare-")), "report");
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

  it("--out into a folder holding other files refuses before the work and leaves every file as it was", () => {
    const project = mkdtempSync(join(tmpdir(), "ostl-compare-project-"));
    mkdirSync(join(project, ".git"));
    mkdirSync(join(project, "src"));
    writeFileSync(join(project, ".git", "HEAD"), "ref: refs/heads/main\n");
    writeFileSync(join(project, "src", "cell.ts"), "export {};\n");
    const before = snapshot(project);
    // run as a user runs it, from inside the folder (--out .) and from outside (--out DIR)
    for (const [cwd, out] of [[project, "."], [tmpdir(), project]] as const) {
      const run = spawnSync(process.execPath, [...sourceCommand, "compare", "--cell", "ssnu", "--layers", "1", "--hidden", "2", "--T", "3", "--out", out], { cwd, encoding: "utf8" });
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr.trim()).toBe(`ostl compare: --out ${out}: the folder holds '.git', which is not part of a compare report; a report goes into a new or empty folder, or over a previous report (index.html, results.json)`);
      expect(run.stderr).not.toContain("compare [1/");
      expect(snapshot(project)).toEqual(before);
    }
  }, 60_000);

  it("--out under a file or in a folder that cannot be written: one line, exit 2, before the work", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ostl-compare-"));
    writeFileSync(join(dir, "notes.txt"), "mine");
    const cases: [string, string][] = [
      [join(dir, "notes.txt", "report"), `ostl compare: --out ${join(dir, "notes.txt", "report")}: ${join(dir, "notes.txt")} is a file, so no folder can be made under it\n`],
      [join(dir, "notes.txt"), `ostl compare: --out ${join(dir, "notes.txt")}: it is a file, not a folder\n`],
      // root may write anywhere the permission bits forbid; /proc takes no new entries even for root
      ["/proc/ostl-report", "ostl compare: --out /proc/ostl-report: cannot create files in /proc (ENOENT)\n"],
    ];
    for (const [out, message] of cases) {
      const io = captureOutput();
      expect(await main(["compare", "--cell", "ssnu", "--layers", "1", "--hidden", "2", "--T", "3", "--out", out]), out).toBe(2);
      // no progress line: the check came before the first network
      expect(io.stderr(), out).toBe(message);
      vi.restoreAllMocks();
    }
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine");
  });

  it("flags non-finite gradients in the tables, the report and --json (nonFinite per algorithm), exit 1, and replaces a previous report", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ostl-compare-"));
    writeFileSync(join(dir, "results.json"), JSON.stringify({ schema: "ostl-compare/2", networks: [] }));
    writeFileSync(join(dir, "index.html"), "<!doctype html>old");
    const io = captureOutput();
    const code = await main(["compare", "--cell", join(fixtures, "nan-cell.ts"), "--layers", "1", "--hidden", "2", "--T", "3", "--json", "--quiet", "--out", dir]);
    const results = JSON.parse(io.stdout()) as CompareResults;
    const net = results.networks[0]!;
    for (const a of ALGORITHMS) expect(net.algorithms[a].nonFinite, a).toEqual(["layer0.W", "layer0.b", "readout.W", "readout.b"]);
    expect(code).toBe(1);
    expect(io.stderr()).toContain(`ostl compare: non-finite gradients (NaN or infinite) in nan-log L1; see the nonFinite fields of ${join(dir, "results.json")}`);
    // what the tables print (from the network's figures before JSON turns NaN into null)
    const { cell } = await loadCell(join(fixtures, "nan-cell.ts"));
    const figures = compareNetwork({ name: "nan-log", cell, layers: 1 }, { inputSize: 4, hiddenSize: 2, outputSize: 2, T: 3, seed: 0 });
    // UORO's and KF-RTRL's estimates are stochastic on any cell, and RFLO's feedback is random by default (symmetric e-prop and SnAp are exact on this diagonal one)
    expect(networkRows(figures).map((r) => r.slice(0, 3))).toEqual(ALGORITHMS.map((a) => [`${a}${a === "uoro" || a === "kfrtrl" || a === "rflo" ? " (approx.)" : ""} NON-FINITE`, "NaN", "NaN"]));
    expect(nonFiniteLine(figures)).toBe(nonFiniteLine(net));
    const every = "layer0.W, layer0.b, readout.W, readout.b";
    expect(nonFiniteLine(net)).toBe(`non-finite gradients (NaN or infinite): bptt (${every}); rtrl (${every}); ostl (${every}); eprop (${every}); snap (${every}); uoro (${every}); kfrtrl (${every}); rflo (${every})`);
    // the report replaced the previous one, and says it too
    expect(readdirSync(dir).sort()).toEqual(["index.html", "results.json"]);
    expect(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).networks[0].algorithms.ostl.nonFinite).toEqual(net.algorithms.ostl.nonFinite);
    expect(readFileSync(join(dir, "index.html"), "utf8")).toContain(`<p class="warning">${nonFiniteLine(net)}</p>`);
  }, 120_000);

  it("rejects an unknown cell name and bad flags (exit 2)", async () => {
    const io = captureOutput();
    expect(await main(["compare", "--cell", "nosuchcell", "--quiet"])).toBe(2);
    expect(io.err.join("\n")).toMatch(/'nosuchcell' is neither a built-in cell \(rnn, lstm, gru, snu, ssnu, rsnu, rssnu\)/);
    expect(await main(["compare", "--hidden", "0"])).toBe(2);
    expect(await main(["compare", "--rounds", "0"])).toBe(2);
    expect(io.err.join("\n")).toMatch(/--rounds must be an integer >= 1, got '0'/);
    expect(io.err.join("\n")).toMatch(/--hidden must be an integer >= 1, got '0'/);
    expect(await main(["compare", "--algos", "rtrl,snap9", "--quiet"])).toBe(2);
    expect(io.err.join("\n")).toContain("--algos: unknown algorithm 'snap9' (algorithms: bptt, rtrl, ostl, eprop, snap, uoro, kfrtrl, rflo; presets: ostl-diagonal, eprop-random, snap1, snap2, snap3)");
  });

  it("marks the layers approximate by design (*) and the cosines below 0.5 (!), and says what the marks mean", () => {
    const net = compareNetwork({ name: "rnn", cell: rnn(), layers: 2 }, { inputSize: 3, hiddenSize: 4, outputSize: 2, T: 5, seed: 0, algorithms: [algorithmChoice("ostl"), algorithmChoice("rtrl")] });
    net.algorithms.rtrl!.cosineToBptt = [0.3, -0.2];
    const rows = Object.fromEntries(networkRows(net).map((r) => [r[0], r[2]]));
    expect(rows.ostl).toMatch(/^\d\.\d{6}\* \/ 1\.000000$/);
    expect(rows.rtrl).toBe("0.300000! / -0.200000!");
    expect(cosineNotes(net)).toBe(
      "* approximate by design: OSTL leaves out the terms through the layers above (ostl layer 0)\n! cosine to BPTT below 0.5 (rtrl layer 0: 0.300; rtrl layer 1: -0.200): far from the exact gradient's direction",
    );
  });

  it("--algos compares the named algorithms and presets, BPTT first, and says why one does not run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ostl-compare-"));
    const io = captureOutput();
    const code = await main(["compare", "--cell", "rnn", "--layers", "1,2", "--hidden", "3", "--T", "6", "--algos", "snap1,snap2,kfrtrl,eprop-random", "--json", "--quiet", "--out", dir]);
    expect(code).toBe(0);
    const results = JSON.parse(io.stdout()) as CompareResults;
    const [one, two] = results.networks;
    expect(Object.keys(one!.algorithms)).toEqual(["bptt", "snap1", "snap2", "kfrtrl", "eprop-random"]);
    expect(results.provenance!.command).toBe(`ostl compare --cell rnn --layers 1,2 --hidden 3 --T 6 --algos snap1,snap2,kfrtrl,eprop-random --json --quiet --out ${dir}`);
    expect(results.provenance!.date).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(readFileSync(join(dir, "index.html"), "utf8")).toContain('<p class="provenance">Made by <code>ostl compare --cell rnn');
    // an RNN's dependency depth is 2: SnAp-2 is RTRL, SnAp-1 is not
    expect(one!.algorithms.snap2!.relErrorToBptt[0]).toBeLessThan(1e-12);
    expect(one!.algorithms.snap1!.relErrorToBptt[0]).toBeGreaterThan(1e-3);
    expect(one!.algorithms["eprop-random"]!.approximation).toBe("e-prop: each unit's own eligibility traces; random feedback (seed 0)");
    expect(one!.algorithms.kfrtrl!.notApplicable).toBeNull();
    expect(two!.algorithms.kfrtrl!.notApplicable).toBe("kfrtrl: KF-RTRL is defined for one recurrent layer (Mujika et al.), and this network has 2");
    expect(notRunLine(two!)).toBe("not run: kfrtrl (KF-RTRL is defined for one recurrent layer (Mujika et al.), and this network has 2)");
    expect(readFileSync(join(dir, "index.html"), "utf8")).toContain(`<p class="note">${notRunLine(two!)}</p>`);
  }, 60_000);
});
