import { OstlError, type PRNG } from "@ostl/core";
import type { Tensor } from "@ostl/autodiff";

/**
 * Named tensors: a cell's parameters or state (`{ W, b }`, `{ h, c }`).
 *
 * @example
 * ```ts
 * import type { TensorRecord } from "@ostl/ostl";
 * import { zeros } from "@ostl/core";
 * const state: TensorRecord = { h: zeros([4]), c: zeros([4]) };
 * console.log(Object.keys(state), state.h!.shape); // ["h", "c"] [4]
 * ```
 */
export type TensorRecord = { readonly [name: string]: Tensor };

/**
 * Sizes a cell is built for.
 *
 * @example
 * ```ts
 * import type { CellConfig } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { rnn } from "@ostl/models";
 * const config: CellConfig = { inputSize: 3, hiddenSize: 2 };
 * const { params, state } = rnn().init(new PRNG(0), config);
 * console.log(params.W!.shape, params.U!.shape, state.h!.shape); // [2, 3] [2, 2] [2]
 * ```
 */
export interface CellConfig {
  /** Length of the input vector x_t. */
  readonly inputSize: number;
  /** Number of units (length of each state vector and of y_t). */
  readonly hiddenSize: number;
}

/**
 * What a cell's step returns: the next state and the output the next layer reads.
 *
 * @example
 * ```ts
 * import type { StepResult } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { rnn } from "@ostl/models";
 * const cell = rnn();
 * const { params, state } = cell.init(new PRNG(0), { inputSize: 2, hiddenSize: 3 });
 * const result: StepResult = cell.step(params, state, tensor([1, -1]));
 * console.log(Object.keys(result.state), result.y.shape); // ["h"] [3]
 * ```
 */
export interface StepResult<S extends TensorRecord = TensorRecord> {
  readonly state: S;
  readonly y: Tensor;
}

/**
 * A recurrent cell: a pure step function over named parameters and state.
 *
 * - `init(key, config)` creates parameters (seeded) and the initial state (unbatched: each state
 *   entry has shape `[hiddenSize]`).
 * - `step(params, state, x)` computes the next state and the output, written with the
 *   differentiable ops of `@ostl/autodiff`, with no JavaScript branching on tensor values (use
 *   `where`, `heaviside`). It must accept `x` of shape `[inputSize]` or `[batch, inputSize]`
 *   (write products as `matmul(x, transpose(W))`), and must return a state with the same names
 *   and shapes it received and `y` of shape `[hiddenSize]` (or `[batch, hiddenSize]`): see
 *   `checkStepResult`, which every algorithm applies.
 *
 * @example
 * ```ts
 * import { defineCell } from "@ostl/ostl";
 * import { add, matmul, mul, tanh, transpose } from "@ostl/autodiff";
 * import { PRNG, tensor, zeros } from "@ostl/core";
 * const leaky = defineCell({
 *   name: "leaky",
 *   init: (key, { inputSize, hiddenSize }) => ({
 *     params: { W: key.normal([hiddenSize, inputSize], 0, 1 / Math.sqrt(inputSize)) },
 *     state: { h: zeros([hiddenSize]) },
 *   }),
 *   step: (p, s, x) => {
 *     const h = add(mul(0.9, s.h!), tanh(matmul(x, transpose(p.W!))));
 *     return { state: { h }, y: h };
 *   },
 * });
 * const { params, state } = leaky.init(new PRNG(0), { inputSize: 2, hiddenSize: 3 });
 * console.log(leaky.step(params, state, tensor([1, 0])).y.shape); // [3]
 * console.log(leaky.step(params, state, tensor([[1, 0], [0, 1]])).y.shape); // [2, 3]
 * ```
 */
export interface Cell<P extends TensorRecord = TensorRecord, S extends TensorRecord = TensorRecord> {
  readonly name: string;
  init(key: PRNG, config: CellConfig): { params: P; state: S };
  step(params: P, state: S, x: Tensor): StepResult<S>;
}

/**
 * Checks a cell definition and returns it as a {@link Cell}: a name, an `init` and a `step`
 * function are required.
 *
 * @example
 * ```ts
 * import { defineCell, type Cell } from "@ostl/ostl";
 * import { tanh, add, matmul, transpose } from "@ostl/autodiff";
 * import { zeros } from "@ostl/core";
 * const cell = defineCell({
 *   name: "tiny",
 *   init: (key, c) => ({ params: { W: key.normal([c.hiddenSize, c.inputSize]) }, state: { h: zeros([c.hiddenSize]) } }),
 *   step: (p, s, x) => { const h = tanh(add(matmul(x, transpose(p.W!)), s.h!)); return { state: { h }, y: h }; },
 * });
 * console.log(cell.name); // tiny
 * try {
 *   defineCell({ name: "broken", init: cell.init } as unknown as Cell);
 * } catch (e) {
 *   console.log((e as Error).message); // defineCell('broken'): field 'step' must be a function (params, state, x) => { state, y }
 * }
 * ```
 */
export function defineCell(spec: Cell): Cell {
  const where = typeof spec?.name === "string" ? `defineCell('${spec.name}')` : "defineCell";
  if (spec === null || typeof spec !== "object") throw new OstlError(where, "expects an object { name, init, step }");
  if (typeof spec.name !== "string" || spec.name === "") throw new OstlError(where, "field 'name' must be a non-empty string");
  if (typeof spec.init !== "function") throw new OstlError(where, "field 'init' must be a function (key, { inputSize, hiddenSize }) => { params, state }");
  if (typeof spec.step !== "function") throw new OstlError(where, "field 'step' must be a function (params, state, x) => { state, y }");
  return Object.freeze({ ...spec });
}

/**
 * Whether a value looks like a cell (for loading user modules).
 *
 * @example
 * ```ts
 * import { isCell } from "@ostl/ostl";
 * import { rnn } from "@ostl/models";
 * console.log(isCell(rnn()), isCell({ name: "x", init() {}, step() {} })); // true true
 * console.log(isCell({ name: "x", step() {} })); // false
 * ```
 */
export function isCell(x: unknown): x is Cell {
  const c = x as Cell | null;
  return c !== null && typeof c === "object" && typeof c.name === "string" && typeof c.init === "function" && typeof c.step === "function";
}

