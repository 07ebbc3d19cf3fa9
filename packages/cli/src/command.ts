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
 *   run: async (argv) => {
 *     console.log(`hello ${argv[0] ?? "world"}`); // hello ostl
 *     return 0;
 *   },
 * };
 * console.log(await hello.run(["ostl"])); // 0
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
 * import { main } from "@ostl/cli";
 * // main prints a UsageError's message without a stack trace and exits with 2
 * console.log(await main(["gradcheck", "--tolerance", "abc"])); // 2
 * const e = new UsageError("--tolerance must be a number >= 0, got 'abc'");
 * console.log(e.name, e instanceof Error); // UsageError true
 * ```
 */
export class UsageError extends Error {
  override name = "UsageError";
}
