/**
 * BPTT's backward step with the weight gradients of factored products left out: a weight W that
 * enters the step only as z = W u (u an input of the step: x or a previous-state field) has the
 * gradient Σ_t c_t u_tᵀ, with c_t the cotangent reaching z_t. The compiled VJP returns c_t (n
 * numbers) instead of the outer product (n·m numbers) at every step, and the caller sums
 * Σ_t c_t u_tᵀ once, as one matrix product over the steps.
 *
 * @module
 */
import * as core from "@ostl/core";
import {
  add,
  type CompiledProgram,
  flatten,
  generate,
  leavesAlong,
  type GraphSplit,
  matmul,
  simplify,
  splitGraph,
  type Tensor,
  trace,
  transpose,
  type Tree,
  type TreeDef,
  unflatten,
  vjp,
} from "@ostl/autodiff";
import { replayGraph } from "../traces/replay.js";
import type { Network, NetworkParams, NetworkState } from "../model/network.js";
import { findStepRowFactors } from "../analysis/factors.js";
import type { RecordArena } from "./record-arena.js";

/**
 * One factored weight: its leaf in the params' flatten order, and where its u comes from.
 *
 * @example
 * ```ts
 * import { FactoredStepVjp, Network, type StepFactor } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { rnn, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const factors: readonly StepFactor[] = FactoredStepVjp.make(net, net.init(new PRNG(0)), net.initialState(), tensor([1, 0]), tensor([0.5]))!.factors;
 * // leaves: layer0.U, layer0.W, layer0.b, readout.W, readout.b; then the state h (5), x (6), the target (7)
 * // the readout's u is h_t, computed in the step
 * console.log(factors.map((f) => [f.leaf, f.u.kind === "input" ? f.u.index : f.u.kind])); // [[0, 5], [1, 6], [3, "computed"]]
 * ```
 */
export interface StepFactor {
  /** Index of W among the params' leaves. */
  readonly leaf: number;
  /**
   * Index of u among the step's argument leaves (params, state, x, target, in flatten order), a
   * constant u, or a u computed in the step (its value comes back from `run`, in `computedU`).
   */
  readonly u: { readonly kind: "input"; readonly index: number } | { readonly kind: "const"; readonly value: core.NDArray } | { readonly kind: "computed" };
  readonly transposed: boolean;
}

/**
 * A chunk of forward steps as {@link FactoredStepVjp.forward} runs it: the sum of the losses, the
 * final state, and per step what its backward step reads (its state, x and target, and the
 * forward program's record: residuals such as an LSTM's gates and the gradient terms that need no
 * cotangent, views into one array per step, or into the arena given).
 *
 * @example
 * ```ts
 * import { FactoredStepVjp, Network, type FactoredChunk } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { rnn, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(0));
 * const vjp = FactoredStepVjp.make(net, params, net.initialState(), tensor([1, 0]), tensor([0.5]))!;
 * const chunk: FactoredChunk = vjp.forward(params, net.initialState(), [tensor([1, 0]), tensor([0, 1])], [tensor([0.5]), tensor([0])]);
 * console.log(chunk.steps, chunk.state.layer0!.h!.shape, chunk.loss > 0); // 2 [3] true
 * ```
 */
export interface FactoredChunk {
  /** The sum of the steps' losses. */
  readonly loss: number;
  /** The state after the last step. */
  readonly state: NetworkState;
  readonly steps: number;
  /** Per step, the program inputs after the params: the state's leaves (before the step), x, the target. */
  readonly stepInputs: readonly (readonly core.NDArray[])[];
  /** Per step, the forward program's outputs. */
  readonly records: readonly (readonly (core.NDArray | number)[])[];
}

