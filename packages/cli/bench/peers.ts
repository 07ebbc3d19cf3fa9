/**
 * `pnpm bench:peers`: JSB Chorales epochs of `ostl train` against JAX jit (jax_jsb.py in the
 * peers folder), each pair back to back in one run, as medians of the epochs after a warm-up
 * epoch and their ratio. A development tool, not a test; see `--help` and the README.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { jsbDataPath, UsageError } from "@ostl/cli";
import { parsePeerOptions, PEERS_USAGE } from "./peers/options.js";
import { PAIRS, runKey, type OurRun } from "./peers/pairs.js";
import { probeJax, timeJax, timeOurs } from "./peers/runs.js";
import { type EpochTiming, type PairResult, peerReport, peerTable } from "./peers/timing.js";

const repoRoot = join(import.meta.dirname, "../../..");

function setup() {
  const options = parsePeerOptions(process.argv.slice(2), process.env, repoRoot);
  if (options.help) return { options, data: "" };
  const { path, from } = jsbDataPath(options.data ?? undefined);
  if (!existsSync(path)) throw new UsageError(`the JSB Chorales file ${path} (from ${from}) does not exist: give --data FILE or OSTL_DATA`);
  return { options, data: path };
}

async function main(): Promise<number> {
  let context: ReturnType<typeof setup>;
  try {
    context = setup();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench:peers: ${error.message}\n`);
    return 2;
  }
  const { options, data } = context;
  if (options.help) {
    process.stdout.write(`${PEERS_USAGE}\n`);
    return 0;
  }
  const probe = probeJax(options.python, options.peers);
  if (!probe.ok) process.stderr.write(`bench:peers: JAX is not timed: ${probe.missing}\nTiming ours alone.\n`);
  const ours = new Map<string, EpochTiming>();
  const timeOnce = async (run: OurRun) => {
    const key = runKey(run);
    if (!ours.has(key)) {
      process.stderr.write(`bench:peers: ours, ${key}: ${options.epochs + 1} epochs\n`);
      ours.set(key, await timeOurs(run, data, options.epochs, repoRoot));
    }
    return ours.get(key)!;
  };
  const results: PairResult[] = [];
  for (const pair of PAIRS.filter((p) => options.pairs.includes(p.id))) {
    const mine = await timeOnce(pair.ours);
    if ("ours" in pair.against) {
      results.push({ pair, ours: mine, against: await timeOnce(pair.against.ours) });
    } else if (probe.ok) {
      process.stderr.write(`bench:peers: ${runKey(pair.against.jax)}: ${options.epochs + 1} epochs\n`);
      results.push({ pair, ours: mine, against: await timeJax(pair.against.jax, options.python, probe.script, data, options.epochs) });
    } else {
      results.push({ pair, ours: mine, against: null, missing: "JAX not available" });
    }
  }
  const jax = probe.ok ? probe.version : null;
  if (options.json) {
    process.stdout.write(`${JSON.stringify(peerReport(results, { epochs: options.epochs, jax, ...(probe.ok ? {} : { missing: probe.missing }) }))}\n`);
  } else {
    console.log(`bench:peers (JSB Chorales, seconds per epoch: training + scoring valid and test; medians of ${options.epochs} epochs after a warm-up; ${jax === null ? "JAX not available" : `JAX ${jax}`})`);
    console.log(peerTable(results));
  }
  return 0;
}

process.exitCode = await main();
