import { ValueError, zeros } from "@ostl/core";
import { add, mul } from "@ostl/autodiff";
import { type Cell, defineCell } from "./cell.js";

/**
 * A cell whose output is low-pass filtered, ȳ_t = κ ȳ_{t−1} + y_t, ȳ kept as one more state field
 * (`filtered`): stacked on top of a network, the readout reads ȳ, a leaky readout as in e-prop
 * (Bellec et al., Nat. Commun. 2020). Every algorithm differentiates it like any cell, so BPTT
 * gives the leaky-readout model's exact gradient, and e-prop's traces of the new field are the
 * filtered eligibility traces ē_t = κ ē_{t−1} + e_t of the paper (the field depends on itself with
 * κ, and on the unit's own output).
 *
 * @throws {@link ValueError} for κ outside [0, 1), or a cell that already has a field `filtered`
 *   (at its first `init`).
 * @example
 * ```ts
 * import { leakyOutput, Network } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { mse, snu } from "@ostl/models";
 * const cell = leakyOutput(snu(), 0.9);
 * const net = new Network({ inputSize: 2, layers: [{ cell, hiddenSize: 3 }], outputSize: 1, loss: mse });
 * console.log(cell.name, Object.keys(net.initialState().layer0!)); // snu+leak ["s", "y", "filtered"]
 * const out = net.step(net.init(new PRNG(0)), net.initialState(), tensor([1, 1]));
 * console.log(out.state.layer0!.filtered!.shape); // [3]
 * ```
 */
export function leakyOutput(cell: Cell, kappa: number): Cell {
  if (!(kappa >= 0 && kappa < 1)) throw new ValueError("leakyOutput", `kappa must be in [0, 1), got ${kappa}`);
  return defineCell({
    name: `${cell.name}+leak`,
    init: (key, config) => {
      const made = cell.init(key, config);
      if (Object.hasOwn(made.state, "filtered")) throw new ValueError("leakyOutput", `cell '${cell.name}' already has a state field 'filtered'`);
      return { params: made.params, state: { ...made.state, filtered: zeros([config.hiddenSize]) } };
    },
    step: (params, state, x) => {
      const { filtered, ...own } = state;
      const out = cell.step(params, own, x);
      const next = add(mul(kappa, filtered!), out.y);
      return { state: { ...out.state, filtered: next }, y: next };
    },
  });
}
