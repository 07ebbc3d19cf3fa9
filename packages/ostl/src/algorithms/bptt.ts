import * as core from "@ostl/core";
import { OstlError } from "@ostl/core";
import { type Pullback, type Tensor, type Tree, add, flatten, treeMap, vjp } from "@ostl/autodiff";
import { AlgorithmBase, addArrayInto, addLeavesInto, checkChunk, denseValues, type GradientAlgorithm } from "./algorithm.js";
import { DeferredOuterSum } from "../traces/deferred-outer-sum.js";
import type { Network, NetworkArrays, NetworkParams, NetworkState } from "../model/network.js";
import { TreeLayout } from "../model/tree-layout.js";
import { checkOptions } from "../model/options.js";
import { StepPrograms } from "../programs/step-programs.js";
import type { FactoredStepVjp } from "../programs/factored-vjp.js";
import { RecordArena } from "../programs/record-arena.js";

/**
 * A recorded stretch of steps, run backwards: from the cotangent of its final state, it adds its
 * parameter gradients into `sinks` (the params' leaves in flatten order), or a factored weight's
 * rows into `outer`, and returns the cotangent of its initial state.
 */
type Recorded = (stateCotangent: Tree, sinks: readonly core.NDArray[], outer: OuterProducts) => Tree;

/**
 * The gradients of factored weights, Σ_t c_t u_tᵀ (see FactoredStepVjp): the rows c_t and u_t
 * are kept during the backward pass and summed after it, one matrix product Cᵀ U per weight
 * instead of an n·m outer product added at every step.
 */
class OuterProducts {
  /** The rows c_t and u_t of each weight, by leaf, and its sum: kept from one backward pass to the next (buffers reused, not made anew). */
  private readonly rows = new Map<number, { readonly weight: core.NDArray; readonly cs: StackedRows; readonly us: StackedRows; readonly sum: DeferredOuterSum }>();

  /** Appends the values of `c` and `u` (read now: c is a program's buffer) for the weight at `leaf` (of the shape and dtype of `weight`). */
  add(leaf: number, weight: core.NDArray, c: core.NDArray, u: core.NDArray): void {
    let entry = this.rows.get(leaf);
    if (entry === undefined || entry.weight.dtype !== weight.dtype) {
      entry = { weight, cs: new StackedRows(c.size, weight.dtype), us: new StackedRows(u.size, weight.dtype), sum: new DeferredOuterSum(weight.shape[0]!, weight.shape[1]!, weight.dtype) };
      this.rows.set(leaf, entry);
    }
    entry.cs.push(c);
    entry.us.push(u);
  }

  /**
   * Adds each weight's Σ_t c_t u_tᵀ into its sink: one weight at a time, its steps eight per pass
   * over the sum (DeferredOuterSum, a SIMD kernel for float64), so that the sum stays in cache
   * across its passes. Measured on JSB LSTM-150 BPTT, one epoch: 15.1 s when every weight's sum
   * took each step in turn, made anew per backward pass; 13.0 s this way.
   */
  addInto(sinks: readonly core.NDArray[]): void {
    for (const [leaf, { weight, cs, us, sum }] of this.rows) {
      if (cs.count === 0) continue;
      sum.clear();
      for (let t = 0; t < cs.count; t++) sum.push(cs.row(t), us.row(t));
      const sink = sinks[leaf]!;
      if (sink.isContiguous()) sum.addTo(sink.data, sink.offset);
      else addArrayInto(sink, core.fromTyped(sum.values(), weight.shape));
    }
    this.clear();
  }

  /** Forgets the rows held (a backward pass that did not finish leaves none behind). */
  clear(): void {
    for (const { cs, us } of this.rows.values()) cs.count = us.count = 0;
  }
}

/** Vectors of one size appended in order, in a buffer that doubles when full (no allocation per vector). */
class StackedRows {
  private data: core.TypedArray;
  count = 0;

  constructor(
    private readonly width: number,
    readonly dtype: core.DType,
  ) {
    this.data = core.zeros([16 * width], dtype).data;
  }

  push(row: core.NDArray): void {
    if ((this.count + 1) * this.width > this.data.length) {
      const grown = core.zeros([2 * this.data.length], this.dtype).data;
      grown.set(this.data);
      this.data = grown;
    }
    const values = denseValues(row);
    const at = this.count++ * this.width;
    if (values.constructor === this.data.constructor) this.data.set(values, at);
    else for (let k = 0; k < this.width; k++) this.data[at + k] = values[k]!;
  }