/**
 * What {@link FactoredStepVjp.backward} hands over at each step, last step first: the gradients of
 * the params in `restLeaves`, and per factor its c and its u (the program's buffers, or the
 * forward step's arrays: read them before returning).
 *
 * @example
 * ```ts
 * import { FactoredStepVjp, Network, type FactoredStepGradients } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { rnn, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(0));
 * const vjp = FactoredStepVjp.make(net, params, net.initialState(), tensor([1, 0]), tensor([0.5]))!;
 * const chunk = vjp.forward(params, net.initialState(), [tensor([1, 0]), tensor([0, 1])], [tensor([0.5]), tensor([0])]);
 * const steps: string[] = [];
 * // the biases' gradients (rest), and c and u of U (u = h), W (u = x) and the readout's W (u = h_t)
 * const visit: FactoredStepGradients = (rest, cs, us) => steps.push(`${rest.length} ${cs.map((c) => c.size)} ${us.map((u) => u.size)}`);
 * vjp.backward(params, chunk, net.initialState(), visit);
 * console.log(steps); // ["2 3,3,1 3,2,3", "2 3,3,1 3,2,3"]
 * ```
 */
export type FactoredStepGradients = (rest: readonly core.NDArray[], cotangents: readonly core.NDArray[], us: readonly core.NDArray[]) => void;

/**
 * The factored step of a network for one signature of (params, state, x, target) as two compiled
 * programs, or null when the step reads the values of its traced arguments (it cannot be
 * compiled). The factors may be none (a batched step, whose u is a matrix; weights that enter
 * other than once as W u): then every param's gradient comes from the backward program. The step and its VJP are traced as one graph and split where
 * the state cotangent enters (`splitGraph`):
 * - `forward(params, state, xs, targets)` runs a chunk of forward steps: the sum of their losses,
 *   the final state, and per step the values its backward step reads (residuals such as an LSTM's
 *   gates, and the gradient terms that need no cotangent, such as the readout bias's), all fresh
 *   arrays ({@link FactoredChunk});
 * - `backward(params, chunk, stateCotangent, visit)` runs the chunk's backward steps from them,
 *   last step first, with nothing of the forward steps computed again; it hands each step's
 *   gradients to `visit` and returns the cotangent of the chunk's initial state.
 *
 * Both loops pass leaf arrays to the programs directly: no tree is built or taken apart per step.
 *
 * Measured on JSB LSTM-150 BPTT (`ostl train`, 2-core VM): an epoch took about 7.2 s when the
 * backward step recomputed the forward one, and 4.9 s this way. The tape holds more (the record
 * of an LSTM-150 step with 88 outputs is 1,738 floats besides its 300 of state), as in JAX or PyTorch.
 *
 * @example
 * ```ts
 * import { FactoredStepVjp, Network } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { lstm, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: lstm(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(0));
 * const vjp = FactoredStepVjp.make(net, params, net.initialState(), tensor([1, 0]), tensor([0.5]))!;
 * // the eight gate weights (W_·: u = x, U_·: u = h) and the readout's (u = h_t) factor; the biases do not
 * console.log(vjp.factors.length, vjp.restLeaves.length); // 9 5
 * const chunk = vjp.forward(params, net.initialState(), [tensor([1, 0])], [tensor([0.5])]);
 * const widths: number[] = [];
 * vjp.backward(params, chunk, net.initialState(), (_rest, cs) => widths.push(...cs.map((c) => c.shape[0]!)));
 * console.log(widths); // [3, 3, 3, 3, 3, 3, 3, 3, 1]
 * ```
 */
export class FactoredStepVjp {
  private constructor(
    readonly factors: readonly StepFactor[],
    /** The params' leaves that do not factor, in flatten order: `rest` follows it. */
    readonly restLeaves: readonly number[],
    private readonly early: CompiledProgram,
    private readonly late: CompiledProgram,
    /** Where each output of the whole graph (loss, state, computed u's, rest, state cotangent, c's) comes from. */
    private readonly split: GraphSplit,
    private readonly stateDef: TreeDef,
    private readonly stateLeaves: number,
    /** Floats of a forward step's record beyond its next state (what a tape keeps per step for the backward step). */
    readonly recordFloats: number,
    private readonly paramsDef: TreeDef,
    /** The dtype of the params, and of the records. */
    private readonly dtype: core.DType,
  ) {}

