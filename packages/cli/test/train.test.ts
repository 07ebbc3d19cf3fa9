import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CHECKPOINT_FILE, main, parseTrainConfig, readRunCheckpoint, RUN_LOCK_FILE } from "@ostl/cli";
import { captureOutput } from "./capture.js";

const root = join(import.meta.dirname, "../../..");


const tmp = (name: string) => mkdtempSync(join(tmpdir(), `ostl-${name}-`));

/** A few made-up chords in the JSB Chorales file format (not the real data). */
const CHORALES = {
  train: [[[60, 64, 67], [62, 65], [], [64, 67, 72]], [[48], [50, 53], [52, 55, 59], [53]], [[70, 74], [72]]],
  valid: [[[60], [62], [64]]],
  test: [[[67, 71], [65], [64, 67]], [[21, 108], [21]]],
};

const TINY_COPY = ["--task", "copy", "--cell", "rnn", "--hidden", "6", "--symbols", "3", "--length", "1", "--delay", "1", "--examples", "12,4,4", "--epochs", "2"];

describe("ostl train", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it("--json prints exactly one object {schema, config, history} and fills the run folder", async () => {
    const io = captureOutput();
    const out = join(tmp("train"), "run");
    expect(await main(["train", ...TINY_COPY, "--out", out, "--json"])).toBe(0);
    const text = io.out.join("");
    expect(text.trim().split("\n")).toHaveLength(1);
    const report = JSON.parse(text);
    expect(Object.keys(report)).toEqual(["schema", "config", "history"]);
    expect(report.schema).toBe("ostl-train/1");
    expect(report.config).toMatchObject({ task: "copy", cell: "rnn", hidden: 6, algorithm: "ostl", optimizer: "adam", lr: 1e-3, epochs: 2, updateEvery: "sequence", seed: 1 });
    expect(report.history).toHaveLength(2);
    report.history.forEach((m: Record<string, number>, i: number) => {
      expect(Object.keys(m)).toEqual(["epoch", "train", "valid", "test", "seconds"]);
      expect(m.epoch).toBe(i + 1);
      for (const k of ["train", "valid", "test", "seconds"]) expect(Number.isFinite(m[k])).toBe(true);
    });
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics).toMatchObject({ schema: "ostl-train/1", status: "done", history: report.history });
    expect(JSON.parse(readFileSync(join(out, "config.json"), "utf8"))).toEqual(report.config);
    const svg = readFileSync(join(out, "loss-curve.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("valid");
    expect(io.err.join("")).toContain("epoch 2/2  train");
  });

  it("is reproducible from its seed and differs with another seed", async () => {
    const run = async (seed: string) => {
      const io = captureOutput();
      await main(["train", ...TINY_COPY, "--epochs", "1", "--seed", seed, "--out", join(tmp("seed"), "run"), "--json"]);
      vi.restoreAllMocks();
      return JSON.parse(io.out.join("")).history[0].test as number;
    };
    const a = await run("3");
    expect(await run("3")).toBe(a);
    expect(await run("4")).not.toBe(a);
  });

  it("trains on a JSB Chorales file from --data, OSTL_DATA or the cache folder", async () => {
    const folder = tmp("jsb");
    const file = join(folder, "jsb-chorales-quarter.json");
    writeFileSync(file, JSON.stringify(CHORALES));
    const args = ["train", "--task", "jsb", "--cell", "ssnu", "--hidden", "5", "--epochs", "1", "--json"];
    let io = captureOutput();
    expect(await main([...args, "--data", file, "--out", join(folder, "a")])).toBe(0);
    const fromFlag = JSON.parse(io.out.join("")).history[0];
    // 12 + 2 + 4 scored steps: a per-step NLL near 88 log 2 = 61 at the start
    expect(fromFlag.test).toBeGreaterThan(20);
    expect(fromFlag.test).toBeLessThan(80);
    vi.restoreAllMocks();
    io = captureOutput();
    vi.stubEnv("OSTL_DATA", folder);
    expect(await main([...args, "--out", join(folder, "b")])).toBe(0);
    expect(JSON.parse(io.out.join("")).history[0]).toMatchObject({ train: fromFlag.train, test: fromFlag.test });
    vi.restoreAllMocks();
    io = captureOutput();
    vi.stubEnv("OSTL_DATA", "");
    vi.stubEnv("OSTL_CACHE", folder);
    expect(await main([...args, "--out", join(folder, "c")])).toBe(0);
    expect(JSON.parse(readFileSync(join(folder, "c", "metrics.json"), "utf8")).dataFile).toBe(file);
  });

  it("names the ways to get the data when there is none, and the file and field of a malformed one", async () => {
    vi.stubEnv("OSTL_DATA", "");
    vi.stubEnv("OSTL_CACHE", tmp("empty-cache"));
    let io = captureOutput();
    expect(await main(["train", "--task", "jsb", "--cell", "ssnu"])).toBe(2);
    expect(io.err.join("")).toMatch(/no JSB Chorales data: pass --data PATH, set OSTL_DATA=PATH, or run 'ostl data fetch jsb' \(downloads https:\/\/\S+jsb-chorales-quarter.json into /);
    vi.restoreAllMocks();
    io = captureOutput();
    expect(await main(["train", "--task", "jsb", "--cell", "ssnu", "--data", "/nonexistent/jsb.json"])).toBe(2);
    expect(io.err.join("")).toContain("cannot read the JSB Chorales file /nonexistent/jsb.json (from --data)");
    vi.restoreAllMocks();
    const bad = join(tmp("bad"), "jsb.json");
    writeFileSync(bad, JSON.stringify({ ...CHORALES, valid: [[[60], [200]]] }));
    io = captureOutput();
    expect(await main(["train", "--task", "jsb", "--cell", "ssnu", "--data", bad])).toBe(2);
    expect(io.err.join("")).toContain(`${bad}: field 'valid[0][1][0]' must be an integer MIDI pitch in 21..108, got 200`);
  });

  it("rejects bad flags with exit code 2, naming the flag", async () => {
    const cases: [string[], string][] = [
      [["--task", "mnist", "--cell", "rnn"], "--task must be one of jsb, copy, adding, add, got 'mnist'"],
      [["--task", "copy"], "--cell is required"],
      [["--task", "copy", "--cell", "lstm", "--decay", "0.5"], "--decay does not apply to --cell lstm"],
      [["--task", "copy", "--cell", "snu", "--activation", "gelu"], "option 'activation' must be one of identity, relu, leakyRelu, got 'gelu'"],
      [["--task", "copy", "--cell", "rnn", "--momentum", "0.9"], "--momentum applies to --optimizer sgd only"],
      [["--task", "copy", "--cell", "rnn", "--update-every", "0"], "--update-every must be an integer >= 1, got '0'"],
      [["--task", "adding", "--cell", "rnn", "--delay", "3"], "--delay does not apply to --task adding"],
      [["--task", "copy", "--cell", "rnn", "--data", "x.json"], "--data applies to --task jsb only"],
      [["--task", "copy", "--cell", "rnn", "--examples", "10,0,1"], "--examples must be three positive integers TRAIN,VALID,TEST, got '10,0,1'"],
    ];
    for (const [args, message] of cases) {
      const io = captureOutput();
      expect(await main(["train", ...args]), args.join(" ")).toBe(2);
      expect(io.err.join(""), args.join(" ")).toContain(message);
      vi.restoreAllMocks();
    }
  });

  it("maps the SNU-family flags to cell options (no H, decay 0.8, g identity, threshold 1 by default)", () => {
    expect(parseTrainConfig(["--task", "jsb", "--cell", "ssnu"]).cellOptions).toEqual({});
    const c = parseTrainConfig(["--task", "jsb", "--cell", "snu", "--recurrent", "--decay", "0.4", "--trainable-decay", "--threshold", "0.5", "--activation", "relu"]);
    expect(c.cellOptions).toEqual({ recurrent: true, decay: 0.4, trainableDecay: true, threshold: 0.5, activation: "relu" });
    expect(parseTrainConfig(["--task", "copy", "--cell", "gru", "--update-every", "4", "--algo", "bptt"])).toMatchObject({ updateEvery: 4, algorithm: "bptt" });
  });

  it.each([["SIGINT", 130], ["SIGTERM", 143]] as const)("on %s keeps the epochs written, writes status 'interrupted', prints the JSON and exits %i", { timeout: 60_000 }, async (signal, status) => {
    const out = join(tmp("signal"), "run");
    const run = startTraining(out);
    while (run.epochs() < 2) await new Promise((r) => setTimeout(r, 100));
    run.child.kill(signal);
    expect(await run.exited).toBe(status);
    const written = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(written.status).toBe("interrupted");
    expect(written.history.length).toBeGreaterThanOrEqual(2);
    expect(written.history.length).toBeLessThan(1000);
    expect(JSON.parse(run.stdout()).history).toEqual(written.history);
    expect(readFileSync(join(out, "loss-curve.svg"), "utf8").startsWith("<svg")).toBe(true);
    expect(existsSync(join(out, RUN_LOCK_FILE))).toBe(false);
  });

  it("refuses a second run into a folder a live run holds, with one line (exit 2), and leaves the first run's files alone", { timeout: 60_000 }, async () => {
    const out = join(tmp("concurrent"), "run");
    const first = startTraining(out);
    while (first.epochs() < 1) await new Promise((r) => setTimeout(r, 100));
    const config = readFileSync(join(out, "config.json"), "utf8");
    const io = captureOutput();
    for (const extra of [[], ["--overwrite"]]) {
      expect(await main(["train", ...TINY_COPY, "--seed", "7", "--out", out, ...extra])).toBe(2);
    }
    vi.restoreAllMocks();
    const lines = io.stderr().trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^ostl train: --out ${out}: another run is writing to this folder \\(pid ${first.child.pid} on ${hostname()}, started [0-9T:.-]+Z\\); wait for it, choose another --out, or delete ${join(out, RUN_LOCK_FILE)} if that run is gone$`));
    expect(readFileSync(join(out, "config.json"), "utf8")).toBe(config);
    expect(JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")).config.seed).toBe(1);
    first.child.kill("SIGINT");
    expect(await first.exited).toBe(130);
  });

  it("takes over the lock of a run that died", async () => {
    const out = tmp("stale");
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    writeFileSync(join(out, RUN_LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), started: "2025-01-01T00:00:00.000Z" }));
    captureOutput();
    expect(await main(["train", ...TINY_COPY, "--out", out])).toBe(0);
    expect(JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")).status).toBe("done");
    expect(existsSync(join(out, RUN_LOCK_FILE))).toBe(false);
  });

  it("refuses a folder holding a finished run unless --overwrite, which replaces only the run's files", async () => {
    const out = tmp("again");
    captureOutput();
    expect(await main(["train", ...TINY_COPY, "--epochs", "1", "--out", out])).toBe(0);
    writeFileSync(join(out, "notes.txt"), "mine");
    const metrics = readFileSync(join(out, "metrics.json"), "utf8");
    vi.restoreAllMocks();
    let io = captureOutput();
    expect(await main(["train", ...TINY_COPY, "--seed", "5", "--out", out])).toBe(2);
    expect(io.stderr()).toBe(`ostl train: --out ${out}: the folder holds a previous run (status 'done', 1 epoch); pass --overwrite to replace it, or choose another --out\n`);
    expect(readFileSync(join(out, "metrics.json"), "utf8")).toBe(metrics);
    vi.restoreAllMocks();
    io = captureOutput();
    expect(await main(["train", ...TINY_COPY, "--seed", "5", "--out", out, "--overwrite"])).toBe(0);
    const replaced = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect([replaced.status, replaced.config.seed, replaced.history.length]).toEqual(["done", 5, 2]);
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("mine");
    expect(readdirSync(out).sort()).toEqual(["checkpoint.json", "config.json", "loss-curve.svg", "metrics.json", "notes.txt"]);
  });

  it("stops a diverging run: exit 3, status 'diverged', the epochs before kept, one line naming the epoch, the sequence and the value", async () => {
    const out = join(tmp("diverge"), "run");
    const io = captureOutput();
    // plain SGD with a far too large step on a regression task: the weights grow until the loss overflows in epoch 6
    const args = ["train", "--task", "adding", "--length", "4", "--cell", "rnn", "--hidden", "6", "--examples", "12,4,4", "--epochs", "40", "--optimizer", "sgd", "--lr", "30", "--out", out];
    expect(await main(args)).toBe(3);
    const written = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(written.status).toBe("diverged");
    expect(written.history.map((m: { epoch: number }) => m.epoch)).toEqual([1, 2, 3, 4, 5]);
    // the overflowing loss is Infinity or NaN (+∞ - ∞ inside a sum), by the order the readout's products add in
    expect(written.divergence).toEqual({ epoch: 6, sequence: 9, sequences: 12, what: expect.stringMatching(/^the loss is (Infinity|NaN) \(steps 1-4\)$/) });
    expect(io.stderr()).toContain(`ostl train: diverged at epoch 6, sequence 9/12: ${written.divergence.what}; kept 5 epochs; wrote ${out}/metrics.json, config.json, loss-curve.svg, checkpoint.json\n`);
    expect(existsSync(join(out, RUN_LOCK_FILE))).toBe(false);
  });

  it("--out under a file or in a folder that cannot be written: one line, exit 2, before training", async () => {
    const dir = tmp("out-file");
    writeFileSync(join(dir, "notes.txt"), "mine");
    for (const [out, problem] of [[join(dir, "notes.txt", "run"), `${join(dir, "notes.txt")} is a file, so no folder can be made under it`], ["/proc/ostl-run", "cannot create files in /proc (ENOENT)"]]) {
      const io = captureOutput();
      expect(await main(["train", ...TINY_COPY, "--out", out!])).toBe(2);
      expect(io.stderr()).toBe(`ostl train: --out ${out}: ${problem}\n`);
      vi.restoreAllMocks();
    }
  });
});

describe("ostl train --resume and ostl eval", () => {
  afterEach(() => vi.restoreAllMocks());
  // four epochs of about a second each here, so that the interruption lands inside the run
  const FOUR_EPOCHS = ["--task", "copy", "--cell", "lstm", "--hidden", "8", "--examples", "60,10,10", "--epochs", "4"];
  const figures = (folder: string) => (JSON.parse(readFileSync(join(folder, "metrics.json"), "utf8")).history as Record<string, number>[]).map(({ seconds: _, ...m }) => m);
  const saved = (folder: string) => JSON.parse(readFileSync(join(folder, CHECKPOINT_FILE), "utf8")).checkpoint;

  it("a run interrupted (SIGINT) after epoch 2 of 4 and resumed gives the uninterrupted run's metrics, params and optimizer state, to the bit", { timeout: 120_000 }, async () => {
    const base = tmp("resume");
    captureOutput();
    expect(await main(["train", ...FOUR_EPOCHS, "--out", join(base, "whole")])).toBe(0);
    const run = startTraining(join(base, "stopped"), FOUR_EPOCHS);
    while (run.epochs() < 2) await new Promise((r) => setTimeout(r, 20));
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(130);
    const stoppedAt = readRunCheckpoint(join(base, "stopped")).checkpoint.epoch;
    expect(stoppedAt).toBeGreaterThanOrEqual(2);
    expect(stoppedAt).toBeLessThan(4);
    expect(figures(join(base, "stopped"))).toHaveLength(stoppedAt);
    expect(await main(["train", "--resume", join(base, "stopped")])).toBe(0);
    const [whole, resumed] = [figures(join(base, "whole")), figures(join(base, "stopped"))];
    expect(resumed).toHaveLength(4);
    // Object.is: the same doubles, -0 and NaN told apart
    whole.forEach((m, i) => Object.entries(m).forEach(([k, v]) => expect(Object.is(resumed[i]![k], v), `epoch ${i + 1} ${k}: ${resumed[i]![k]} vs ${v}`).toBe(true)));
    // the arrays are stored as the bytes of their doubles: equal strings are equal bits
    const [a, b] = [saved(join(base, "whole")), saved(join(base, "stopped"))];
    expect(b.params).toEqual(a.params);
    expect(b.optimizer).toEqual(a.optimizer);
    expect(b.shuffle).toEqual(a.shuffle);
    expect(JSON.parse(readFileSync(join(base, "stopped", "metrics.json"), "utf8")).status).toBe("done");
  });

  it("ostl eval scores the checkpoint as training did; --resume refuses a finished run, other flags and a folder without checkpoint", { timeout: 60_000 }, async () => {
    const out = join(tmp("eval"), "run");
    const io = captureOutput();
    expect(await main(["train", ...TINY_COPY, "--out", out])).toBe(0);
    io.out.length = 0;
    expect(await main(["eval", out, "--split", "all", "--json"])).toBe(0);
    const report = JSON.parse(io.out.join(""));
    const last = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")).history[1];
    expect(report).toMatchObject({ schema: "ostl-eval/1", run: out, epoch: 2 });
    expect([report.scores.valid.loss, report.scores.test.loss]).toEqual([last.valid, last.test]);
    expect(report.scores.train.loss).toBeGreaterThan(0);
    io.err.length = 0;
    expect(await main(["train", "--resume", out])).toBe(2);
    expect(await main(["train", "--resume", out, "--lr", "0.1"])).toBe(2);
    expect(await main(["eval", tmp("nothing")])).toBe(2);
    const lines = io.stderr().trim().split("\n");
    expect(lines[0]).toBe(`ostl train: --resume ${out}: the run has finished 2 of 2 epochs; pass --epochs E with E > 2 to train on`);
    expect(lines[1]).toBe("ostl train: --lr does not apply with --resume: the run's config.json fixes it (only --epochs and --json may be given)");
    expect(lines[2]).toMatch(/^ostl eval: .*ostl-nothing-\w+ holds no checkpoint.json: it is not a run folder of ostl train/);
    expect(await main(["train", "--resume", out, "--epochs", "3"])).toBe(0);
    expect(JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")).history.map((m: { epoch: number }) => m.epoch)).toEqual([1, 2, 3]);
  });
});

/** `ostl train` in a child process (by default with many epochs), as a user or a job scheduler runs it. */
function startTraining(out: string, flags: readonly string[] = [...TINY_COPY, "--epochs", "1000"]) {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "packages/cli/src/bin.ts", "train", ...flags, "--out", out, "--json"], { cwd: root });
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const metrics = join(out, "metrics.json");
  const epochs = (): number => (existsSync(metrics) ? JSON.parse(readFileSync(metrics, "utf8")).history.length : 0);
  return { child, exited, epochs, stdout: () => stdout };
}
