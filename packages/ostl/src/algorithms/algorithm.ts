import * as core from "@ostl/core";
import { DTypeError, OstlError, ShapeError, ValueError } from "@ostl/core";
import { type Tensor, type Tree, concreteOf, flatten, treeMap } from "@ostl/autodiff";
import type { Network, NetworkArrays, NetworkParams, NetworkState } from "../model/network.js";
import { TypedKernels } from "../traces/typed-kernels.js";

/**
 * The name of a gradient algorithm.
 *
 * @example
 * ```ts
 * import { Bptt, Network, Ostl, Rtrl, type AlgorithmName } from "@ostl/ostl";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const names: AlgorithmName[] = [new Bptt(net), new Rtrl(net), new Ostl(net)].map((a) => a.name);
 * console.log(names); // ["bptt", "rtrl", "ostl"]
 * ```
 */
export type AlgorithmName = "bptt" | "rtrl" | "ostl" | "eprop" | "snap" | "uoro" | "kfrtrl" | "rflo";

/**
 * The streaming interface every gradient algorithm shares, so they can be swapped and compared.
 * Feeding a sequence whole, step by step or in chunks gives the same gradients.
 *
 * - `begin(params, state?)` starts a sequence (state defaults to the network's initial state);
 * - `step(x, target)` advances one time step and returns that step's loss E_t;
 * - `gradients()` returns dE/dθ for E = Σ_t E_t over the steps since `begin` (or since the last
 *   `takeGradients()`), with the structure of the params;
 * - `takeGradients()` returns the same and clears the accumulator, keeping state and traces, so
 *   updates can be applied every k steps (then call `setParams`). Updating in the middle of a
 *   sequence changes the trajectory: later steps run with the new parameters, and the online
 *   algorithms' traces mix both parameter sets, so the result is no longer the gradient BPTT
 *   computes for the whole sequence under one parameter set (BPTT itself becomes truncated at
 *   each update). One update per sequence, the paper's setting, keeps them equal;
 * - `reset()` forgets everything.
 *
 * @example
 * ```ts
 * import { Bptt, Network, Ostl, Rtrl, type GradientAlgorithm } from "@ostl/ostl";
 * import { allClose, PRNG, tensor } from "@ostl/core";
 * import { rnn, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(0));
 * const gradientOf = (algo: GradientAlgorithm) => {
 *   algo.begin(params);
 *   algo.step(tensor([1, 0]), tensor([0.5]));
 *   algo.feed([tensor([0, 1]), tensor([1, 1])], [tensor([-0.5]), tensor([0])]);
 *   return algo.gradients().layer0!.U!;
 * };
 * const [bptt, rtrl, ostl] = [new Bptt(net), new Rtrl(net), new Ostl(net)].map(gradientOf);
 * console.log(bptt!.shape, allClose(bptt!, rtrl!), allClose(bptt!, ostl!)); // [3, 3] true true
 * ```
 */
export interface GradientAlgorithm {
  readonly name: AlgorithmName;
  /** `null` for the exact algorithm, else what is approximated (shown in every output). */
  readonly approximation: string | null;
  readonly network: Network;
  begin(params: NetworkParams, state?: NetworkState): void;
  step(x: Tensor, target: Tensor): number;
  /** Feeds a chunk of steps; returns the sum of their losses. Same gradients as stepping one by one. */
  feed(xs: readonly Tensor[], targets: readonly Tensor[]): number;
  gradients(): NetworkArrays;
  takeGradients(): NetworkArrays;
  setParams(params: NetworkParams): void;
  reset(): void;
  /** The network state after the last step. */
  readonly state: NetworkState;
  /** Steps taken since `begin`. */
  readonly steps: number;
  /** Floats held by the algorithm's traces or tape right now (its memory that is not the network's own). */
  memoryFloats(): number;
}

