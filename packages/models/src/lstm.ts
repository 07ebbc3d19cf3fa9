/**
 * The long short-term memory cell.
 *
 * @module
 */
import { add, mul, sigmoid, tanh } from "@ostl/autodiff";
import { zeros } from "@ostl/core";
import { type Cell, defineCell } from "@ostl/ostl";
import { gatePreactivation, initGates } from "./affine.js";
import { uniformFanIn } from "./init.js";

/**
 * The LSTM cell (no peepholes, one bias per gate):
 *
 * ```text
 * i = σ(W_i x + U_i h + b_i)   f = σ(W_f x + U_f h + b_f)
 * g = tanh(W_g x + U_g h + b_g) o = σ(W_o x + U_o h + b_o)
 * c_t = f c_{t-1} + i g        h_t = o tanh(c_t)           y_t = h_t
 * ```
 *
 * Parameters `W_k (hidden, input)`, `U_k (hidden, hidden)`, `b_k (hidden)` for k in i, f, g, o,
 * drawn uniform in ±1/sqrt(hidden) as PyTorch does; state `{ h, c }`, zero at the start.
 *
 * @example
 * ```ts
 * import { PRNG, tensor } from "@ostl/core";
 * import { lstm } from "@ostl/models";
 * const cell = lstm();
 * const { params, state } = cell.init(new PRNG(0), { inputSize: 3, hiddenSize: 4 });
 * const next = cell.step(params, state, tensor([1, 0, -1])).state;
 * console.log(Object.keys(next), next.h!.shape, next.c!.shape); // ["h", "c"] [4] [4]
 * ```
 */
export function lstm(): Cell {
  return defineCell({
    name: "lstm",
    init: (key, config) => ({
      params: initGates(key, ["i", "f", "g", "o"], config, uniformFanIn(config.hiddenSize)),
      state: { h: zeros([config.hiddenSize]), c: zeros([config.hiddenSize]) },
    }),
    step: (p, s, x) => {
      const i = sigmoid(gatePreactivation(p, "i", x, s.h!));
      const f = sigmoid(gatePreactivation(p, "f", x, s.h!));
      const g = tanh(gatePreactivation(p, "g", x, s.h!));
      const o = sigmoid(gatePreactivation(p, "o", x, s.h!));
      const c = add(mul(f, s.c!), mul(i, g));
      const h = mul(o, tanh(c));
      return { state: { h, c }, y: h };
    },
  });
}