  /** The params whose leaves `paramLeaves` holds (params are not changed in place: see StepPrograms). */
  private paramsSeen: NetworkParams | null = null;
  private paramLeaves: core.NDArray[] = [];
  /** The programs' parameter inputs: the rest, then the factored weights. */
  private paramInputs: core.NDArray[] = [];

  private paramsFor(params: NetworkParams): void {
    if (params === this.paramsSeen) return;
    this.paramLeaves = leavesAlong<core.NDArray>(this.paramsDef, params as Tree<core.NDArray>);
    this.paramInputs = [...this.restLeaves.map((i) => this.paramLeaves[i]!), ...this.factors.map((f) => this.paramLeaves[f.leaf]!)];
    this.paramsSeen = params;
  }

  /** Traces the network's step and loss at these arguments and finds its factored weights; null when the step reads traced values. */
  static make(network: Network, params: NetworkParams, state: NetworkState, x: Tensor, target: Tensor): FactoredStepVjp | null {
    const stepLoss = (p: NetworkParams, s: NetworkState, xt: Tensor, yt: Tensor) => {
      const out = network.step(p, s, xt);
      return { loss: network.spec.loss(out.logits, yt), state: out.state } as unknown as Tree;
    };
    const graph = trace(stepLoss, params, state, x, target);
    if (graph.valueReads > 0) return null;
    const leaves = flatten(params as Tree);
    const P = leaves.leaves.length;
    const matrices = leaves.paths.filter((_, i) => (leaves.leaves[i] as core.NDArray).shape.length === 2);
    // u may depend on the state, x and target (inputs P and on), never on a parameter
    const found = findStepRowFactors(graph, matrices.map((path) => path), (input) => input >= P);
    const factors: StepFactor[] = found.map((f) => ({ leaf: leaves.paths.indexOf(f.param), u: f.u.kind === "computed" ? { kind: "computed" } : f.u, transposed: f.transposed }));
    // the variables holding computed u's, observed during the replay
    const computedIds = found.flatMap((f) => (f.u.kind === "computed" ? [f.u.id] : []));
    const factoredLeaves = new Set(factors.map((f) => f.leaf));
    const restLeaves = leaves.leaves.map((_, i) => i).filter((i) => !factoredLeaves.has(i));
    const stepAndVjp = (rest: core.NDArray[], weights: core.NDArray[], s: NetworkState, xt: Tensor, yt: Tensor, stateCotangent: NetworkState) => {
      const argumentLeaves = (restValues: Tensor[], sv: NetworkState) => {
        const paramLeaves = new Array<Tensor>(P);
        restLeaves.forEach((leaf, k) => (paramLeaves[leaf] = restValues[k]!));
        factors.forEach((f, j) => (paramLeaves[f.leaf] = weights[j]!));
        return [...paramLeaves, ...(flatten(sv as Tree).leaves as Tensor[]), xt, yt];
      };
      // z = W u + δ with W held fixed and δ = 0: the cotangent of δ is c, and a u taken from the
      // state passes Wᵀ c back to it, while no n·m gradient of W is formed
      const replayed = (restValues: Tensor[], sv: NetworkState, deltas: Tensor[]) => {
        // each product is z = W u + δ with W the fixed weight and u as replayed (an input, a constant or computed)
        const replaced = new Map(
          factors.map((f, j) => [found[j]!.product, (operands: Tensor[]) => add(f.transposed ? matmul(operands[0]!, transpose(weights[j]!)) : matmul(weights[j]!, operands[1]!), deltas[j]!)] as const),
        );
        const values = replayGraph(graph, argumentLeaves(restValues, sv), new Map(), new Map(), { observed: computedIds, replaced });
        return { out: unflatten(graph.outputDef, values.slice(0, graph.outputs.length)), us: values.slice(graph.outputs.length) };
      };
      const deltas = found.map((f) => {
        const z = graph.equations.find((eq) => eq.out.id === f.product)!.out;
        return core.zeros(z.shape, z.dtype);
      });
      const [out, pullback] = vjp(replayed as unknown as (...a: Tree[]) => Tree, rest as Tree, s as Tree, deltas as Tree) as unknown as [
        { out: { loss: core.NDArray; state: NetworkState }; us: core.NDArray[] },
        (cotangent: Tree) => [core.NDArray[], NetworkState, core.NDArray[]],
      ];
      const [gRest, gState, cs] = pullback({ out: { loss: core.ones([], out.out.loss.dtype), state: stateCotangent } as unknown as Tree, us: out.us.map(() => 0) } as unknown as Tree);
      return [out.out.loss, out.out.state, out.us, gRest, gState, cs] as unknown as Tree;
    };
    const rest = restLeaves.map((i) => leaves.leaves[i] as core.NDArray);
    const weights = factors.map((f) => leaves.leaves[f.leaf] as core.NDArray);
    const traced = trace(stepAndVjp as unknown as (...a: Tree[]) => Tree, rest, weights, state as Tree, x, target, state as Tree);
    // a VJP rule that reads values (a user's op) makes the backward step impossible to compile too
    if (traced.valueReads > 0) return null;
    const whole = simplify(traced);
    const stateLeaves = flatten(state as Tree).leaves.length;
    const inputs = whole.inputs.length;
    // the state cotangent (the last inputs) enters late: what does not depend on it runs in the forward program
    const split = splitGraph(whole, Array.from({ length: stateLeaves }, (_, k) => inputs - stateLeaves + k));
    const paramInputs = rest.length + weights.length;
    // the params (the first inputs) are fixed arguments of both programs (see StepPrograms)
    // a step's record is one array (its values are views at offsets)
    const early = generate(split.early, { fixedInputs: Array.from({ length: paramInputs }, (_, i) => i), outputsInOneArray: true });
    const late = generate(split.late, { reuseOutputs: true, fixedInputs: split.passedInputs.flatMap((input, i) => (input < paramInputs ? [i] : [])) });
    const sizeOf = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);
    const stateFloats = (flatten(state as Tree).leaves as core.NDArray[]).reduce((sum: number, leaf) => sum + leaf.size, 0);
    const recordFloats = split.early.outputs.reduce((sum: number, a) => sum + sizeOf(a.shape), 0) - 1 - stateFloats;
    return new FactoredStepVjp(factors, restLeaves, early, late, split, flatten(state as Tree).def, stateLeaves, recordFloats, leaves.def, (leaves.leaves[0] as core.NDArray).dtype);
  }

  /** Output `o` of the whole graph, from the forward step's record or the backward program's outputs. */
  private output(o: number, record: readonly (core.NDArray | number)[], lateOutputs: readonly (core.NDArray | number)[]): core.NDArray {
    const source = this.split.outputs[o]!;
    return (source.early ? record[source.at] : lateOutputs[source.at]) as core.NDArray;
  }

  /**
   * Runs the forward program over a chunk of steps from `state` (see {@link FactoredChunk}). With
   * an arena of the params' dtype, the records are written into a stretch of it instead of fresh
   * arrays: they stay valid until the arena is reset.
   */
  forward(params: NetworkParams, state: NetworkState, xs: readonly Tensor[], targets: readonly Tensor[], arena?: RecordArena): FactoredChunk {
    this.paramsFor(params);
    // the records written into the arena's array, one stretch of `size` entries per step
    const size = this.early.outputFloats;
    const into = arena !== undefined && size > 0 && arena.dtype === this.dtype ? { ...arena.take(xs.length * size) } : undefined;
    const S = this.stateLeaves;
    const P = this.paramInputs.length;
    // the program's inputs: the params once, then the state, x and target of each step in turn
    const inputs = leavesAlong<core.NDArray>(this.stateDef, state as Tree<core.NDArray>, [...this.paramInputs]);
    inputs.push(xs[0] as core.NDArray, targets[0] as core.NDArray);
    const lossAt = this.split.outputs[0]!.at;
    const stateAt = Array.from({ length: S }, (_, k) => this.split.outputs[1 + k]!.at);
    const stepInputs: core.NDArray[][] = [];
    const records: (core.NDArray | number)[][] = [];
    let loss = 0;
    for (let t = 0; t < xs.length; t++) {
      inputs[P + S] = xs[t] as core.NDArray;
      inputs[P + S + 1] = targets[t] as core.NDArray;
      stepInputs.push(inputs.slice(P));
      const record = this.early.run(inputs, into);
      if (into !== undefined) into.offset += size;
      records.push(record);
      loss += (record[lossAt] as core.NDArray).item();
      for (let k = 0; k < S; k++) inputs[P + k] = record[stateAt[k]!] as core.NDArray;
    }
    // the final state outlives the arena's stretch (the next chunk starts from it): its own arrays
    const endLeaves = inputs.slice(P, P + S);
    const end = unflatten(this.stateDef, into === undefined ? endLeaves : endLeaves.map((leaf) => core.copy(leaf))) as NetworkState;
    return { loss, state: end, steps: xs.length, stepInputs, records };
  }

  /**
   * Runs the backward program over a chunk recorded by {@link forward} at the same params, last
   * step first, from the cotangent `stateCotangent` of its final state (each loss's cotangent is
   * 1). Hands each step's gradients to `visit`, and returns the cotangent of the chunk's initial
   * state (fresh arrays).
   */
  backward(params: NetworkParams, chunk: FactoredChunk, stateCotangent: NetworkState, visit: FactoredStepGradients): NetworkState {
    this.paramsFor(params);
    const S = this.stateLeaves;
    const P = this.paramInputs.length;
    const { passedInputs, residualAt } = this.split;
    const computed = this.factors.filter((f) => f.u.kind === "computed").length;
    const first = 1 + S + computed;
    const R = this.restLeaves.length;
    // two sets of state cotangents used in turn: the program's outputs are its own buffers, which its next call rewrites
    let current = leavesAlong<core.NDArray>(this.stateDef, stateCotangent as Tree<core.NDArray>).map((c) => core.copy(c));
    let spare = current.map((c) => core.zerosLike(c));
    const lateInputs = new Array<core.NDArray>(passedInputs.length + residualAt.length + S);
    const rest = new Array<core.NDArray>(R);
    const cs = new Array<core.NDArray>(this.factors.length);
    const us = new Array<core.NDArray>(this.factors.length);
    // a factor's u: an output of the forward step (computed), a constant, or a leaf of the step's
    // arguments (u.index counts the params' leaves, then the state's, x and the target)
    let computedSeen = 0;
    const uOutput = this.factors.map((f) => (f.u.kind === "computed" ? 1 + S + computedSeen++ : -1));
    const paramLeafCount = this.paramLeaves.length;
    for (let t = chunk.steps - 1; t >= 0; t--) {
      const stepInputs = chunk.stepInputs[t]!;
      const record = chunk.records[t]!;
      let at = 0;
      for (const i of passedInputs) lateInputs[at++] = i < P ? this.paramInputs[i]! : stepInputs[i - P]!;
      for (const r of residualAt) lateInputs[at++] = record[r] as core.NDArray;
      for (let k = 0; k < S; k++) lateInputs[at++] = current[k]!;
      const lateOutputs = this.late.run(lateInputs);
      for (let k = 0; k < R; k++) rest[k] = this.output(first + k, record, lateOutputs);
      this.factors.forEach((f, j) => {
        cs[j] = this.output(first + R + S + j, record, lateOutputs);
        const u = f.u;
        us[j] = u.kind === "computed" ? this.output(uOutput[j]!, record, lateOutputs) : u.kind === "const" ? u.value : u.index < paramLeafCount ? this.paramLeaves[u.index]! : stepInputs[u.index - paramLeafCount]!;
      });
      visit(rest, cs, us);
      for (let k = 0; k < S; k++) core.kernels.assign(spare[k]!, this.output(first + R + k, record, lateOutputs));
      [current, spare] = [spare, current];
    }
    return unflatten(this.stateDef, current) as NetworkState;
  }
}
