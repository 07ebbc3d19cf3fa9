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
import { add, flatten, jit, type Jitted, matmul, type Tensor, trace, transpose, type Tree, unflatten, vjp } from "@ostl/autodiff";
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
 * What one backward step returns: the other params' gradients, the state cotangent and each
 * factor's c (the program's own buffers).
 *
 * @example
 * ```ts
 * import { FactoredStepVjp, Network, type FactoredStepGradients } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { rnn, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(0));
 * const vjp = FactoredStepVjp.make(net, params, net.initialState(), tensor([1, 0]), tensor([0.5]))!;
 * const out: FactoredStepGradients = vjp.run(params, net.initialState(), tensor([1, 0]), tensor([0.5]), net.initialState());
 * console.log(out.rest.map((g) => g.shape), out.state.layer0!.h!.shape, out.cotangents.length, out.computedU.map((u) => u?.shape ?? null)); // [[3], [1]] [3] 3 [null, null, [3]]
 * ```
 */
export interface FactoredStepGradients {
  readonly rest: core.NDArray[];
  readonly state: NetworkState;
  readonly cotangents: core.NDArray[];
  /** Per factor, the value of a u computed in the step (null for the others). */
  readonly computedU: (core.NDArray | null)[];
}

/**
 * The factored backward step of a network for one signature of (params, state, x, target), or
 * null when no weight factors (a batched step, whose u is a matrix; weights that enter other than
 * once as W u).
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
 * const out = vjp.run(params, net.initialState(), tensor([1, 0]), tensor([0.5]), net.initialState());
 * console.log(out.cotangents.map((c) => c.shape[0])); // [3, 3, 3, 3, 3, 3, 3, 3, 1]
 * ```
 */
export class FactoredStepVjp {
  private constructor(
    readonly factors: readonly StepFactor[],
    /** The params' leaves that do not factor, in flatten order: `rest` follows it. */
    readonly restLeaves: readonly number[],
    private readonly program: Jitted<[core.NDArray[], core.NDArray[], NetworkState, Tensor, Tensor, NetworkState], [core.NDArray[], NetworkState, core.NDArray[], core.NDArray[]]>,
  ) {}

  /** Traces the network's step and loss at these arguments and finds its factored weights; null when none factors. */
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
    if (found.length === 0) return null;
    const factors: StepFactor[] = found.map((f) => ({ leaf: leaves.paths.indexOf(f.param), u: f.u.kind === "computed" ? { kind: "computed" } : f.u, transposed: f.transposed }));
    // the variables holding computed u's, observed during the replay
    const computedIds = found.flatMap((f) => (f.u.kind === "computed" ? [f.u.id] : []));
    const factoredLeaves = new Set(factors.map((f) => f.leaf));
    const restLeaves = leaves.leaves.map((_, i) => i).filter((i) => !factoredLeaves.has(i));
    const program = jit(
      (rest: core.NDArray[], weights: core.NDArray[], s: NetworkState, xt: Tensor, yt: Tensor, stateCotangent: NetworkState) => {
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
          { out: { loss: core.NDArray }; us: core.NDArray[] },
          (cotangent: Tree) => [core.NDArray[], NetworkState, core.NDArray[]],
        ];
        const [gRest, gState, cs] = pullback({ out: { loss: core.ones([], out.out.loss.dtype), state: stateCotangent }, us: out.us.map(() => 0) } as unknown as Tree);
        return [gRest, gState, cs, out.us] as [core.NDArray[], NetworkState, core.NDArray[], core.NDArray[]];
      },
      // the params' leaves come as new arrays when they change (see StepPrograms)
      { reuseOutputs: true, fixedArguments: [0, 1] },
    );
    return new FactoredStepVjp(factors, restLeaves, program);
  }

  /**
   * One backward step: the gradients of the params in `restLeaves`, the previous state's
   * cotangent and each factor's c, for the cotangent `stateCotangent` of the next state (the
   * loss's cotangent is 1). Outputs are the program's buffers, overwritten by the next call.
   */
  run(params: NetworkParams, state: NetworkState, x: Tensor, target: Tensor, stateCotangent: NetworkState): FactoredStepGradients {
    const leaves = flatten(params as Tree).leaves as core.NDArray[];
    const [rest, gs, cotangents, us] = this.program(this.restLeaves.map((i) => leaves[i]!), this.factors.map((f) => leaves[f.leaf]!), state, x, target, stateCotangent);
    let next = 0;
    return { rest, state: gs, cotangents, computedU: this.factors.map((f) => (f.u.kind === "computed" ? us[next++]! : null)) };
  }
}
