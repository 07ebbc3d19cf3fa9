import { astype, copy, type DType, type NDArray, OstlError, PRNG, ValueError, zeros } from "@ostl/core";
import { add, broadcastTo, matmul, type Tensor, transpose } from "@ostl/autodiff";
import { type Cell, isCell, type TensorRecord } from "./cell.js";
import { checkCellInit, checkStepResult, checkTreeValues, type ShapeTree } from "./contract.js";
import { checkOptions } from "./options.js";

/**
 * A per-step loss: `loss(logits, target)` returns a scalar (summed over a batch axis if any).
 * @example
 * ```ts
 * import type { Loss } from "@ostl/ostl";
 * import { mul, sub, sum } from "@ostl/autodiff";
 * import { tensor } from "@ostl/core";
 * const mse: Loss = (y, t) => mul(0.5, sum(mul(sub(y, t), sub(y, t))));
 * console.log(mse(tensor([1, 2]), tensor([1, 0])).toNested()); // 2
 * ```
 */
export type Loss = (logits: Tensor, target: Tensor) => Tensor;

/**
 * One layer of a network: a cell and its number of units.
 *
 * @example
 * ```ts
 * import type { LayerSpec } from "@ostl/ostl";
 * import { lstm, rnn } from "@ostl/models";
 * const layers: LayerSpec[] = [{ cell: lstm(), hiddenSize: 8 }, { cell: rnn(), hiddenSize: 4 }];
 * console.log(layers.map((l) => `${l.cell.name}:${l.hiddenSize}`)); // ["lstm:8", "rnn:4"]
 * ```
 */
export interface LayerSpec {
  readonly cell: Cell;
  readonly hiddenSize: number;
}

/**
 * A stack of recurrent layers, a linear readout of the top layer and a per-step loss.
 *
 * @example
 * ```ts
 * import { Network, type NetworkSpec } from "@ostl/ostl";
 * import { lstm, mse, rnn } from "@ostl/models";
 * const spec: NetworkSpec = { inputSize: 3, layers: [{ cell: rnn(), hiddenSize: 4 }, { cell: lstm(), hiddenSize: 2 }], outputSize: 2, loss: mse };
 * const net = new Network(spec);
 * console.log(net.depth, net.layerInputSize(0), net.layerInputSize(1)); // 2 3 4
 * ```
 */
export interface NetworkSpec {
  readonly inputSize: number;
  readonly layers: readonly LayerSpec[];
  readonly outputSize: number;
  readonly loss: Loss;
}

/**
 * Parameters of a network: `layer0`, `layer1`, ... (each its cell's params) and `readout` ({ W, b }).
 *
 * @example
 * ```ts
 * import { Network, type NetworkParams } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { lstm, mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 3, layers: [{ cell: rnn(), hiddenSize: 4 }, { cell: lstm(), hiddenSize: 2 }], outputSize: 2, loss: mse });
 * const params: NetworkParams = net.init(new PRNG(0));
 * console.log(Object.keys(params), params.readout!.W!.shape); // ["layer0", "layer1", "readout"] [2, 2]
 * ```
 */
export type NetworkParams = { readonly [key: string]: TensorRecord };
/**
 * Network-shaped values that are arrays, never traced values: what `init` and every algorithm's
 * `gradients()` return, so that their entries are read directly (`toFlat`, `data`, `get`). It is
 * a {@link NetworkParams}, and is passed wherever one is asked for.
 *
 * @example
 * ```ts
 * import { Network, type NetworkArrays } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 2 }], outputSize: 1, loss: mse });
 * const params: NetworkArrays = net.init(new PRNG(0));
 * console.log(params.readout!.b!.toFlat()); // [0]
 * ```
 */
export type NetworkArrays = { readonly [key: string]: { readonly [name: string]: NDArray } };
/**
 * State of a network: `layer0`, `layer1`, ... (each its cell's state).
 *
 * @example
 * ```ts
 * import { Network, type NetworkState } from "@ostl/ostl";
 * import { lstm, mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 3, layers: [{ cell: rnn(), hiddenSize: 4 }, { cell: lstm(), hiddenSize: 2 }], outputSize: 2, loss: mse });
 * const state: NetworkState = net.initialState(5);
 * console.log(Object.keys(state.layer1!), state.layer1!.c!.shape); // ["h", "c"] [5, 2]
 * ```
 */
export type NetworkState = { readonly [key: string]: TensorRecord };