  /** Vector t (a view over the buffer). */
  row(t: number): core.TypedArray {
    return this.data.subarray(t * this.width, (t + 1) * this.width);
  }
}

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
 * Backpropagation through time: records each step and, when gradients are asked for, runs the
 * steps backwards, carrying the state cotangent. Exact; memory grows with the number of steps.
 *
 * Each step runs as the network's compiled programs ({@link StepPrograms}): the step and its VJP
 * are split into a forward and a backward program ({@link FactoredStepVjp}). Each step records
 * its previous state, input and target and the values its backward step reads (an LSTM's gates,
 * say), and the backward pass runs from them with nothing recomputed; a weight that enters as
 * W u (one example at a time) gets its gradient as one matrix product after the pass. A cell that
 * reads its traced values cannot be compiled; its steps are then recorded as interpreted tapes
 * (one pullback per chunk), with the same gradients.
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
 * // the tape holds every step's state (h and c, 3 units each) and what its backward step reads (34 floats): it grows with T
 * console.log(bptt.steps, bptt.memoryFloats()); // 5 200
 * ```
 */
export class Bptt extends AlgorithmBase implements GradientAlgorithm {
  readonly name = "bptt" as const;
  readonly approximation: string | null;
  private readonly window: number | null;
  private tapes: Recorded[] = [];
  /** Whether steps run as compiled programs (false once the cell proves uncompilable). */
  private compiled = true;
  private tapeFloats: number[] = [];
  private accumulated: NetworkParams | null = null;
  /** Where the compiled steps' records live, taken back whenever the tape is dropped. */
  private arena: RecordArena | null = null;
  /** The factored weights' outer products (see OuterProducts), kept from one backward pass to the next. */
  private readonly outer = new OuterProducts();
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
    this.dropTape();
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
    if (this.compiled) {
      // every step of a chunk has one signature (shapes and dtypes are checked), so one lookup serves them all
      const programs = StepPrograms.of(this.network).factoredVjp(params, start, xs[0]!, targets[0]!);
      if (programs !== null) return this.feedCompiled(programs, params, start, xs, targets);
      // a step that reads its traced values cannot be compiled
      this.compiled = false;
    }
    return this.feedInterpreted(params, start, xs, targets);
  }

  /**
   * Runs the forward program over the chunk, which records each step's state, input and target
   * and the values its backward step reads; the chunk's backward pass is one tape entry.
   */
  private feedCompiled(programs: FactoredStepVjp, params: NetworkParams, start: NetworkState, xs: readonly Tensor[], targets: readonly Tensor[]): number {
    const dtype = (params.readout!.W as core.NDArray).dtype;
    if (this.arena?.dtype !== dtype) this.arena = new RecordArena(dtype);
    const chunk = programs.forward(params, start, xs, targets, this.arena);
    const backward: Recorded = (stateCotangent, sinks, outer) =>
      programs.backward(params, chunk, stateCotangent as NetworkState, (rest, cs, us) => {
        programs.restLeaves.forEach((leaf, k) => addArrayInto(sinks[leaf]!, rest[k]!));
        // c is read now (a program's buffer), and u too
        programs.factors.forEach((f, j) => outer.add(f.leaf, sinks[f.leaf]!, cs[j]!, us[j]!));
      }) as Tree;
    this.record([backward], xs.length, chunk.state, xs.length * programs.recordFloats);
    return chunk.loss;
  }

  /** Records a chunk as one interpreted tape (one pullback over the whole chunk). */
  private feedInterpreted(params: NetworkParams, start: NetworkState, xs: readonly Tensor[], targets: readonly Tensor[]): number {
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
    const one = core.ones([], out.loss.dtype);
    const backward: Recorded = (stateCotangent, sinks) => {
      const [gp, gs] = pullback({ loss: one, state: stateCotangent } as unknown as Tree) as [Tree, Tree];
      addLeavesInto(sinks, gp);
      return gs;
    };
    this.record([backward], xs.length, out.state, 0);
    return out.loss.item();
  }

  /** Appends a chunk's recorded steps, ending in `state`, with `extraFloats` recorded besides their states, and flushes a full truncation window. */
  private record(recorded: readonly Recorded[], steps: number, state: NetworkState, extraFloats: number): void {
    this.tapes.push(...recorded);
    this.tapeFloats.push(steps * new TreeLayout(state as Tree).size + extraFloats);
    this.current = state;
    this.count += steps;
    if (this.window !== null && this.count - this.flushedAt >= this.window) this.flush();
  }

  /** Backpropagates the recorded steps into the accumulator and drops them. */
  private flush(): void {
    this.accumulated = this.backpropagate();
    this.flushedAt = this.count;
    this.dropTape();
  }

  private backpropagate(): NetworkArrays {
    const params = this.requireParams();
    const layout = new TreeLayout(params as Tree);
    // a fresh accumulator, summed into in place (one allocation, not one per recorded step)
    const total = (this.accumulated === null ? layout.zeros() : treeMap((x) => core.copy(x as core.NDArray), this.accumulated as Tree)) as NetworkArrays;
    const sinks = flatten(total as Tree).leaves as core.NDArray[];
    // the final state's cotangent is zero
    let stateCotangent: Tree = treeMap((s) => core.zerosLike(s as core.NDArray), this.current as Tree);
    const outer = this.outer;
    outer.clear();
    for (let t = this.tapes.length - 1; t >= 0; t--) stateCotangent = this.tapes[t]!(stateCotangent, sinks, outer);
    outer.addInto(sinks);
    return total;
  }

  gradients(): NetworkArrays {
    this.requireStepsForGradients();
    return this.backpropagate();
  }

  takeGradients(): NetworkArrays {
    const g = this.gradients();
    this.dropTape();
    this.accumulated = null;
    return g;
  }

  override setParams(params: NetworkParams): void {
    if (this.tapes.length > 0) throw new OstlError("bptt.setParams", `${this.tapes.length} recorded steps would mix two parameter sets: call takeGradients() first`);
    super.setParams(params);
  }

  reset(): void {
    this.params = null;
    this.current = null;
    this.count = 0;
    this.dropTape();
    this.accumulated = null;
  }

  /** Drops the recorded steps, and takes their records' arena back. */
  private dropTape(): void {
    this.tapes = [];
    this.tapeFloats = [];
    this.arena?.reset();
  }

  /** Floats of the states (and, for factored steps, the forward steps' records) on the tape: it grows with T. */
  memoryFloats(): number {
    return this.tapeFloats.reduce((a, b) => a + b, 0);
  }
}
