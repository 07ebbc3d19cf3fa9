import * as core from "@ostl/core";
import { OstlError } from "@ostl/core";
import { type Pullback, type Tensor, type Tree, add, flatten, treeMap, vjp } from "@ostl/autodiff";
import { AlgorithmBase, addLeavesInto, checkChunk, type GradientAlgorithm } from "./algorithm.js";
import type { Network, NetworkParams, NetworkState } from "../model/network.js";
import { TreeLayout } from "../model/tree-layout.js";
import { checkOptions } from "../model/options.js";

/**
 * Options of {@link Bptt}.
 *
 * @example
 * ```ts
 * import { Bptt, Network, type BpttOptions } from "@ostl/ostl";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const options: BpttOptions = { window: 20 };
 * console.log(new Bptt(net).approximation, new Bptt(net, options).approximation); // null truncated BPTT (window 20)
 * ```
 */
export interface BpttOptions {
  /**
   * Truncated BPTT (an approximation): every `window` steps the recorded steps are backpropagated
   * and dropped, so gradients do not flow across window boundaries. Default: no truncation.
   */
  window?: number;
}

/**
 * Backpropagation through time: records each step's tape (a pullback of the step with respect to
 * params and previous state) and, when gradients are asked for, runs them backwards, carrying the
 * state cotangent. Exact; memory grows with the number of steps.
 *
 * @example
 * ```ts
 * import { Network, Bptt } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { lstm, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: lstm(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const bptt = new Bptt(net);
 * bptt.begin(net.init(new PRNG(1)));
 * for (let t = 0; t < 5; t++) bptt.step(tensor([t, 1]), tensor([0]));
 * const grads = bptt.gradients();
 * console.log(grads.layer0!.W_i!.shape, grads.readout!.W!.shape); // [3, 2] [1, 3]
 * // the tape holds every step's state (h and c, 3 units each): it grows with T
 * console.log(bptt.steps, bptt.memoryFloats()); // 5 30
 * ```
 */
export class Bptt extends AlgorithmBase implements GradientAlgorithm {
  readonly name = "bptt" as const;
  readonly approximation: string | null;
  private readonly window: number | null;
  private tapes: Pullback<[NetworkParams, NetworkState]>[] = [];
  private tapeFloats: number[] = [];
  private accumulated: NetworkParams | null = null;
  private flushedAt = 0;

  constructor(network: Network, options: BpttOptions = {}) {
    super(network, "bptt");
    checkOptions("bptt", options, ["window"]);
    const w = options.window;
    if (w !== undefined && (!Number.isInteger(w) || w < 1)) throw new OstlError("bptt", `window must be a positive integer, got ${w}`);
    this.window = w ?? null;
    this.approximation = w === undefined ? null : `truncated BPTT (window ${w})`;
  }

  begin(params: NetworkParams, state?: NetworkState): void {
    this.beginBase(params, state);
    this.flushedAt = 0;
    this.tapes = [];
    this.tapeFloats = [];
    this.accumulated = null;
  }

  step(x: Tensor, target: Tensor): number {
    return this.feed([x], [target]);
  }

  /** Records a chunk of steps as one tape (one pullback over the whole chunk). */
  override feed(xs: readonly Tensor[], targets: readonly Tensor[]): number {
    const params = this.requireParams();
    checkChunk("bptt", xs, targets);
    if (xs.length === 0) return 0;
    const start = this.prepareStep(xs[0]!, targets[0]!);
    for (let t = 1; t < xs.length; t++) this.checkStep(xs[t]!, targets[t]!, this.count + t);
    const net = this.network;
    const chunkLoss = (p: NetworkParams, s: NetworkState) => {
      let state = s;
      let loss: Tensor | null = null;
      xs.forEach((x, t) => {
        const r = net.step(p, state, x);
        const e = net.spec.loss(r.logits, targets[t]!);
        loss = loss === null ? e : add(loss, e);
        state = r.state;
      });
      return { loss: loss!, state };
    };
    const [out, pullback] = vjp(chunkLoss as (p: NetworkParams, s: NetworkState) => Tree, params, start) as unknown as [
      { loss: core.NDArray; state: NetworkState },
      Pullback<[NetworkParams, NetworkState]>,
    ];
    this.tapes.push(pullback);
    this.tapeFloats.push(xs.length * new TreeLayout(out.state as Tree).size);
    this.current = out.state;
    this.count += xs.length;
    if (this.window !== null && this.count - this.flushedAt >= this.window) this.flush();
    return out.loss.item();
  }

  /** Backpropagates the recorded steps into the accumulator and drops them. */
  private flush(): void {
    this.accumulated = this.backpropagate();
    this.flushedAt = this.count;
    this.tapes = [];
    this.tapeFloats = [];
  }

  private backpropagate(): NetworkParams {
    const params = this.requireParams();
    const layout = new TreeLayout(params as Tree);
    // a fresh accumulator, summed into in place (one allocation, not one per recorded step)
    const total = (this.accumulated === null ? layout.zeros() : treeMap((x) => core.copy(x as core.NDArray), this.accumulated as Tree)) as NetworkParams;
    const sinks = flatten(total as Tree).leaves as core.NDArray[];
    // the final state's cotangent is zero: `0` leaves cost nothing to propagate
    let stateCotangent: Tree = treeMap(() => 0, this.current as Tree);
    const one = core.ones([], layout.dtype);
    for (let t = this.tapes.length - 1; t >= 0; t--) {
      const [gp, gs] = this.tapes[t]!({ loss: one, state: stateCotangent });
      addLeavesInto(sinks, gp as Tree);
      stateCotangent = gs;
    }
    return total;
  }

  gradients(): NetworkParams {
    this.requireStepsForGradients();
    return this.backpropagate();
  }

  takeGradients(): NetworkParams {
    const g = this.gradients();
    this.tapes = [];
    this.tapeFloats = [];
    this.accumulated = null;
    return g;
  }

  override setParams(params: NetworkParams): void {
    if (this.tapes.length > 0) throw new OstlError("bptt.setParams", `${this.tapes.length} recorded steps would mix two parameter sets: call takeGradients() first`);
    this.checkNewParams(params);
    this.params = params;
  }

  reset(): void {
    this.params = null;
    this.current = null;
    this.count = 0;
    this.tapes = [];
    this.tapeFloats = [];
    this.accumulated = null;
  }

  /** Floats of the states recorded on the tape (a lower bound of the tape's size: it grows with T). */
  memoryFloats(): number {
    return this.tapeFloats.reduce((a, b) => a + b, 0);
  }
}