/**
 * The result of one network step.
 *
 * @example
 * ```ts
 * import { Network, type NetworkStep } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { lstm, mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 3, layers: [{ cell: rnn(), hiddenSize: 4 }, { cell: lstm(), hiddenSize: 2 }], outputSize: 2, loss: mse });
 * const out: NetworkStep = net.step(net.init(new PRNG(0)), net.initialState(), tensor([1, 0, -1]));
 * console.log(out.layerOutputs.map((y) => y.shape), out.logits.shape); // [[4], [2]] [2]
 * ```
 */
export interface NetworkStep {
  readonly state: NetworkState;
  /** Output y of every layer, bottom first. */
  readonly layerOutputs: readonly Tensor[];
  /** Readout of the top layer's output. */
  readonly logits: Tensor;
}

/**
 * The key of layer `l` in params and state trees.
 *
 * @example
 * ```ts
 * import { layerKey } from "@ostl/ostl";
 * console.log(layerKey(0), layerKey(2)); // layer0 layer2
 * ```
 */
export const layerKey = (l: number): string => `layer${l}`;

/**
 * A network of stacked recurrent layers: layer 0 reads x_t, layer l reads layer l-1's output y at
 * the same step, and a stateless linear readout `W_ro y^L_t + b_ro` feeds the per-step loss.
 *
 * @example
 * ```ts
 * import { Network } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { rnn, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 3, layers: [{ cell: rnn(), hiddenSize: 4 }], outputSize: 2, loss: mse });
 * const params = net.init(new PRNG(0));
 * const out = net.step(params, net.initialState(), tensor([1, 0, -1]));
 * console.log(out.logits.shape, Object.keys(out.state)); // [2] ["layer0"]
 * // a batch of 5 inputs: the initial state is broadcast over the rows
 * const batched = net.step(params, net.initialState(5), tensor([[1, 0, -1], [0, 1, 0], [1, 1, 1], [0, 0, 0], [2, 0, 1]]));
 * console.log(batched.logits.shape); // [5, 2]
 * ```
 */
export class Network {
  readonly spec: NetworkSpec;
  /** Unbatched initial states by dtype (see initialState). */
  private readonly initialStates = new Map<DType, TensorRecord[]>();
  /** Each layer's checked initial state and its params' shapes (see layerInit). */
  private readonly inits: { params: TensorRecord; paramShapes: ShapeTree[string]; state: TensorRecord }[] = [];
  /** The shapes params and state must have (see checkParams, checkState), made once. */
  private shapes: { params: ShapeTree; state: ShapeTree } | null = null;
  /** Per layer, the step kinds whose result passed the contract check: bit 1 one example, bit 2 a batch. */
  private readonly checkedSteps: number[];

  /**
   * @throws {@link ValueError} for an unknown key in the spec or a layer, or a layer without a cell;
   * {@link OstlError} for no layers or a size that is not a positive integer.
   */
  constructor(spec: NetworkSpec) {
    checkOptions("Network", spec, ["inputSize", "layers", "outputSize", "loss"]);
    if (!Array.isArray(spec.layers) || spec.layers.length === 0) throw new OstlError("Network", "needs at least one layer");
    spec.layers.forEach((layer, i) => {
      checkOptions(`Network layers[${i}]`, layer, ["cell", "hiddenSize"]);
      if (!isCell(layer.cell)) throw new ValueError("Network", `layers[${i}].cell must be a cell { name, init, step }, got ${typeof layer.cell}`);
    });
    if (typeof spec.loss !== "function") throw new ValueError("Network", `loss must be a function (logits, target) => scalar, got ${typeof spec.loss}`);
    for (const [name, v] of [["inputSize", spec.inputSize], ["outputSize", spec.outputSize], ...spec.layers.map((l, i) => [`layers[${i}].hiddenSize`, l.hiddenSize] as const)] as const) {
      if (!Number.isInteger(v) || v < 1) throw new OstlError("Network", `${name} must be a positive integer, got ${v}`);
    }
    this.spec = spec;
    this.checkedSteps = spec.layers.map(() => 0);
  }

  /** Number of layers. */
  get depth(): number {
    return this.spec.layers.length;
  }

  /** Input size of layer `l`. */
  layerInputSize(l: number): number {
    return l === 0 ? this.spec.inputSize : this.spec.layers[l - 1]!.hiddenSize;
  }

