/**
 * The built-in optimizers by name, for configuration files and the command line.
 *
 * @module
 */
import { ValueError } from "@ostl/core";
import { adam } from "./adam.js";
import type { Optimizer } from "./optimizer.js";
import { sgd } from "./sgd.js";

/**
 * Name of a built-in optimizer.
 *
 * @example
 * ```ts
 * import { type OptimizerName, OPTIMIZERS } from "@ostl/models";
 * import { optimizerByName } from "@ostl/models";
 * const name: OptimizerName = OPTIMIZERS[0]!;
 * console.log(name, optimizerByName(name, { learningRate: 0.01 }).learningRate); // adam 0.01
 * ```
 */
export type OptimizerName = "adam" | "sgd";

/**
 * The names {@link optimizerByName} knows.
 *
 * @example
 * ```ts
 * import { OPTIMIZERS } from "@ostl/models";
 * console.log(OPTIMIZERS); // ["adam", "sgd"]
 * ```
 */
export const OPTIMIZERS: readonly OptimizerName[] = ["adam", "sgd"];

/**
 * The optimizer called `name` with a learning rate (and, for `sgd`, a momentum); other options
 * take their defaults.
 *
 * @throws {@link ValueError} for an unknown name (listing the known ones) or a bad option.
 * @example
 * ```ts
 * import { optimizerByName } from "@ostl/models";
 * const opt = optimizerByName("sgd", { learningRate: 0.01, momentum: 0.9 });
 * console.log(opt.name, opt.learningRate); // sgd 0.01
 * ```
 */
export function optimizerByName(name: string, options: { learningRate: number; momentum?: number }): Optimizer {
  if (name === "adam") {
    if (options.momentum !== undefined) throw new ValueError("optimizerByName", "option 'momentum' applies to sgd only (adam has beta1)");
    return adam({ learningRate: options.learningRate });
  }
  if (name === "sgd") return sgd(options);
  throw new ValueError("optimizerByName", `unknown optimizer '${name}' (known: ${OPTIMIZERS.join(", ")})`);
}
