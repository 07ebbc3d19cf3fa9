/**
 * The affine maps every built-in cell is made of, in the row-vector convention: `x` has shape
 * `[m]` or `[batch, m]` and a weight `W` is stored (out, in), so `W x` is written `x Wᵀ`.
 *
 * @module
 */
import { add, matmul, type Tensor, transpose } from "@ostl/autodiff";
import type { CellConfig, TensorRecord } from "@ostl/ostl";
import { type Initializer, initParams } from "./init.js";
import type { NDArray, PRNG } from "@ostl/core";

/**
 * `W x` for `W` stored (out, in) and `x` of shape `[in]` or `[batch, in]` (then `x Wᵀ`). For one
 * example the product is written `W x`, which keeps W's gradient (the outer product) contiguous.
 *
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { dense } from "@ostl/models";
 * console.log(dense(tensor([1, 1]), tensor([[1, 2], [3, 4], [5, 6]])).toNested()); // [3, 7, 11]
 * ```
 */
export function dense(x: Tensor, W: Tensor): Tensor {
  return x.shape.length === 1 ? matmul(W, x) : matmul(x, transpose(W));
}

/** The parameter names of gate `g`: `W_g`, `U_g`, `b_g`, or `W`, `U`, `b` for the unnamed gate `""`. */
function gateNames(g: string): { W: string; U: string; b: string } {
  const suffix = g === "" ? "" : `_${g}`;
  return { W: `W${suffix}`, U: `U${suffix}`, b: `b${suffix}` };
}

/**
 * The pre-activation of gate `g`, `W_g x + U_g h + b_g` (for `g = ""`: `W x + U h + b`).
 *
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { gatePreactivation } from "@ostl/models";
 * const p = { W_i: tensor([[2]]), U_i: tensor([[3]]), b_i: tensor([1]) };
 * console.log(gatePreactivation(p, "i", tensor([1]), tensor([1])).toNested()); // [6]
 * ```
 */
export function gatePreactivation(params: TensorRecord, g: string, x: Tensor, h: Tensor): Tensor {
  const n = gateNames(g);
  return add(add(dense(x, params[n.W]!), dense(h, params[n.U]!)), params[n.b]!);
}

/**
 * Seeded parameters `W_g` (hidden, input), `U_g` (hidden, hidden) and `b_g` (hidden) for every
 * gate `g`, all drawn by `init` (the gated cells use uniform ±1/sqrt(hidden), as PyTorch does).
 *
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * import { initGates, uniformFanIn } from "@ostl/models";
 * const p = initGates(new PRNG(0), ["r", "z"], { inputSize: 3, hiddenSize: 4 }, uniformFanIn(4));
 * console.log(Object.keys(p)); // ["W_r", "U_r", "b_r", "W_z", "U_z", "b_z"]
 * ```
 */
export function initGates(key: PRNG, gates: readonly string[], config: CellConfig, init: Initializer): Record<string, NDArray> {
  const { inputSize: m, hiddenSize: n } = config;
  const table: Record<string, readonly [Initializer, readonly number[]]> = {};
  for (const g of gates) {
    const names = gateNames(g);
    table[names.W] = [init, [n, m]];
    table[names.U] = [init, [n, n]];
    table[names.b] = [init, [n]];
  }
  return initParams(key, table);
}
