import * as core from "@ostl/core";
import { type Tensor, type Tree, vjp, matmul, reshape } from "@ostl/autodiff";
import { AlgorithmBase, addTrees, type GradientAlgorithm } from "./algorithm.js";
import { type InfluenceStepFn, propagateInfluence } from "../traces/influence.js";
import { TreeLayout } from "../model/tree-layout.js";
import { checkOptions } from "../model/options.js";
import { layerKey, type Network, type NetworkParams, type NetworkState } from "../model/network.js";

/**
 * The recurrent params (every layer's, not the readout's) of a network's params.
 *
 * @example
 * ```ts
 * import { Network, recurrentParams } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }, { cell: rnn(), hiddenSize: 2 }], outputSize: 1, loss: mse });
 * console.log(Object.keys(recurrentParams(net, net.init(new PRNG(0))))); // ["layer0", "layer1"]
 * ```
 */
export function recurrentParams(network: Network, params: NetworkParams): NetworkParams {
  const out: Record<string, NetworkParams[string]> = {};
  for (let l = 0; l < network.depth; l++) out[layerKey(l)] = params[layerKey(l)]!;
  return out;
}

/**
 * Contracts a tangent stack `[P, ...shape]` with a cotangent `[...shape]`: `g_p = Σ_j dY[p, j] ct[j]`.
 *
 * @example
 * ```ts
 * import { contractTangents } from "@ostl/ostl";
 * import { tensor } from "@ostl/core";
 * // three tangent directions of a value of shape [2], against the cotangent [3, 4]
 * console.log(contractTangents(tensor([[1, 0], [0, 2], [1, 1]]), tensor([3, 4])).toNested()); // [3, 8, 7]
 * ```
 */
export function contractTangents(tangents: Tensor, cotangent: Tensor): core.NDArray {
  const p = tangents.shape[0]!;
  return matmul(reshape(tangents, [p, -1]), reshape(cotangent, [-1])) as core.NDArray;
}

/**
 * Real-time recurrent learning: carries the influence matrix M_t = dS_t/dθ of the whole network's
 * state S with respect to all recurrent params θ, M_t = (∂S_t/∂S_{t-1}) M_{t-1} + ∂S_t/∂θ, as one
 * batched forward-mode pass per step (P tangent directions, P = number of recurrent params), and
 * accumulates Σ_t (∂E_t/∂y_t)(dy_t/dθ) (see propagateInfluence). Exact and online; costs O(P·|S|) memory and O(P) forward
 * passes' work per step.
 *
 * @example
 * ```ts
 * import { Network, Rtrl } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { gru, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: gru(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const rtrl = new Rtrl(net);
 * rtrl.begin(net.init(new PRNG(2)));
 * rtrl.step(tensor([1, 2]), tensor([0]));
 * const grads = rtrl.gradients();
 * console.log(Object.keys(grads)); // ["layer0", "readout"]
 * // the influence matrix: one row per recurrent parameter (57 here), one column per state entry (3)
 * console.log(rtrl.memoryFloats()); // 171
 * ```
 */
export class Rtrl extends AlgorithmBase implements GradientAlgorithm {
  readonly name = "rtrl" as const;
  readonly approximation = null;
  private layout: TreeLayout | null = null;
  private identity: Tree | null = null;
  private influence: Tree | null = null;
  private accumulated: NetworkParams | null = null;

  /** @throws {@link ValueError} for any option: RTRL has none (the parameter exists so that a misspelt one is not ignored). */
  constructor(network: Network, options: { readonly [key: string]: never } = {}) {
    super(network, "rtrl");
    checkOptions("rtrl", options, []);
  }

  begin(params: NetworkParams, state?: NetworkState): void {
    this.beginBase(params, state);
    const recurrent = recurrentParams(this.network, params);
    this.layout = new TreeLayout(recurrent as Tree);
    this.identity = this.layout.identityTangents();
    this.influence = null;
    this.accumulated = null;
  }

  step(x: Tensor, target: Tensor): number {
    const params = this.requireParams();
    const state = this.prepareStep(x, target);
    const layout = this.layout!;
    const net = this.network;
    const P = layout.size;
    const influence = this.influence ?? new TreeLayout(state as Tree).zeroTangents(P);
    const advance = (s: NetworkState, rec: NetworkParams) => {
      const r = net.step({ ...params, ...rec }, s, x);
      return { state: r.state, y: r.layerOutputs[net.depth - 1]! };
    };
    const next = propagateInfluence(advance as InfluenceStepFn, state, recurrentParams(net, params), influence, this.identity!, P);
    const out = next.out as { state: NetworkState; y: Tensor };
    const readoutLoss = (y: Tensor, ro: NetworkParams[string]) => net.spec.loss(net.readout({ readout: ro }, y), target);
    const [loss, pullback] = vjp(readoutLoss as (...a: Tree[]) => Tensor, out.y, params.readout!);
    const [ctY, gReadout] = pullback(core.ones([], layout.dtype)) as [Tensor, Tree];
    const gRecurrent = layout.split(contractTangents(next.output, ctY));
    const g = { ...(gRecurrent as NetworkParams), readout: gReadout as NetworkParams[string] };
    this.accumulated = this.accumulated === null ? g : addTrees(this.accumulated, g);
    this.influence = next.influence;
    this.current = out.state;
    this.count++;
    return (loss as core.NDArray).item();
  }

  gradients(): NetworkParams {
    this.requireStepsForGradients();
    return this.accumulated ?? (new TreeLayout(this.params as Tree).zeros() as NetworkParams);
  }

  takeGradients(): NetworkParams {
    const g = this.gradients();
    this.accumulated = null;
    return g;
  }

  reset(): void {
    this.params = null;
    this.current = null;
    this.count = 0;
    this.influence = null;
    this.accumulated = null;
  }

  memoryFloats(): number {
    return this.influence === null ? 0 : new TreeLayout(this.influence).size;
  }
}
