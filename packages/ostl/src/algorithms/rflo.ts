import type { Network } from "../model/network.js";
import { Eprop, type EpropOptions } from "./eprop.js";

/**
 * Random-feedback local online learning (Murray, eLife 2019), for any cell. Its traces keep, of
 * each unit's own temporal dynamics, only the paths that do not pass through a weight product
 * W u (the products the analysis factors, `findRowFactors`, held fixed): for the leaky RNN
 * h_t = (1 − α) h_{t−1} + α φ(W_rec h_{t−1} + W_in x_t + b) that is the leak, and the trace is
 *
 *   P_t[i, j] = (1 − α) P_{t−1}[i, j] + α φ′(a_{t,i}) u_{t,j},   u = [h_{t−1}; x_t; 1],
 *
 * the paper's update. The learning signal is B ∂E_t/∂logits_t, B a fixed random matrix per layer
 * (`feedback: "random"`, the default, as in the paper) or the readout's transpose (`"symmetric"`).
 * It is e-prop's scheme with the leak instead of the unit's whole diagonal (see {@link Eprop}): on a
 * cell whose temporal Jacobian is diagonal and has no product with a previous state (an SNU
 * without H) the two coincide. Costs what e-prop costs.
 *
 * @example
 * ```ts
 * import { Network, Rflo } from "@ostl/ostl";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * console.log(new Rflo(net).approximation); // RFLO: each unit's own leak, no path through the weights; random feedback (seed 0)
 * console.log(new Rflo(net, { feedback: "symmetric" }).name); // rflo
 * ```
 */
export class Rflo extends Eprop {
  /** @throws {@link ValueError} for an unknown option or feedback; {@link OstlError} for a seed that is not a non-negative integer. */
  constructor(network: Network, options: EpropOptions = {}) {
    super(network, options, { name: "rflo", scope: "leak", feedback: "random", traces: "RFLO: each unit's own leak, no path through the weights" });
  }
}
