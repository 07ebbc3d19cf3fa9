import { execFileSync } from "node:child_process";
import { availableParallelism, cpus, loadavg } from "node:os";
import { escapeHtml } from "./compare/html.js";

/**
 * Where and how a result was made: the command line, the commit, the date, Node's version, the
 * CPU, its cores and the load average when the run started, and when it ended where the command
 * records it (the machine counts as loaded when either is above the core count: timings are then
 * slow and noisy).
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
  /** The one-minute load average at the end (see {@link withLoadAtEnd}). */
  readonly loadAverageAtEnd?: number;
  /** Whether a load average recorded (at the start, or at the end) was above the core count. */
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
  const load = oneMinuteLoad();
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

/** The one-minute load average now. */
function oneMinuteLoad(): number {
  return loadavg()[0]!;
}

/**
 * The provenance with the load average at the end of the run added, read now: the machine was
 * loaded if the load was above the core count at the start or at the end.
 *
 * @example
 * ```ts
 * import { provenance, withLoadAtEnd } from "@ostl/cli";
 * const p = withLoadAtEnd(provenance(["compare"]));
 * console.log(typeof p.loadAverageAtEnd, p.loaded === (p.loadAverage > p.cores || p.loadAverageAtEnd! > p.cores)); // number true
 * ```
 */
export function withLoadAtEnd(p: Provenance): Provenance {
  const load = oneMinuteLoad();
  return { ...p, loadAverageAtEnd: Math.round(load * 100) / 100, loaded: p.loaded || load > p.cores };
}

/**
 * The warning a report and the terminal give when the machine was loaded, naming the load
 * averages and the core count, or `null` when it was not.
 *
 * @example
 * ```ts
 * import { loadWarning } from "@ostl/cli";
 * const p = { command: "ostl compare", commit: null, date: "2026-01-01T00:00:00.000Z", node: "v20.0.0", cpu: "CPU", cores: 2 };
 * console.log(loadWarning({ ...p, loadAverage: 1.5, loadAverageAtEnd: 3.25, loaded: true })); // the machine was loaded (load average 1.5 at the start and 3.25 at the end, on 2 cores), so the timings are noisy
 * console.log(loadWarning({ ...p, loadAverage: 0.5, loaded: false })); // null
 * ```
 */
export function loadWarning(p: Provenance): string | null {
  if (!p.loaded) return null;
  return `the machine was loaded (${loadAverages(p)}, on ${p.cores} cores), so the timings are noisy`;
}

/** "load average 1.5 at the start and 3.25 at the end", or only the start when the end is not recorded. */
function loadAverages(p: Provenance): string {
  return `load average ${p.loadAverage} at the start${p.loadAverageAtEnd === undefined ? "" : ` and ${p.loadAverageAtEnd} at the end`}`;
}

/**
 * The provenance as one paragraph of a report, followed by a warning paragraph (class
 * `warning load`) when the machine was loaded (see {@link loadWarning}).
 *
 * @example
 * ```ts
 * import { provenanceHtml } from "@ostl/cli";
 * const p = { command: "ostl compare", commit: null, date: "2026-01-01T00:00:00.000Z", node: "v20.0.0", cpu: "CPU", cores: 2, loadAverage: 3.5 };
 * console.log(provenanceHtml({ ...p, loaded: true }).split("\n")[1]); // <p class="warning load">Note: the machine was loaded (load average 3.5 at the start, on 2 cores), so the timings are noisy.</p>
 * console.log(provenanceHtml({ ...p, loadAverage: 0.5, loadAverageAtEnd: 0.75, loaded: false }).includes("load average 0.5 at the start and 0.75 at the end on 2 cores")); // true
 * ```
 */
export function provenanceHtml(p: Provenance): string {
  const made = `<p class="provenance">Made by <code>${escapeHtml(p.command)}</code> at ${escapeHtml(p.date)}, commit ${escapeHtml(p.commit ?? "unknown")}, Node ${escapeHtml(p.node)}, ${escapeHtml(p.cpu)}; ${escapeHtml(loadAverages(p))} on ${p.cores} cores.</p>`;
  const warning = loadWarning(p);
  return warning === null ? made : `${made}\n<p class="warning load">Note: ${escapeHtml(warning)}.</p>`;
}
