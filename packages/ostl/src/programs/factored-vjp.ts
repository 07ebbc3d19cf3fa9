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
 * What one forward step returns: its loss and next state, each factor's computed u (null for a u
 * that is an input or a constant), and the values its backward step reads (`record`, fresh
 * arrays for the caller to keep until then).
 *
 * @example
 * ```ts
 * import { FactoredStepVjp, Network, type FactoredForward } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { rnn, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(0));
 * const vjp = FactoredStepVjp.make(net, params, net.initialState(), tensor([1, 0]), tensor([0.5]))!;
 * const out: FactoredForward = vjp.forward(params, net.initialState(), tensor([1, 0]), tensor([0.5]));
 * console.log(out.loss.shape, out.state.layer0!.h!.shape, out.computedU.map((u) => u?.shape ?? null)); // [] [3] [null, null, [3]]
 * ```
 */
export interface FactoredForward {
  readonly loss: core.NDArray;
  readonly state: NetworkState;
  readonly computedU: (core.NDArray | null)[];
  /** The forward program's outputs, which the backward step reads. */
  readonly record: readonly (core.NDArray | number)[];
}

/**
 * What one backward step returns: the other params' gradients, the state cotangent and each
 * factor's c (the program's own buffers, or the forward step's arrays).
 *
 * @example
 * ```ts
 * import { FactoredStepVjp, Network, type FactoredStepGradients } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { rnn, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(0));
 * const vjp = FactoredStepVjp.make(net, params, net.initialState(), tensor([1, 0]), tensor([0.5]))!;
 * const forward = vjp.forward(params, net.initialState(), tensor([1, 0]), tensor([0.5]));
 * const out: FactoredStepGradients = vjp.backward(params, net.initialState(), tensor([1, 0]), tensor([0.5]), forward, net.initialState());
 * console.log(out.rest.map((g) => g.shape), out.state.layer0!.h!.shape, out.cotangents.length); // [[3], [1]] [3] 3
 * ```
 */
export interface FactoredStepGradients {
  readonly rest: core.NDArray[];
  readonly state: NetworkState;
  readonly cotangents: core.NDArray[];
}