  /**
   * Seeded parameters of every layer and of the readout (uniform ±1/sqrt(fan-in) for the readout, zero bias).
   *
   * @throws {@link ValueError} or {@link ShapeError} when a cell's `init` breaks the contract (see checkCellInit).
   */
  init(key: PRNG): NetworkArrays {
    const params: Record<string, TensorRecord> = {};
    this.spec.layers.forEach((layer, l) => {
      this.layerInit(l);
      params[layerKey(l)] = layer.cell.init(key.split(), { inputSize: this.layerInputSize(l), hiddenSize: layer.hiddenSize }).params;
    });
    const top = this.spec.layers[this.depth - 1]!.hiddenSize;
    const bound = 1 / Math.sqrt(top);
    params.readout = { W: key.split().uniform([this.spec.outputSize, top], -bound, bound), b: zeros([this.spec.outputSize]) };
    // a cell's init makes arrays (checkCellInit has checked each one)
    return params as NetworkArrays;
  }

  /**
   * A copy of `params` with arrays of its own, which nothing else holds: what the algorithms and
   * `evaluate` run with, so that the compiled programs may keep their weight matrices between
   * calls (see {@link StepPrograms}) while the caller stays free to write into its arrays.
   *
   * @example
   * ```ts
   * import { Network } from "@ostl/ostl";
   * import { type NDArray, PRNG } from "@ostl/core";
   * import { mse, rnn } from "@ostl/models";
   * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
   * const params = net.init(new PRNG(0));
   * const own = net.ownParams(params);
   * (params.layer0!.U as NDArray).data.fill(0);
   * console.log(own.layer0!.U !== params.layer0!.U, (own.layer0!.U as NDArray).data.some((v) => v !== 0)); // true true
   * ```
   */
  ownParams(params: NetworkParams): NetworkArrays {
    const own = (record: TensorRecord) => Object.fromEntries(Object.entries(record).map(([name, v]) => [name, copy(v as NDArray)]));
    return Object.fromEntries(Object.entries(params).map(([key, record]) => [key, own(record)]));
  }

