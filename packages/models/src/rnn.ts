/**
 * The Elman (vanilla) recurrent cell.
 *
 * @module
 */
import { tanh } from "@ostl/autodiff";
import { zeros } from "@ostl/core";
import { type Cell, defineCell } from "@ostl/ostl";
import { gatePreactivation, initGates } from "./affine.js";
import { uniformFanIn } from "./init.js";

/**
 * The vanilla recurrent cell `h_t = tanh(W x_t + U h_{t-1} + b)`, `y_t = h_t`.
 *
 * Parameters `{ W (hidden, input), U (hidden, hidden), b (hidden) }`, drawn uniform in
 * ±1/sqrt(hidden) as PyTorch does; state `{ h }`, zero at the start.
 *
 * @example
 * ```ts
 * import { PRNG, tensor } from "@ostl/core";
 * import { rnn } from "@ostl/models";
 * const cell = rnn();
 * const { params, state } = cell.init(new PRNG(0), { inputSize: 3, hiddenSize: 4 });
 * const { y } = cell.step(params, state, tensor([1, 0, -1]));
 * console.log(Object.keys(params), y.shape); // ["W", "U", "b"] [4]
 * ```
 */
export function rnn(): Cell {
  return defineCell({
    name: "rnn",
    init: (key, config) => ({
      params: initGates(key, [""], config, uniformFanIn(config.hiddenSize)),
      state: { h: zeros([config.hiddenSize]) },
    }),
    step: (p, s, x) => {
      const h = tanh(gatePreactivation(p, "", x, s.h!));
      return { state: { h }, y: h };
    },
  });
}
