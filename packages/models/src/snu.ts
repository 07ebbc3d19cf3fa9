/**
 * The spiking neural unit (SNU) family of Woźniak et al. (Nature Machine Intelligence 2020): a
 * leaky membrane potential `s` with a reset by the unit's own output, written as an ordinary
 * recurrent cell.
 *
 * @module
 */
import { add, heaviside, mul, sigmoid, sub, type Surrogate, type Tensor, tanhDerivative } from "@ostl/autodiff";
import { ValueError, zeros } from "@ostl/core";
import { type Cell, defineCell } from "@ostl/ostl";
import { ACTIVATIONS, activation, type ActivationName } from "./activations.js";
import { dense } from "./affine.js";
import { constant, glorotUniform, type Initializer, initParams } from "./init.js";
import { checkOptions } from "./options.js";

/**
 * Options shared by {@link snu} and {@link ssnu}.
 *
 * @example
 * ```ts
 * import { type SnuOptions, ssnu } from "@ostl/models";
 * const options: SnuOptions = { recurrent: true, activation: "leakyRelu", negativeSlope: 0.1, decay: 0.9, threshold: 0.5 };
 * console.log(ssnu(options).name); // "rssnu"
 * ```
 */
export interface SnuOptions {
  /** Add the recurrent matrix `H` acting on `y_{t-1}` (default `false`). */
  readonly recurrent?: boolean;
  /** The activation `g` of the membrane potential (default `"identity"`). */
  readonly activation?: ActivationName;
  /** Slope of `"leakyRelu"` for negative inputs (default 0.01). */
  readonly negativeSlope?: number;
  /** Decay of the membrane potential per step (default 0.8): a constant, or the initial value of the `decay` parameter. */
  readonly decay?: number;
  /** Make the decay a parameter `decay` of shape `[hidden]`, one per unit (default `false`). */
  readonly trainableDecay?: boolean;
  /** Initial firing threshold: the bias starts at `b = -threshold` (default 1). */
  readonly threshold?: number;
}

/**
 * Options of {@link snu}: {@link SnuOptions} and the step's surrogate derivative.
 *
 * @example
 * ```ts
 * import { fastSigmoid } from "@ostl/autodiff";
 * import { snu, type StepSnuOptions } from "@ostl/models";
 * import { PRNG } from "@ostl/core";
 * const options: StepSnuOptions = { surrogate: fastSigmoid(10), trainableDecay: true };
 * const { params } = snu(options).init(new PRNG(0), { inputSize: 3, hiddenSize: 4 });
 * console.log(Object.keys(params), params.decay!.toNested()); // ["W", "b", "decay"] [0.8, 0.8, 0.8, 0.8]
 * ```
 */
export interface StepSnuOptions extends SnuOptions {
  /** Pseudo-derivative of the output step (default `tanhDerivative()`, as in the SNU papers). */
  readonly surrogate?: Surrogate;
}

const COMMON_OPTIONS = ["recurrent", "activation", "negativeSlope", "decay", "trainableDecay", "threshold"] as const;

/** The output nonlinearity of the two SNU kinds, applied to `s_t + b`. */
type Output = { readonly kind: "snu" | "ssnu"; readonly fn: (v: Tensor) => Tensor };

function finite(factory: string, name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new ValueError(factory, `option '${name}' must be a finite number, got ${String(value)}`);
  return value;
}

function flag(factory: string, name: string, value: boolean): boolean {
  if (typeof value !== "boolean") throw new ValueError(factory, `option '${name}' must be true or false, got ${String(value)}`);
  return value;
}