  /**
   * The initial state of every layer (as each cell's `init` gives it), broadcast over `batch` rows
   * if given, in `dtype` (default float64). The arrays are made once per dtype and shared: treat
   * them as read-only, as every op does.
   */
  initialState(batch?: number, dtype: DType = "float64"): NetworkState {
    let base = this.initialStates.get(dtype);
    if (base === undefined) {
      base = this.spec.layers.map((_layer, l) => {
        const s = this.layerInit(l).state;
        return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.dtype === dtype ? v : astype(v as NDArray, dtype)]));
      });
      this.initialStates.set(dtype, base);
    }
    const state: Record<string, TensorRecord> = {};
    base.forEach((s, l) => {
      state[layerKey(l)] = batch === undefined ? { ...s } : Object.fromEntries(Object.entries(s).map(([k, v]) => [k, broadcastTo(v, [batch, ...v.shape])]));
    });
    return state;
  }

  /**
   * Layer `l`'s params and initial state from its cell's `init` at a fixed key, the one call the
   * network makes to learn the layer's shapes (made once, checked against the contract, then
   * shared: treat the arrays as read-only). The structure analysis traces the step at these values.
   *
   * @example
   * ```ts
   * import { Network } from "@ostl/ostl";
   * import { mse, ssnu } from "@ostl/models";
   * const net = new Network({ inputSize: 3, layers: [{ cell: ssnu(), hiddenSize: 4 }], outputSize: 2, loss: mse });
   * const example = net.layerExample(0);
   * console.log(example.params.W!.shape, Object.keys(example.state), net.layerExample(0) === example); // [4, 3] ["s", "y"] true
   * ```
   */
  layerExample(l: number): { readonly params: TensorRecord; readonly state: TensorRecord } {
    return this.layerInit(l);
  }

  /**
   * Layer `l`'s `init` at a fixed key (the initial state must not depend on the key, and a fixed
   * one keeps callers free of side effects), made once, its state checked against the contract.
   */
  private layerInit(l: number): { params: TensorRecord; paramShapes: ShapeTree[string]; state: TensorRecord } {
    let init = this.inits[l];
    if (init === undefined) {
      const layer = this.spec.layers[l]!;
      const made = layer.cell.init(new PRNG(0), { inputSize: this.layerInputSize(l), hiddenSize: layer.hiddenSize });
      checkCellInit({ cell: layer.cell.name, layer: l }, made, layer.hiddenSize);
      init = this.inits[l] = { params: made.params, paramShapes: shapesOf(made.params), state: made.state };
    }
    return init;
  }

  /** The shapes of the params and of the (unbatched) state, by layer and field. */
  private expectedShapes(): { params: ShapeTree; state: ShapeTree } {
    if (this.shapes === null) {
      const top = this.spec.layers[this.depth - 1]!.hiddenSize;
      const layers = this.spec.layers.map((_layer, l) => [layerKey(l), this.layerInit(l)] as const);
      this.shapes = {
        params: { ...Object.fromEntries(layers.map(([key, init]) => [key, init.paramShapes])), readout: { W: [this.spec.outputSize, top], b: [this.spec.outputSize] } },
        state: Object.fromEntries(layers.map(([key, init]) => [key, shapesOf(init.state)])),
      };
    }
    return this.shapes;
  }

  /**
   * Throws unless `params` have this network's layers and fields, with the shapes its cells'
   * `init` gives, all of one dtype; returns that dtype. Algorithms call it where params enter.
   *
   * @throws {@link ValueError} for missing or extra layers or fields and values that are not
   * tensors; {@link ShapeError} for a wrong shape; {@link DTypeError} for mixed dtypes.
   * @example
   * ```ts
   * import { Network } from "@ostl/ostl";
   * import { astype, PRNG, type NDArray } from "@ostl/core";
   * import { mse, rnn } from "@ostl/models";
   * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
   * const params = net.init(new PRNG(0));
   * console.log(net.checkParams(params, "example")); // float64
   * try {
   *   net.checkParams({ ...params, layer0: { ...params.layer0!, W: astype(params.layer0!.W as NDArray, "float32") } }, "example");
   * } catch (e) {
   *   console.log((e as Error).message); // example: params mix dtypes: 'layer0.W' is float32, 'layer0.U' is float64 (cast with astype: one dtype throughout)
   * }
   * ```
   */
  checkParams(params: NetworkParams, op: string): DType {
    return checkTreeValues(op, "params", this.expectedShapes().params, params);
  }

  /**
   * Throws unless `state` has this network's layers and state fields, each of its cell's initial
   * shape or that shape with one leading batch axis (the same for all), in `dtype`.
   *
   * @throws {@link ValueError}, {@link ShapeError} or {@link DTypeError} naming the layer and field.
   * @example
   * ```ts
   * import { Network } from "@ostl/ostl";
   * import { zeros } from "@ostl/core";
   * import { lstm, mse } from "@ostl/models";
   * const net = new Network({ inputSize: 2, layers: [{ cell: lstm(), hiddenSize: 3 }], outputSize: 1, loss: mse });
   * net.checkState(net.initialState(4), "float64", "example"); // passes
   * try {
   *   net.checkState({ layer0: { h: zeros([3]), c: zeros([4]) } }, "float64", "example");
   * } catch (e) {
   *   console.log((e as Error).message); // example: state 'layer0.c' has shape [4], expected [3] or [batch, 3]
   * }
   * ```
   */
  checkState(state: NetworkState, dtype: DType, op: string): void {
    checkTreeValues(op, "state", this.expectedShapes().state, state, dtype);
  }

  /**
   * Runs layer `l` alone: the cell step. The first result of each kind (one example, a batch) is
   * checked against the cell contract (see checkStepResult); a pure cell's later results have the
   * same structure, as the params and state entering an algorithm are checked too.
   */
  layerStep(l: number, params: TensorRecord, state: TensorRecord, x: Tensor): { state: TensorRecord; y: Tensor } {
    const layer = this.spec.layers[l]!;
    const out = layer.cell.step(params, state, x);
    const kind = x.shape.length === 1 ? 1 : 2;
    if ((this.checkedSteps[l]! & kind) === 0) {
      checkStepResult({ cell: layer.cell.name, layer: l }, state, out, [...x.shape.slice(0, -1), layer.hiddenSize]);
      this.checkedSteps[l]! |= kind;
    }
    return out;
  }

  /** The readout `W_ro y + b_ro` (for a batch `[B, n]`: `y W_roᵀ + b_ro`). */
  readout(params: NetworkParams, y: Tensor): Tensor {
    const ro = params.readout!;
    // one example: W y keeps W's gradient (the outer product ct yᵀ) contiguous
    return add(y.shape.length === 1 ? matmul(ro.W!, y) : matmul(y, transpose(ro.W!)), ro.b!);
  }

  /** One step of the whole network. */
  step(params: NetworkParams, state: NetworkState, x: Tensor): NetworkStep {
    const next: Record<string, TensorRecord> = {};
    const layerOutputs: Tensor[] = [];
    let input = x;
    for (let l = 0; l < this.depth; l++) {
      const out = this.layerStep(l, params[layerKey(l)]!, state[layerKey(l)]!, input);
      next[layerKey(l)] = out.state;
      layerOutputs.push(out.y);
      input = out.y;
    }
    return { state: next, layerOutputs, logits: this.readout(params, input) };
  }
}

const shapesOf = (record: TensorRecord) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v.shape]));
