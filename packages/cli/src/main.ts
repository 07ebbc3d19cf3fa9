import { OstlError } from "@ostl/core";
import { type Command, UsageError } from "./command.js";
import { benchCommand } from "./commands/bench.js";
import { compareCommand } from "./commands/compare.js";
import { gradcheckCommand } from "./commands/gradcheck.js";
import { trainCommand } from "./commands/train.js";
import { evalCommand } from "./commands/eval.js";
import { dataCommand } from "./commands/data.js";
import { deriveCommand } from "./commands/derive.js";
import { compileCommand } from "./commands/compile.js";
import { studyCommand } from "./commands/study.js";
import { nearestName } from "./args.js";

/**
 * Every subcommand, in the order `ostl help` lists them.
 *
 * @example
 * ```ts
 * import { commands } from "@ostl/cli";
 * console.log(commands.map((c) => c.name)); // ["compare", "study", "bench", "gradcheck", "train", "eval", "data", "derive", "compile"]
 * ```
 */
export const commands: readonly Command[] = [compareCommand, studyCommand, benchCommand, gradcheckCommand, trainCommand, evalCommand, dataCommand, deriveCommand, compileCommand];

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return ["usage: ostl <command> [options]", "", "commands:", ...lines, "", "ostl <command> --help shows a command's options."].join("\n");
}

/**
 * Runs the `ostl` command line with the given arguments (without `node` and the script path).
 * Resolves to the exit code: 0 success, 1 a failed check (gradcheck, or a non-finite gradient in
 * compare), 2 bad usage or input (also an input the library rejects, e.g. a size that cannot be
 * allocated: one line naming the op and the values, its stack with `OSTL_DEBUG=1`), 3 a diverged training run, 130 or 143 a run stopped by SIGINT or
 * SIGTERM (each command's usage lists its own).
 *
 * @example
 * ```ts
 * import { main } from "@ostl/cli";
 * console.log(await main(["help"]), await main(["gradcheck", "--help"])); // 0 0
 * console.log(await main(["no-such-command"])); // 2
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    console.log(helpText());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    const near = nearestName(name, commands.map((c) => c.name));
    console.error(`ostl: unknown command '${name}'${near === null ? "" : `; did you mean '${near}'?`}\n\n${helpText()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`ostl ${name}: ${error.message}`);
      return 2;
    }
    // the library rejected what it was given (a cell, a size, a value) and its message names the op and the values
    if (error instanceof OstlError && process.env.OSTL_DEBUG === undefined) {
      console.error(`ostl ${name}: ${error.name}: ${error.message} (OSTL_DEBUG=1 shows the stack)`);
      return 2;
    }
    throw error;
  }
}
