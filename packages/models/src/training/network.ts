/**
 * Networks for a data set: the sizes come from the data, the loss is the data set's, with masked
 * steps left out.
 *
 * @module
 */
import { type Cell, Network } from "@ostl/ostl";
import { ValueError } from "@ostl/core";
import type { Dataset } from "../data/dataset.js";
import { maskedLoss } from "../data/mask.js";
import { lossByName } from "../losses.js";

const masked = new WeakMap<Network, Network>();

/**
 * The same network with its loss wrapped by {@link maskedLoss}, so that masked targets (padding,
 * unscored steps) count for nothing. Made once per network.
 *
 * @example
 * ```ts
 * import { Network } from "@ostl/ostl";
 * import { rnn, mse, withMaskedLoss } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * console.log(withMaskedLoss(net) === withMaskedLoss(net)); // true
 * ```
 */
export function withMaskedLoss(network: Network): Network {
  let out = masked.get(network);
  if (out === undefined) {
    out = new Network({ ...network.spec, loss: maskedLoss(network.spec.loss) });
    masked.set(network, out);
  }
  return out;
}

/**
 * A stack of `layers` layers of `hiddenSize` units of `cell` with a readout and the loss that fit
 * a data set (only its sizes and loss are read, so a saved run's sizes serve as well).
 *
 * @throws {@link ValueError} unless `layers` and `hiddenSize` are positive integers.
 * @example
 * ```ts
 * import { adding, datasetNetwork, lstm } from "@ostl/models";
 * const data = adding({ length: 10, examples: [4, 1, 1], seed: 0 });
 * const net = datasetNetwork(data, lstm(), 16, 1);
 * console.log(net.spec.inputSize, net.spec.outputSize); // 2 1
 * ```
 */
export function datasetNetwork(data: Pick<Dataset, "inputSize" | "outputSize" | "loss">, cell: Cell, hiddenSize: number, layers = 1): Network {
  if (!Number.isInteger(layers) || layers < 1) throw new ValueError("datasetNetwork", `layers must be a positive integer, got ${layers}`);
  if (!Number.isInteger(hiddenSize) || hiddenSize < 1) throw new ValueError("datasetNetwork", `hiddenSize must be a positive integer, got ${hiddenSize}`);
  return new Network({
    inputSize: data.inputSize,
    layers: Array.from({ length: layers }, () => ({ cell, hiddenSize })),
    outputSize: data.outputSize,
    loss: lossByName(data.loss),
  });
}
