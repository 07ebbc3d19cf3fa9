/**
 * Running the two sides: our `ostl train --task jsb` in a child process (an epoch as it reports
 * one: training plus scoring valid and test), and jax_jsb.py under a Python with jax.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JaxRun, OurRun } from "./pairs.js";
import { epochTiming, type EpochTiming } from "./timing.js";

/** How the peers README sets up the Python that runs jax_jsb.py. */
export const JAX_SETUP = "python3 -m venv ~/.venvs/jax && ~/.venvs/jax/bin/pip install jax==0.10.2 numpy";

/**
 * Whether the JAX side can run: the peers folder holds jax_jsb.py and `python` imports jax.
 *
 * @example
 * ```ts
 * import { probeJax } from "./runs.js";
 * const probe = probeJax("/nonexistent/python", "/work/shared/peers");
 * console.log(probe.ok); // false
 * ```
 */
export type JaxProbe = { readonly ok: true; readonly version: string; readonly script: string } | { readonly ok: false; readonly missing: string };

/**
 * Checks that the JAX side can run; when it cannot, `missing` says what is missing and what to
 * install (the venv of the peers README).
 *
 * @example
 * ```ts
 * import { probeJax } from "./runs.js";
 * const probe = probeJax("/no/such/python", null);
 * if (!probe.ok) console.log(probe.missing.split("\n")[0]); // no peers folder: give --peers DIR or OSTL_PEERS (the folder holding jax_jsb.py)
 * ```
 */
export function probeJax(python: string, peers: string | null): JaxProbe {
  if (peers === null || !existsSync(join(peers, "jax_jsb.py"))) {
    const where = peers === null ? "no peers folder: give --peers DIR or OSTL_PEERS (the folder holding jax_jsb.py)" : `no jax_jsb.py in ${peers}`;
    return { ok: false, missing: where };
  }
  const check = spawnSync(python, ["-c", "import jax; print(jax.__version__)"], { encoding: "utf8" });
  if (check.status === 0) return { ok: true, version: check.stdout.trim(), script: join(peers, "jax_jsb.py") };
  const what = check.error !== undefined ? `no Python at '${python}' (${(check.error as NodeJS.ErrnoException).code ?? check.error.message})` : `'${python}' cannot import jax`;
  return { ok: false, missing: `${what}. To time JAX, install it as the peers README says:\n  ${JAX_SETUP}\nthen run again (or point --python / OSTL_PYTHON at a Python with jax).` };
}

/** Runs a command, passing its stderr through; resolves to its stdout, rejects on a non-zero exit. */
function output(command: string, args: readonly string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"], cwd });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(" ")} exited with status ${code}`))));
  });
}

/**
 * The arguments of `ostl train` for one of our runs: the warm-up epoch and `epochs` timed ones.
 *
 * @example
 * ```ts
 * import { ourTrainArgs } from "./runs.js";
 * console.log(ourTrainArgs({ cell: "lstm", algo: "ostl", approximation: "diagonal" }, "/d/jsb.json", 3, "/tmp/run").join(" "));
 * // train --task jsb --data /d/jsb.json --cell lstm --hidden 150 --algo ostl --epochs 4 --out /tmp/run --json --approximation diagonal
 * ```
 */
export function ourTrainArgs(run: OurRun, data: string, epochs: number, out: string): string[] {
  const args = ["train", "--task", "jsb", "--data", data, "--cell", run.cell, "--hidden", "150", "--algo", run.algo, "--epochs", String(epochs + 1), "--out", out, "--json"];
  return run.approximation === undefined ? args : [...args, "--approximation", run.approximation];
}

/**
 * Times one of our runs: `ostl train` as a user runs it, the built command (`packages/cli/dist`,
 * which `pnpm bench:peers` builds first), its per-epoch `seconds`. Run from the TypeScript
 * sources through a loader instead, the same epochs took up to half as long again.
 */
export async function timeOurs(run: OurRun, data: string, epochs: number, repoRoot: string): Promise<EpochTiming> {
  const built = join(repoRoot, "packages/cli/dist/bin.js");
  if (!existsSync(built)) throw new Error(`${built} does not exist: build the command first (npx tsc -b packages/cli)`);
  const folder = mkdtempSync(join(tmpdir(), "ostl-bench-peers-"));
  try {
    const text = await output(process.execPath, [built, ...ourTrainArgs(run, data, epochs, join(folder, "run"))]);
    const report = JSON.parse(text) as { history: { seconds: number }[] };
    return epochTiming(report.history.map((m) => m.seconds));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Times a run of jax_jsb.py: its `warmup_s` and `epoch_s`. */
export async function timeJax(run: JaxRun, python: string, script: string, data: string, epochs: number): Promise<EpochTiming> {
  const text = await output(python, [script, data, run.model, run.algo, String(epochs)]);
  const line = text.trim().split("\n").at(-1)!;
  const report = JSON.parse(line) as { warmup_s: number; epoch_s: number[] };
  return epochTiming([report.warmup_s, ...report.epoch_s]);
}