/** The cell both factories build: `s_t = g(W x_t [+ H y_{t-1}] + decay ⊙ s_{t-1} ⊙ (1 - y_{t-1}))`, `y_t = out(s_t + b)`. */
function snuFamily(output: Output, options: SnuOptions): Cell {
  const factory = output.kind;
  const recurrent = flag(factory, "recurrent", options.recurrent ?? false);
  const trainableDecay = flag(factory, "trainableDecay", options.trainableDecay ?? false);
  const decay = finite(factory, "decay", options.decay ?? 0.8);
  const threshold = finite(factory, "threshold", options.threshold ?? 1);
  const name = options.activation ?? "identity";
  if (!ACTIVATIONS.includes(name)) throw new ValueError(factory, `option 'activation' must be one of ${ACTIVATIONS.join(", ")}, got '${String(name)}'`);
  const g = activation(name, finite(factory, "negativeSlope", options.negativeSlope ?? 0.01));
  return defineCell({
    name: `${recurrent ? "r" : ""}${output.kind}`,
    init: (key, { inputSize: m, hiddenSize: n }) => {
      const table: Record<string, readonly [Initializer, readonly number[]]> = { W: [glorotUniform, [n, m]] };
      if (recurrent) table.H = [glorotUniform, [n, n]];
      table.b = [constant(-threshold), [n]];
      if (trainableDecay) table.decay = [constant(decay), [n]];
      return { params: initParams(key, table), state: { s: zeros([n]), y: zeros([n]) } };
    },
    step: (p, state, x) => {
      const yPrev = state.y!;
      let input = dense(x, p.W!);
      if (recurrent) input = add(input, dense(yPrev, p.H!));
      const leak = mul(mul(trainableDecay ? p.decay! : decay, state.s!), sub(1, yPrev));
      const s = g(add(input, leak));
      const y = output.fn(add(s, p.b!));
      return { state: { s, y }, y };
    },
  });
}

/**
 * The spiking neural unit: a Heaviside step output, differentiated through a surrogate.
 *
 * ```text
 * s_t = g(W x_t + H y_{t-1} + decay ⊙ s_{t-1} ⊙ (1 - y_{t-1}))     (H only with recurrent: true)
 * y_t = step(s_t + b)
 * ```
 *
 * Parameters `W (hidden, input)` and `H (hidden, hidden)` Glorot-uniform, `b (hidden)` = -threshold,
 * and `decay (hidden)` when `trainableDecay`; a fixed decay is a plain number closed over by the
 * step. State `{ s, y }`, zero at the start. Defaults: no `H`, `g` identity, decay 0.8 fixed,
 * threshold 1, surrogate `tanhDerivative()`.
 *
 * @throws {@link ValueError} for an unknown option, an unknown activation, or a non-finite number.
 * @example
 * ```ts
 * import { PRNG, tensor } from "@ostl/core";
 * import { sigmoidDerivative } from "@ostl/autodiff";
 * import { snu } from "@ostl/models";
 * const cell = snu({ recurrent: true, activation: "relu", surrogate: sigmoidDerivative(4) });
 * const { params, state } = cell.init(new PRNG(0), { inputSize: 3, hiddenSize: 4 });
 * console.log(Object.keys(params)); // ["W", "H", "b"]
 * console.log(cell.step(params, state, tensor([1, 0, -1])).y.toNested()); // [0, 0, 0, 0]
 * console.log(cell.step(params, state, tensor([3, 0, -3])).y.toNested()); // [0, 0, 1, 0]
 * ```
 */
export function snu(options: StepSnuOptions = {}): Cell {
  checkOptions("snu", options, [...COMMON_OPTIONS, "surrogate"]);
  const surrogate = options.surrogate ?? tanhDerivative();
  if (surrogate === null || typeof surrogate !== "object" || typeof surrogate.derivative !== "function") {
    throw new ValueError("snu", "option 'surrogate' must be a Surrogate (e.g. tanhDerivative() or sigmoidDerivative(k) from @ostl/autodiff)");
  }
  return snuFamily({ kind: "snu", fn: (v) => heaviside(v, surrogate) }, options);
}

/**
 * The soft spiking neural unit: the SNU with a sigmoid output in place of the step.
 *
 * ```text
 * s_t = g(W x_t + H y_{t-1} + decay ⊙ s_{t-1} ⊙ (1 - y_{t-1}))     (H only with recurrent: true)
 * y_t = σ(s_t + b)
 * ```
 *
 * Parameters, state and defaults as for {@link snu} (without a surrogate).
 *
 * @throws {@link ValueError} for an unknown option, an unknown activation, or a non-finite number.
 * @example
 * ```ts
 * import { PRNG, tensor } from "@ostl/core";
 * import { ssnu } from "@ostl/models";
 * const cell = ssnu({ decay: 0.9, trainableDecay: true });
 * const { params, state } = cell.init(new PRNG(0), { inputSize: 3, hiddenSize: 4 });
 * console.log(Object.keys(params)); // ["W", "b", "decay"]
 * const { y } = cell.step(params, state, tensor([1, 0, -1]));
 * console.log((y.toNested() as number[]).map((v) => v.toFixed(3))); // ["0.219", "0.247", "0.448", "0.150"]
 * ```
 */
export function ssnu(options: SnuOptions = {}): Cell {
  checkOptions("ssnu", options, COMMON_OPTIONS);
  return snuFamily({ kind: "ssnu", fn: sigmoid }, options);
}