/**
 * Sum of two trees of concrete tensors with the same structure.
 *
 * @example
 * ```ts
 * import { addTrees } from "@ostl/ostl";
 * import { tensor } from "@ostl/core";
 * const sum = addTrees({ W: tensor([1, 2]), b: tensor(3) }, { W: tensor([10, 20]), b: tensor(30) });
 * console.log(sum.W.toNested(), sum.b.toNested()); // [11, 22] 33
 * ```
 */
export function addTrees<T extends Tree>(a: T, b: Tree): T {
  return treeMap((x, y) => core.add(x as core.NDArray, y as core.NDArray), a, b) as T;
}

/** sink[so + i] += x[xo + i] for i < size. */
function addDenseInto(sink: Float64Array, so: number, x: Float64Array, xo: number, size: number): void {
  for (let i = 0; i < size; i++) sink[so + i]! += x[xo + i]!;
}

/** The accumulation loop by element type (see TypedKernels). */
const accumulateKernels = new TypedKernels({ addDenseInto });

/**
 * Adds a tree of concrete tensors, leaf by leaf in flatten order, into `sinks` (dense arrays of the
 * same shapes), in place (see {@link addArrayInto}).
 */
export function addLeavesInto(sinks: readonly core.NDArray[], tree: Tree): void {
  flatten(tree).leaves.forEach((leaf, j) => addArrayInto(sinks[j]!, leaf as core.NDArray));
}

/**
 * sink += x in place, for arrays of one shape: one plain loop where both are contiguous of one
 * dtype (a gradient added into its accumulator at every step), else the core kernel.
 */
export function addArrayInto(sink: core.NDArray, x: core.NDArray): void {
  const direct = x.dtype === sink.dtype && core.shapesEqual(x.shape, sink.shape) && x.isContiguous() && sink.isContiguous() && x.data !== sink.data;
  if (direct) accumulateKernels.of(x.dtype).addDenseInto(sink.data as Float64Array, sink.offset, x.data as Float64Array, x.offset, x.size);
  else core.kernels.add(sink, sink, x);
}

/** The elements of an array in row-major order, without a copy when it is contiguous (its data, or the part of it the array covers). */
export function denseValues(x: core.NDArray): core.TypedArray {
  // a dense run at an offset (a record's vector, say) is read where it lies
  const dense = x.isContiguous() ? x : core.copy(x);
  return dense.offset === 0 && dense.data.length === dense.size ? dense.data : dense.data.subarray(dense.offset, dense.offset + dense.size);
}

/** Throws unless a chunk has as many targets as inputs. */
export function checkChunk(algorithm: string, xs: readonly Tensor[], targets: readonly Tensor[]): void {
  if (xs.length !== targets.length) throw new OstlError(`${algorithm}.feed`, `got ${xs.length} inputs and ${targets.length} targets`);
}

function hasNonFinite(x: core.NDArray): boolean {
  return core.firstNonFinite(denseValues(x)) >= 0;
}

/**
 * Shared bookkeeping: params, state, step count, input checks.
 */
export abstract class AlgorithmBase {
  protected params: NetworkParams | null = null;
  protected current: NetworkState | null = null;
  protected count = 0;

  constructor(
    readonly network: Network,
    protected readonly algorithmName: string,
  ) {}

  get state(): NetworkState {
    return this.requireState();
  }

  get steps(): number {
    return this.count;
  }

  protected requireParams(): NetworkParams {
    if (this.params === null) throw new OstlError(this.algorithmName, "call begin(params) before step()");
    return this.params;
  }

  protected requireState(): NetworkState {
    if (this.params === null) throw new OstlError(this.algorithmName, "call begin(params) before step()");
    return this.current ?? this.network.initialState();
  }

  /** Swaps the parameters used from the next step on (state, traces and the accumulator are kept); their values are taken now (a copy). */
  setParams(params: NetworkParams): void {
    this.checkNewParams(params);
    this.params = this.network.ownParams(params);
  }