/**
 * The factored step of a network for one signature of (params, state, x, target) as two compiled
 * programs, or null when the step reads the values of its traced arguments (it cannot be
 * compiled). The factors may be none (a batched step, whose u is a matrix; weights that enter
 * other than once as W u): then every param's gradient comes from the backward program. The step and its VJP are traced as one graph and split where
 * the state cotangent enters (`splitGraph`):
 * - `forward(params, state, x, target)` runs the forward step: its loss, next state and computed
 *   u's, and the values the backward step reads (residuals such as an LSTM's gates, and the
 *   gradient terms that need no cotangent, such as the readout bias's), all fresh arrays;
 * - `backward(params, state, x, target, forward, stateCotangent)` runs the backward step from
 *   them, with nothing of the forward step computed again.
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
 * const forward = vjp.forward(params, net.initialState(), tensor([1, 0]), tensor([0.5]));
 * const out = vjp.backward(params, net.initialState(), tensor([1, 0]), tensor([0.5]), forward, net.initialState());
 * console.log(out.cotangents.map((c) => c.shape[0])); // [3, 3, 3, 3, 3, 3, 3, 3, 1]
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
  ) {}

  /** The params whose leaves `paramLeaves` holds (params are not changed in place: see StepPrograms). */
  private paramsSeen: NetworkParams | null = null;
  private paramLeaves: core.NDArray[] = [];
  /** The programs' parameter inputs: the rest, then the factored weights. */
  private paramInputs: core.NDArray[] = [];

  /**
   * The step's argument leaves in flatten order (the params', the state's, x, the target), which
   * a factor's `u.index` and `leaf` refer to; the params' are taken once per params object.
   */
  stepArguments(params: NetworkParams, state: NetworkState, x: Tensor, target: Tensor): core.NDArray[] {
    this.paramsFor(params);
    return [...this.paramLeaves, ...leavesAlong<core.NDArray>(this.stateDef, state as Tree<core.NDArray>), x as core.NDArray, target as core.NDArray];
  }

  private paramsFor(params: NetworkParams): void {
    if (params === this.paramsSeen) return;
    this.paramLeaves = leavesAlong<core.NDArray>(this.paramsDef, params as Tree<core.NDArray>);
    this.paramInputs = [...this.restLeaves.map((i) => this.paramLeaves[i]!), ...this.factors.map((f) => this.paramLeaves[f.leaf]!)];
    this.paramsSeen = params;
  }

  /** The programs' inputs before the state cotangent: the rest, the factored weights, the state, x, the target. */
  private inputs(params: NetworkParams, state: NetworkState, x: Tensor, target: Tensor): core.NDArray[] {
    this.paramsFor(params);
    return leavesAlong<core.NDArray>(this.stateDef, state as Tree<core.NDArray>, [...this.paramInputs]).concat(x as core.NDArray, target as core.NDArray);
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
    const early = generate(split.early, { fixedInputs: Array.from({ length: paramInputs }, (_, i) => i) });
    const late = generate(split.late, { reuseOutputs: true, fixedInputs: split.passedInputs.flatMap((input, i) => (input < paramInputs ? [i] : [])) });
    const sizeOf = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);
    const stateFloats = (flatten(state as Tree).leaves as core.NDArray[]).reduce((sum: number, leaf) => sum + leaf.size, 0);
    const recordFloats = split.early.outputs.reduce((sum: number, a) => sum + sizeOf(a.shape), 0) - 1 - stateFloats;
    return new FactoredStepVjp(factors, restLeaves, early, late, split, flatten(state as Tree).def, stateLeaves, recordFloats, leaves.def);
  }

  /** Output `o` of the whole graph, from the forward step's record or the backward program's outputs. */
  private output(o: number, record: readonly (core.NDArray | number)[], lateOutputs: readonly (core.NDArray | number)[]): core.NDArray {
    const source = this.split.outputs[o]!;
    return (source.early ? record[source.at] : lateOutputs[source.at]) as core.NDArray;
  }

  /** One forward step: loss, next state, computed u's, and the record its backward step reads. */
  forward(params: NetworkParams, state: NetworkState, x: Tensor, target: Tensor): FactoredForward {
    const record = this.early.run(this.inputs(params, state, x, target));
    const S = this.stateLeaves;
    const stateValues = Array.from({ length: S }, (_, k) => this.output(1 + k, record, []));
    let next = 0;
    const computed = this.factors.filter((f) => f.u.kind === "computed").length;
    const us = Array.from({ length: computed }, (_, k) => this.output(1 + S + k, record, []));
    return {
      loss: this.output(0, record, []),
      state: unflatten(this.stateDef, stateValues) as NetworkState,
      computedU: this.factors.map((f) => (f.u.kind === "computed" ? us[next++]! : null)),
      record,
    };
  }

  /**
   * One backward step, from the record of its forward step (taken at the same params, state, x
   * and target): the gradients of the params in `restLeaves`, the previous state's cotangent and
   * each factor's c, for the cotangent `stateCotangent` of the next state (the loss's cotangent
   * is 1). Outputs are the program's buffers or the record's arrays: read them before the next call.
   */
  backward(params: NetworkParams, state: NetworkState, x: Tensor, target: Tensor, forward: FactoredForward, stateCotangent: NetworkState): FactoredStepGradients {
    const inputs = this.inputs(params, state, x, target);
    const lateOutputs = this.late.run([
      ...this.split.passedInputs.map((i) => inputs[i]!),
      ...this.split.residualAt.map((at) => forward.record[at]!),
      ...leavesAlong<core.NDArray>(this.stateDef, stateCotangent as Tree<core.NDArray>),
    ]);
    const S = this.stateLeaves;
    const computed = this.factors.filter((f) => f.u.kind === "computed").length;
    const first = 1 + S + computed;
    const R = this.restLeaves.length;
    return {
      rest: Array.from({ length: R }, (_, k) => this.output(first + k, forward.record, lateOutputs)),
      state: unflatten(this.stateDef, Array.from({ length: S }, (_, k) => this.output(first + R + k, forward.record, lateOutputs))) as NetworkState,
      cotangents: this.factors.map((_, j) => this.output(first + R + S + j, forward.record, lateOutputs)),
    };
  }
}
