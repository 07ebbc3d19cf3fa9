/**
 * The flags of `pnpm bench:peers` and where each path comes from when a flag is absent.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { numberFlag, UsageError } from "@ostl/cli";
import { PAIRS, type PairId } from "./pairs.js";

/**
 * What `pnpm bench:peers` runs with.
 *
 * @example
 * ```ts
 * import { parsePeerOptions, type PeerOptions } from "./options.js";
 * const options: PeerOptions = parsePeerOptions(["--epochs", "4"], { OSTL_DATA: "/d/jsb.json" }, "/repo", () => false);
 * console.log(options.epochs, options.data, options.python); // 4 /d/jsb.json python3
 * ```
 */
export interface PeerOptions {
  /** `--data`, else `OSTL_DATA`; `null` leaves the choice to `ostl train` (its cache). */
  readonly data: string | null;
  /** The folder holding jax_jsb.py, or `null` when none was given and the default is absent. */
  readonly peers: string | null;
  readonly python: string;
  /** Timed epochs after the warm-up epoch (at least 3: the figures are their medians). */
  readonly epochs: number;
  readonly pairs: readonly PairId[];
  readonly json: boolean;
  readonly help: boolean;
}

const FLAGS = {
  data: { type: "string" },
  peers: { type: "string" },
  python: { type: "string" },
  epochs: { type: "string" },
  pairs: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean" },
} as const;

/**
 * Reads the flags, with the environment (`OSTL_DATA`, `OSTL_PEERS`, `OSTL_PYTHON`) and the
 * defaults: peers in `../shared/peers` beside the repository, Python from `~/.venvs/jax` (the
 * peers README's venv), else `python3`. `exists` is asked about the default paths only.
 *
 * @throws {@link UsageError} for an unknown flag, fewer than 3 epochs, or an unknown pair.
 * @example
 * ```ts
 * import { parsePeerOptions } from "./options.js";
 * const o = parsePeerOptions(["--pairs", "ssnu150-ostl", "--json"], {}, "/work/main", (p) => p === "/work/shared/peers");
 * console.log(o.peers, o.pairs, o.json, o.data); // /work/shared/peers ["ssnu150-ostl"] true null
 * ```
 */
export function parsePeerOptions(argv: readonly string[], env: NodeJS.ProcessEnv, repoRoot: string, exists: (path: string) => boolean = existsSync): PeerOptions {
  let values: { [K in keyof typeof FLAGS]?: (typeof FLAGS)[K]["type"] extends "boolean" ? boolean : string };
  try {
    values = parseArgs({ args: [...argv], options: FLAGS, allowPositionals: false, strict: true }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify.*$/s, "")} (see 'pnpm bench:peers --help')`);
  }
  const epochs = numberFlag("--epochs", values.epochs, { min: 3, integer: true }) ?? 3;
  const known = PAIRS.map((p) => p.id);
  const pairs = values.pairs === undefined ? known : values.pairs.split(",").map((s) => s.trim());
  const unknown = pairs.find((p) => !known.includes(p as PairId));
  if (unknown !== undefined) throw new UsageError(`--pairs: unknown pair '${unknown}' (known: ${known.join(", ")})`);
  const defaultPeers = resolve(repoRoot, "../shared/peers");
  const venvPython = join(homedir(), ".venvs/jax/bin/python");
  return {
    data: values.data ?? env.OSTL_DATA ?? null,
    peers: values.peers ?? env.OSTL_PEERS ?? (exists(defaultPeers) ? defaultPeers : null),
    python: values.python ?? env.OSTL_PYTHON ?? (exists(venvPython) ? venvPython : "python3"),
    epochs,
    pairs: pairs as PairId[],
    json: values.json ?? false,
    help: values.help ?? false,
  };
}

/** The usage text of `pnpm bench:peers`. */
export const PEERS_USAGE = `usage: pnpm bench:peers [--data FILE] [--peers DIR] [--python PATH] [--epochs N] [--pairs ID,...] [--json]

Times JSB Chorales epochs of 'ostl train' (training plus scoring valid and test) against the JAX
script jax_jsb.py (jit + lax.scan, float64, CPU), each pair back to back, and prints the medians
of N epochs after a warm-up epoch and their ratio (ours / peer).

  --data FILE    the JSB Chorales JSON file (default $OSTL_DATA, then the cache of 'ostl data fetch jsb')
  --peers DIR    the folder holding jax_jsb.py (default $OSTL_PEERS, then ../shared/peers beside the repository)
  --python PATH  a Python with jax (default $OSTL_PYTHON, then ~/.venvs/jax/bin/python, then python3)
  --epochs N     timed epochs after the warm-up epoch, N >= 3 (default 3)
  --pairs ID,... ${PAIRS.map((p) => p.id).join(", ")} (default all)
  --json         print one JSON object (schema ostl-bench-peers/1)

Without Python, jax or the peers folder it says what to install, times ours alone and exits 0.`;
