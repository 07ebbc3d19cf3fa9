import { execFileSync } from "node:child_process";
import { availableParallelism, cpus, loadavg } from "node:os";
import { escapeHtml } from "./compare/html.js";

/**
 * Where and how a result was made: the command line, the commit, the date, Node's version, the
 * CPU, its cores and the load average when the run started (the machine counts as loaded when the
 * load is above the core count, and timings then run slow).
 *
 * @example
 * ```ts
 * import { provenance, type Provenance } from "@ostl/cli";
 * const p: Provenance = provenance(["compare", "--quiet"]);
 * console.log(p.command, p.node === process.version, p.cores > 0, typeof p.loaded); // ostl compare --quiet true true boolean
 * ```
 */
export interface Provenance {
  readonly command: string;
  /** The git commit of the working tree, or null outside a git checkout. */
  readonly commit: string | null;
  readonly date: string;
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  /** The one-minute load average at the start. */
  readonly loadAverage: number;
  readonly loaded: boolean;
}

/**
 * The provenance of a run of `ostl` with `argv` (the arguments after `ostl`), read now.
 *
 * @example
 * ```ts
 * import { provenance } from "@ostl/cli";
 * const p = provenance(["study", "--seeds", "3"]);
 * console.log(p.command, /^[0-9a-f]{40}$/.test(p.commit ?? "0".repeat(40))); // ostl study --seeds 3 true
 * ```
 */
export function provenance(argv: readonly string[]): Provenance {
  let commit: string | null = null;
  try {
    commit = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || null;
  } catch {
    commit = null;
  }
  const cores = availableParallelism();
  const load = loadavg()[0]!;
  return {
    command: ["ostl", ...argv].join(" "),
    commit,
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores,
    loadAverage: Math.round(load * 100) / 100,
    loaded: load > cores,
  };
}

/**
 * The provenance as one paragraph of a report, saying so when the machine was loaded.
 *
 * @example
 * ```ts
 * import { provenanceHtml } from "@ostl/cli";
 * const html = provenanceHtml({ command: "ostl compare", commit: null, date: "2026-01-01T00:00:00.000Z", node: "v20.0.0", cpu: "CPU", cores: 2, loadAverage: 3.5, loaded: true });
 * console.log(html.includes("the machine was loaded")); // true
 * ```
 */
export function provenanceHtml(p: Provenance): string {
  const load = `load average ${p.loadAverage} at the start on ${p.cores} cores${p.loaded ? ": the machine was loaded, so the timings run slow" : ""}`;
  return `<p class="provenance">Made by <code>${escapeHtml(p.command)}</code> at ${escapeHtml(p.date)}, commit ${escapeHtml(p.commit ?? "unknown")}, Node ${escapeHtml(p.node)}, ${escapeHtml(p.cpu)}; ${escapeHtml(load)}.</p>`;
}
