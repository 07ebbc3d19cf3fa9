/**
 * The shape shared by every `ostl` subcommand.
 *
 * @example
 * ```ts
 * import type { Command } from "@ostl/cli";
 * const hello: Command = {
 *   name: "hello",
 *   summary: "print a greeting",
 *   usage: "ostl hello",
 *   run: async () => { console.log("hello"); return 0; },
 * };
 * ```
 */
export interface Command {
  /** The word after `ostl` on the command line. */
  name: string;
  /** One line for `ostl help`. */
  summary: string;
  /** Full usage text. */
  usage: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(argv: readonly string[]): Promise<number>;
}

/**
 * An error caused by the user's input (bad flag, unreadable file): printed without a stack trace, exit code 2.
 *
 * @example
 * ```ts
 * import { UsageError } from "@ostl/cli";
 * throw new UsageError("--tolerance must be a positive number, got 'abc'");
 * ```
 */
export class UsageError extends Error {
  override name = "UsageError";
}
