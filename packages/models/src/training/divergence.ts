/**
 * Divergence of a training run: a loss, a gradient or an updated parameter that is not finite.
 * The training loop stops at the first one, naming where it was found and what it was.
 *
 * @module
 */
import type { Tree } from "@ostl/autodiff";
import { firstNonFinite, ValueError } from "@ostl/core";
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
 * A leaf of a tree of arrays holding a NaN or infinite entry: its path, and its first such entry
 * and the entry's index.
 *
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { nonFiniteLeaves, type NonFiniteLeaf } from "@ostl/models";
 * const [leaf]: NonFiniteLeaf[] = nonFiniteLeaves({ W: tensor([0, -Infinity]) });
 * console.log(leaf); // { path: "W", index: 1, value: -Infinity }
 * ```
 */
export interface NonFiniteLeaf {
  readonly path: string;
  readonly index: number;
  readonly value: number;
}

/**
 * The leaves of a tree of arrays (params or gradients) that hold a NaN or infinite entry, in the
 * tree's order; empty when every entry is finite. One pass over the entries.
 *
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { nonFiniteLeaves } from "@ostl/models";
 * console.log(nonFiniteLeaves({ layer0: { W: tensor([1, 2]) } })); // []
 * const bad = nonFiniteLeaves({ layer0: { W: tensor([1, Infinity, NaN]) }, readout: { b: tensor([NaN]) } });
 * console.log(bad.map((l) => `'${l.path}' is ${l.value} (entry ${l.index})`)); // ["'layer0.W' is Infinity (entry 1)", "'readout.b' is NaN (entry 0)"]
 * ```
 */
export function nonFiniteLeaves(tree: Tree): NonFiniteLeaf[] {
  const { leaves, paths } = arrayLeaves("nonFiniteLeaves", tree);
  const found: NonFiniteLeaf[] = [];
  leaves.forEach((leaf, l) => {
    const k = firstNonFinite(leaf.data);
    if (k >= 0) found.push({ path: paths[l]!, index: k, value: leaf.data[k]! });
  });
  return found;
}

/** The first non-finite entry of a tree as `'<path>' is <value> (entry k)`, or `null`. */
export function describeNonFinite(tree: Tree): string | null {
  const [first] = nonFiniteLeaves(tree);
  return first === undefined ? null : `'${first.path}' is ${first.value} (entry ${first.index})`;
}
