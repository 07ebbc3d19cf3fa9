import cliProgress from "cli-progress";

/**
 * Progress of a long command: a bar on a terminal, plain lines otherwise, always on stderr.
 *
 * @example
 * ```ts
 * import { progress, type Progress } from "@ostl/cli";
 * const quiet: Progress = progress(3, "train", true);
 * for (const label of ["epoch 1", "epoch 2", "epoch 3"]) quiet.tick(label);
 * quiet.stop();
 * ```
 */
export interface Progress {
  tick(label: string): void;
  stop(): void;
}

/**
 * A progress reporter for `total` units of work on stderr: a cli-progress bar when stderr is a
 * terminal, one plain line per unit otherwise (CI logs, pipes), nothing when `quiet`.
 *
 * @example
 * ```ts
 * import { progress } from "@ostl/cli";
 * // on a pipe (as here, under a test runner) it writes "compare [1/2] rnn" and "compare [2/2] lstm" to stderr
 * const p = progress(2, "compare");
 * p.tick("rnn");
 * p.tick("lstm");
 * p.stop();
 * ```
 */
export function progress(total: number, title: string, quiet = false): Progress {
  if (quiet) return { tick: () => undefined, stop: () => undefined };
  let done = 0;
  if (!process.stderr.isTTY) {
    return {
      tick: (label) => process.stderr.write(`${title} [${++done}/${total}] ${label}\n`),
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${title} [{bar}] {value}/{total} {label}`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { label: "" });
  return {
    tick: (label) => bar.increment(1, { label }),
    stop: () => bar.stop(),
  };
}
