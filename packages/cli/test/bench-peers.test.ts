import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "@ostl/cli";
import { parsePeerOptions } from "../bench/peers/options.js";
import { PAIRS } from "../bench/peers/pairs.js";
import { JAX_SETUP, ourTrainArgs, probeJax } from "../bench/peers/runs.js";
import { epochTiming, peerReport, peerTable } from "../bench/peers/timing.js";

const root = join(import.meta.dirname, "../../..");
const tmp = () => mkdtempSync(join(tmpdir(), "ostl-peers-"));

/** An executable shell script standing in for Python. */
function fakePython(body: string): string {
  const path = join(tmp(), "python");
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A peers folder holding a jax_jsb.py (never run here). */
function peersFolder(): string {
  const dir = tmp();
  writeFileSync(join(dir, "jax_jsb.py"), "raise SystemExit('not run in tests')\n");
  return dir;
}

describe("bench:peers options", () => {
  it("flags win over the environment, the environment over the defaults", () => {
    const env = { OSTL_DATA: "/env/jsb.json", OSTL_PEERS: "/env/peers", OSTL_PYTHON: "/env/python" };
    const fromEnv = parsePeerOptions([], env, "/repo", () => true);
    expect([fromEnv.data, fromEnv.peers, fromEnv.python, fromEnv.epochs, fromEnv.pairs]).toEqual(["/env/jsb.json", "/env/peers", "/env/python", 3, PAIRS.map((p) => p.id)]);
    const fromFlags = parsePeerOptions(["--data", "/d.json", "--peers", "/p", "--python", "/py", "--epochs", "5"], env, "/repo", () => true);
    expect([fromFlags.data, fromFlags.peers, fromFlags.python, fromFlags.epochs]).toEqual(["/d.json", "/p", "/py", 5]);
  });

  it("defaults: ../shared/peers beside the repository and the venv's Python when they exist, else no peers and python3", () => {
    const present = parsePeerOptions([], {}, "/work/main", () => true);
    expect([present.data, present.peers, present.python]).toEqual([null, "/work/shared/peers", join(homedir(), ".venvs/jax/bin/python")]);
    const absent = parsePeerOptions([], {}, "/work/main", () => false);
    expect([absent.peers, absent.python]).toEqual([null, "python3"]);
  });

  it("refuses fewer than 3 timed epochs, an unknown pair (listing the known ones) and an unknown flag", () => {
    expect(() => parsePeerOptions(["--epochs", "2"], {}, "/r", () => false)).toThrow("--epochs must be an integer >= 3, got '2'");
    expect(() => parsePeerOptions(["--pairs", "ssnu150-ostl,gru150-bptt"], {}, "/r", () => false)).toThrow(`--pairs: unknown pair 'gru150-bptt' (known: ${PAIRS.map((p) => p.id).join(", ")})`);
    expect(() => parsePeerOptions(["--epoch", "3"], {}, "/r", () => false)).toThrow(UsageError);
    expect(parsePeerOptions(["--pairs", "lstm150-bptt, ssnu150-ostl"], {}, "/r", () => false).pairs).toEqual(["lstm150-bptt", "ssnu150-ostl"]);
  });

  it("our run is ostl train on JSB with a warm-up epoch before the timed ones", () => {
    expect(ourTrainArgs(PAIRS[0].ours, "/d.json", 3, "/out")).toEqual(["train", "--task", "jsb", "--data", "/d.json", "--cell", "ssnu", "--hidden", "150", "--algo", "ostl", "--epochs", "4", "--out", "/out", "--json"]);
    expect(ourTrainArgs(PAIRS[3].ours, "/d.json", 5, "/out").slice(-3)).toEqual(["--json", "--approximation", "diagonal"]);
  });
});

describe("bench:peers figures", () => {
  it("the median of the epochs after the warm-up, whatever the warm-up took", () => {
    expect(epochTiming([100, 3, 1, 2]).median).toBe(2);
    expect(epochTiming([0, 5, 1, 4, 2, 3]).median).toBe(3);
    expect(() => epochTiming([1])).toThrow("need a warm-up epoch and at least one timed epoch, got 1 epoch(s)");
  });

  it("the table gives each side's median, the ratio ours / peer, and '-' where the peer did not run", () => {
    const table = peerTable([
      { pair: PAIRS[2], ours: epochTiming([50, 43.3, 44, 43]), against: epochTiming([40, 2.43, 2.5, 2.4]) },
      { pair: PAIRS[0], ours: epochTiming([7, 6, 5, 7]), against: null, missing: "JAX not available" },
    ]);
    const [header, , lstm, ssnu] = table.split("\n");
    expect(header!.split(/\s{2,}/)).toEqual(["pair", "ours s/epoch", "against", "its s/epoch", "ratio", "target"]);
    expect(lstm!.split(/\s{2,}/)).toEqual(["LSTM-150, BPTT", "43.30", "JAX jit lstm150 bptt", "2.43", "17.82", "<= 1"]);
    expect(ssnu!.split(/\s{2,}/)).toEqual(["sSNU-150 without H, OSTL", "6.00", "JAX jit ssnu150 ostl", "-", "-", "<= 1"]);
  });

  it("the JSON report: the ratio of the medians, null without a peer, with the reason", () => {
    const report = peerReport(
      [
        { pair: PAIRS[3], ours: epochTiming([9, 6, 6, 6]), against: epochTiming([5, 4, 4, 4]) },
        { pair: PAIRS[1], ours: epochTiming([9, 8, 8, 8]), against: null, missing: "JAX not available" },
      ],
      { epochs: 3, jax: null, missing: "no Python" },
    );
    expect(report.pairs.map((p) => [p.id, p.against, p.ratio, p.missing])).toEqual([
      ["lstm150-ostl-diagonal", "ours lstm150 bptt", 1.5, undefined],
      ["ssnu150-bptt", "JAX jit ssnu150 bptt", null, "JAX not available"],
    ]);
  });
});

describe("bench:peers without JAX", () => {
  it("a missing Python, a Python without jax, and no peers folder each say what is missing and how to install it", () => {
    const peers = peersFolder();
    const noPython = probeJax(join(tmp(), "no-python"), peers);
    expect(noPython.ok).toBe(false);
    if (!noPython.ok) expect(noPython.missing).toMatch(/^no Python at '.*no-python' \(ENOENT\)\. To time JAX, install it as the peers README says:/);
    const noJax = probeJax(fakePython("exit 1"), peers);
    if (noJax.ok) throw new Error("a Python that cannot import jax was taken for one that can");
    expect(noJax.missing).toContain("cannot import jax");
    expect(noJax.missing).toContain(JAX_SETUP);
    const noFolder = probeJax(fakePython("echo 0.10.2"), null);
    expect(noFolder.ok).toBe(false);
    expect(probeJax(fakePython("echo 0.10.2"), tmp())).toMatchObject({ ok: false, missing: expect.stringContaining("no jax_jsb.py in") });
  });

  it("a Python that imports jax is taken, with its version", () => {
    const peers = peersFolder();
    expect(probeJax(fakePython("echo 0.10.2"), peers)).toEqual({ ok: true, version: "0.10.2", script: join(peers, "jax_jsb.py") });
  });

  it("the script times ours alone, says what to install and exits 0", () => {
    // a few made-up chords in the JSB Chorales file format (not the real data): an epoch takes milliseconds
    const data = join(tmp(), "jsb.json");
    writeFileSync(data, JSON.stringify({ train: [[[60, 64], [62], [64, 67]]], valid: [[[60], [62]]], test: [[[67], [65], [64]]] }));
    const run = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", join(root, "packages/cli/bench/peers.ts"), "--data", data, "--python", join(tmp(), "no-python"), "--peers", peersFolder(), "--pairs", "ssnu150-ostl", "--json"], { cwd: root, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain(JAX_SETUP);
    const report = JSON.parse(run.stdout);
    expect(report.jax).toBeNull();
    expect(report.pairs).toHaveLength(1);
    expect(report.pairs[0]).toMatchObject({ id: "ssnu150-ostl", peer: null, ratio: null });
    expect(report.pairs[0].ours.epochs).toHaveLength(3);
  }, 60_000);
});