  /** Throws unless `params` fit the network and have the dtype of the params they replace (checked once, where they enter). */
  protected checkNewParams(params: NetworkParams): void {
    const previous = this.requireParams();
    const op = `${this.algorithmName}.setParams`;
    const dtype = this.network.checkParams(params, op);
    const before = previous.readout!.W!.dtype;
    if (dtype !== before) throw new DTypeError(op, `params are ${dtype}, but the sequence began with ${before} params (cast with astype: one dtype throughout)`);
  }

  /**
   * Starts a sequence after checking params and state against the network; without an explicit
   * state, the initial state is made at the first step, for its batch size.
   */
  protected beginBase(params: NetworkParams, state?: NetworkState): void {
    const op = `${this.algorithmName}.begin`;
    const dtype = this.network.checkParams(params, op);
    if (state !== undefined) this.network.checkState(state, dtype, op);
    // the params' values now: the compiled programs keep their weight matrices between calls (see StepPrograms)
    this.params = this.network.ownParams(params);
    this.current = state ?? null;
    this.count = 0;
  }

  /** Checks the step's input and target and returns the state to advance (made for the batch size on the first step). */
  protected prepareStep(x: Tensor, target: Tensor): NetworkState {
    this.requireParams();
    const batch = this.checkStep(x, target);
    if (this.current === null) this.current = this.network.initialState(batch, this.params!.readout!.W!.dtype);
    return this.current;
  }

  protected requireStepsForGradients(): void {
    if (this.params === null) throw new OstlError(`${this.algorithmName}.gradients`, "no sequence has begun: call begin(params) and step(x, target) first");
    if (this.count === 0) throw new OstlError(`${this.algorithmName}.gradients`, "no step has been taken since begin(): call step(x, target) first");
  }

  /** Feeds a chunk one step at a time (the online algorithms have nothing to gain from more). */
  feed(xs: readonly Tensor[], targets: readonly Tensor[]): number {
    checkChunk(this.algorithmName, xs, targets);
    let loss = 0;
    xs.forEach((x, t) => (loss += this.step(x, targets[t]!)));
    return loss;
  }

  abstract step(x: Tensor, target: Tensor): number;

  /** Validates one step's input and target against the network; returns the batch size (or undefined). */
  protected checkStep(x: Tensor, target: Tensor, t = this.count): number | undefined {
    const spec = this.network.spec;
    // the operation's name is made only for an error (this check runs at every step)
    const op = () => `${this.algorithmName}.step (t=${t})`;
    const xs = x.shape;
    if (!((xs.length === 1 || xs.length === 2) && xs[xs.length - 1] === spec.inputSize)) {
      throw new ShapeError(op(), `input x has shape [${xs.join(",")}], expected [${spec.inputSize}] or [batch, ${spec.inputSize}]`);
    }
    const ts = target.shape;
    const fits = xs.length === 2 ? ts.length === 2 && ts[0] === xs[0] && ts[1] === spec.outputSize : ts.length === 1 && ts[0] === spec.outputSize;
    if (!fits) {
      const expected = xs.length === 2 ? [xs[0]!, spec.outputSize] : [spec.outputSize];
      throw new ShapeError(op(), `target has shape [${ts.join(",")}], expected [${expected.join(",")}]`);
    }
    const dtype = this.params!.readout!.W!.dtype;
    if (x.dtype !== dtype) throw new DTypeError(op(), `input x is ${x.dtype}, but the params are ${dtype} (cast with astype: one dtype throughout)`);
    if (target.dtype !== dtype) throw new DTypeError(op(), `target is ${target.dtype}, but the params are ${dtype} (cast with astype: one dtype throughout)`);
    const cx = concreteOf(x);
    const ct = concreteOf(target);
    if (cx !== null && hasNonFinite(cx)) throw new ValueError(op(), "input x contains NaN or Infinity");
    if (ct !== null && hasNonFinite(ct)) throw new ValueError(op(), "target contains NaN or Infinity");
    return xs.length === 2 ? xs[0] : undefined;
  }

}
