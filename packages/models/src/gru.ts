/**
 * The gated recurrent unit, in its two common forms.
 *
 * @module
 */
import { add, mul, sigmoid, sub, tanh } from "@ostl/autodiff";
import { ValueError, zeros } from "@ostl/core";
import { type Cell, defineCell } from "@ostl/ostl";
import { dense, gatePreactivation, initGates } from "./affine.js";
import { uniformFanIn } from "./init.js";
import { checkOptions } from "./options.js";

/**
 * Where the GRU applies its reset gate (see {@link GruOptions}).
 *
 * @example
 * ```ts
 * import { gru, type GruVariant } from "@ostl/models";
 * const variant: GruVariant = "reset-before";
 * console.log(gru({ variant }).name); // "gru-reset-before"
 * ```
 */
export type GruVariant = "reset-after" | "reset-before";

/**
 * Options of {@link gru}.
 *
 * @example
 * ```ts
 * import { gru, type GruOptions } from "@ostl/models";
 * import { PRNG } from "@ostl/core";
 * const options: GruOptions = { variant: "reset-after" };
 * const { params } = gru(options).init(new PRNG(0), { inputSize: 3, hiddenSize: 4 });
 * console.log(gru(options).name, "b_hn" in params); // gru true
 * ```
 */
export interface GruOptions {
  /**
   * `"reset-after"` (default; PyTorch's and the reference data's form):
   * `n = tanh(W_n x + b_n + r ⊙ (U_n h + b_hn))`.
   * `"reset-before"` (Cho et al. 2014): `n = tanh(W_n x + U_n (r ⊙ h) + b_n)`, no `b_hn`.
   */
  readonly variant?: GruVariant;
}

const VARIANTS: readonly GruVariant[] = ["reset-after", "reset-before"];

/**
 * The GRU cell:
 *
 * ```text
 * r = σ(W_r x + U_r h + b_r)   z = σ(W_z x + U_z h + b_z)
 * n = tanh(W_n x + b_n + r ⊙ (U_n h + b_hn))      (reset-after, default)
 * n = tanh(W_n x + U_n (r ⊙ h) + b_n)             (reset-before)
 * h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}                 y_t = h_t
 * ```
 *
 * Parameters `W_k (hidden, input)`, `U_k (hidden, hidden)`, `b_k (hidden)` for k in r, z, n, and
 * `b_hn (hidden)` for reset-after, drawn uniform in ±1/sqrt(hidden) as PyTorch does; state
 * `{ h }`, zero at the start.
 *
 * @throws {@link ValueError} for an unknown option or variant.
 * @example
 * ```ts
 * import { PRNG, tensor } from "@ostl/core";
 * import { gru } from "@ostl/models";
 * const cell = gru({ variant: "reset-before" });
 * const { params, state } = cell.init(new PRNG(0), { inputSize: 3, hiddenSize: 4 });
 * const { y } = cell.step(params, state, tensor([1, 0, -1]));
 * console.log(Object.keys(params).length, y.shape); // 9 [4]
 * ```
 */
export function gru(options: GruOptions = {}): Cell {
  checkOptions("gru", options, ["variant"]);
  const variant = options.variant ?? "reset-after";
  if (!VARIANTS.includes(variant)) {
    throw new ValueError("gru", `option 'variant' must be one of ${VARIANTS.map((v) => `'${v}'`).join(", ")}, got '${String(variant)}'`);
  }
  const resetAfter = variant === "reset-after";
  return defineCell({
    name: resetAfter ? "gru" : "gru-reset-before",
    init: (key, config) => {
      const init = uniformFanIn(config.hiddenSize);
      const params = initGates(key, ["r", "z", "n"], config, init);
      if (resetAfter) params.b_hn = init(key.split(), [config.hiddenSize]);
      return { params, state: { h: zeros([config.hiddenSize]) } };
    },
    step: (p, s, x) => {
      const h = s.h!;
      const r = sigmoid(gatePreactivation(p, "r", x, h));
      const z = sigmoid(gatePreactivation(p, "z", x, h));
      const n = resetAfter
        ? tanh(add(add(dense(x, p.W_n!), p.b_n!), mul(r, add(dense(h, p.U_n!), p.b_hn!))))
        : tanh(gatePreactivation(p, "n", x, mul(r, h)));
      const next = add(mul(sub(1, z), n), mul(z, h));
      return { state: { h: next }, y: next };
    },
  });
}
