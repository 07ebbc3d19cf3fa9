import type { Command } from "../command.js";

/**
 * `ostl compare`: OSTL, RTRL and BPTT side by side on the same networks.
 *
 * The gradient algorithms it compares are not built yet, so for now the command states what the
 * comparison will contain and exits successfully.
 *
 * @example
 * ```ts
 * import { compareCommand } from "@ostl/cli";
 * await compareCommand.run([]);
 * ```
 */
export const compareCommand: Command = {
  name: "compare",
  summary: "compare OSTL, RTRL and BPTT on the built-in networks (not available yet)",
  usage: "ostl compare",
  async run() {
    console.log(
      [
        "ostl compare: not available yet.",
        "When the gradient algorithms land, this command will train the built-in suite (rnn, lstm, gru,",
        "snu, ssnu and the recurrent SNU at 1, 2 and 3 layers) by OSTL, RTRL and BPTT on seeded synthetic",
        "data and report, per network: gradient error and cosine similarity to BPTT per layer, time per",
        "step, trace memory, the Jacobian structure OSTL chose, and how time and memory scale with T and n.",
        "Available now: the tensor core (@ostl/core).",
      ].join("\n"),
    );
    return 0;
  },
};
