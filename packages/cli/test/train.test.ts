import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main, parseTrainConfig } from "@ostl/cli";
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
      [["--task", "mnist", "--cell", "rnn"], "--task must be one of jsb, copy, adding, got 'mnist'"],
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

  it("on SIGINT keeps the epochs written, writes status 'interrupted', prints the JSON and exits 130", { timeout: 60_000 }, async () => {
    const out = join(tmp("sigint"), "run");
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "packages/cli/src/bin.ts", "train", ...TINY_COPY, "--epochs", "1000", "--out", out, "--json"], { cwd: root });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const metrics = join(out, "metrics.json");
    const epochs = () => (existsSync(metrics) ? JSON.parse(readFileSync(metrics, "utf8")).history.length : 0);
    while (epochs() < 2) await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    const written = JSON.parse(readFileSync(metrics, "utf8"));
    expect(written.status).toBe("interrupted");
    expect(written.history.length).toBeGreaterThanOrEqual(2);
    expect(written.history.length).toBeLessThan(1000);
    expect(JSON.parse(stdout).history).toEqual(written.history);
    expect(readFileSync(join(out, "loss-curve.svg"), "utf8").startsWith("<svg")).toBe(true);
  });
});
