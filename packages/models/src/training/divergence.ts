/**
 * Divergence of a training run: a loss, a gradient or an updated parameter that is not finite.
 * The training loop stops at the first one, naming where it was found and what it was.
 *
 * @module
 */
import type { Tree } from "@ostl/autodiff";
import { ValueError } from "@ostl/core";
import { arrayLeaves } from "../optim/leaves.js";

/**
 * Where in training a value was found: the epoch, and the position of the batch's first
 * sequence in the epoch's order (`null` when the valid or test figure after the epoch diverged).
 *
 * @example
 * ```ts
 * import { TrainingDivergedError, type TrainingPosition } from "@ostl/models";
 * const at: TrainingPosition = { epoch: 2, sequence: 5, sequences: 12 };
 * console.log(new TrainingDivergedError(at, "the loss is NaN").message); // train: diverged at epoch 2, sequence 5/12: the loss is NaN
 * ```
 */
export interface TrainingPosition {
  readonly epoch: number;
  readonly sequence: number | null;
  readonly sequences: number;
}

/**
 * Training stopped because a value became NaN or infinite. The message names the epoch, the
 * sequence and what was not finite (the loss, the gradient of a named parameter, or a parameter
 * after the update); the epochs finished before are unaffected.
 *
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { copyTask, datasetNetwork, rnn, sgd, train, TrainingDivergedError } from "@ostl/models";
 * const data = copyTask({ symbols: 3, length: 2, delay: 2, examples: [8, 2, 2], seed: 0 });
 * const net = datasetNetwork(data, rnn(), 4);
 * try {
 *   await train(net, net.init(new PRNG(0)), data, { algorithm: "bptt", optimizer: sgd({ learningRate: 1e308 }), epochs: 2 });
 * } catch (e) {
 *   // the first update leaves huge but finite weights; the next sequence's loss overflows
 *   if (e instanceof TrainingDivergedError) console.log(e.message); // train: diverged at epoch 1, sequence 2/8: the loss is NaN (steps 1-6)
 * }
 * ```
 */
export class TrainingDivergedError extends ValueError {
  constructor(
    readonly position: TrainingPosition,
    /** What was not finite, e.g. `the gradient of 'layer0.W' is NaN (entry 3)`. */
    readonly what: string,
  ) {
    const { epoch, sequence, sequences } = position;
    super("train", `diverged at epoch ${epoch}, ${sequence === null ? "after training" : `sequence ${sequence}/${sequences}`}: ${what}`);
  }
}

/**
 * The first entry of a tree of arrays that is NaN or infinite, as `'<path>' is <value> (entry k)`,
 * or `null` when every entry is finite.
 *
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { nonFiniteEntry } from "@ostl/models";
 * console.log(nonFiniteEntry({ layer0: { W: tensor([1, 2]) } })); // null
 * console.log(nonFiniteEntry({ layer0: { W: tensor([1, Infinity]) }, readout: { b: tensor([NaN]) } })); // 'layer0.W' is Infinity (entry 1)
 * ```
 */
export function nonFiniteEntry(tree: Tree): string | null {
  const { leaves, paths } = arrayLeaves("nonFiniteEntry", tree);
  for (let l = 0; l < leaves.length; l++) {
    const d = leaves[l]!.data;
    for (let k = 0; k < d.length; k++) {
      if (!Number.isFinite(d[k]!)) return `'${paths[l]}' is ${d[k]} (entry ${k})`;
    }
  }
  return null;
}
