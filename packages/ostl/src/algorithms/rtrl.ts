import * as core from "@ostl/core";
import { type Tensor, type Tree, ValueReadError, matmul, reshape } from "@ostl/autodiff";
import { AlgorithmBase, addTrees, type GradientAlgorithm } from "./algorithm.js";
import { ReadoutGradient } from "./readout-gradient.js";
import { type InfluenceStepFn, propagateInfluence } from "../traces/influence.js";
import { CompiledInfluence, type InfluenceStepOf } from "../programs/influence-program.js";
import { ReadoutSignals } from "../programs/step-programs.js";
import { layerStructure, outputStateField } from "../analysis/structure.js";
import type { TensorRecord } from "../model/cell.js";
import { TreeLayout } from "../model/tree-layout.js";
import { checkOptions } from "../model/options.js";
import { layerKey, type Network, type NetworkArrays, type NetworkParams, type NetworkState } from "../model/network.js";

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
 * The whole network's step as a function of its state, its recurrent params and the input: every
 * layer in turn, y the top layer's output (what RTRL and UORO carry the influence of).
 *
 * @example
 * ```ts
 * import { Network, networkStep, recurrentParams } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }, { cell: rnn(), hiddenSize: 2 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(0));
 * const out = networkStep(net)(net.initialState(), recurrentParams(net, params), tensor([1, 0]));
 * console.log(Object.keys(out.state), out.y.shape); // ["layer0", "layer1"] [2]
 * ```
 */
export function networkStep(net: Network): InfluenceStepOf {
  return (state: Tree, recurrent: Tree, x: Tensor) => {
    const s = state as NetworkState;
    const next: Record<string, TensorRecord> = {};
    let input = x;
    for (let l = 0; l < net.depth; l++) {
      const r = net.layerStep(l, (recurrent as NetworkParams)[layerKey(l)]!, s[layerKey(l)]!, input);
      next[layerKey(l)] = r.state;
      input = r.y;
    }
    return { state: next as Tree, y: input };
  };
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
 * state S with respect to all recurrent params θ, M_t = (∂S_t/∂S_{t-1}) M_{t-1} + ∂S_t/∂θ, and
 * accumulates Σ_t (∂E_t/∂y_t)(dy_t/dθ), y the top layer's output. The recurrence runs as the
 * compiled programs of {@link CompiledInfluence} over the network's step, the readout's loss and
 * learning signal as the compiled program OSTL uses; a step that reads the values of its traced
 * arguments runs interpreted instead, as one batched forward-mode pass with P tangent directions
 * (see propagateInfluence). Exact and online; costs O(P·|S|) memory and O(P·|S|²) work per step.
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
  /** The compiled recurrence (made at the first step); null once the step proved uncompilable. */
  private compiled: CompiledInfluence | null | undefined = undefined;
  /** The interpreted recurrence's identity tangents and influence. */
  private identity: Tree | null = null;
  private influence: Tree | null = null;
  private accumulated: NetworkParams | null = null;
  /** The readout's gradient: Σ_t ḡ_t y_tᵀ for W_ro and Σ_t ḡ_t for b_ro (ḡ = ∂E_t/∂logits). */
  private readonly readoutSum = new ReadoutGradient();
  private readonly signals: ReadoutSignals;

  /** @throws {@link ValueError} for any option: RTRL has none (the parameter exists so that a misspelt one is not ignored). */
  constructor(network: Network, options: { readonly [key: string]: never } = {}) {
    super(network, "rtrl");
    checkOptions("rtrl", options, []);
    this.signals = new ReadoutSignals(network);
  }

  begin(params: NetworkParams, state?: NetworkState): void {
    this.beginBase(params, state);
    this.layout = new TreeLayout(recurrentParams(this.network, this.params!) as Tree);
    this.identity = null;
    this.influence = null;
    this.accumulated = null;
    this.readoutSum.clear();
    if (this.compiled) this.compiled.reset();
  }

  step(x: Tensor, target: Tensor): number {
    const params = this.requireParams();
    const state = this.prepareStep(x, target);
    const recurrent = recurrentParams(this.network, params);
    const compiled = this.compiledInfluence();
    let out: { state: NetworkState; y: Tensor } | null = null;
    if (compiled !== null) {
      try {
        out = compiled.advance(state as Tree, recurrent as Tree, x) as { state: NetworkState; y: Tensor };
      } catch (error) {
        // programs are traced at a sequence's first step: a later refusal would lose the influence
        if (!(error instanceof ValueReadError) || this.count > 0) throw error;
        this.compiled = null;
      }
    }
    const interpreted = out === null ? this.advanceInterpreted(params, state, recurrent, x) : null;
    out ??= interpreted!.out;
    const { loss, signal, logitsCotangent } = this.signals.of(params.readout!, out.y, target);
    if (interpreted === null) compiled!.accumulate(signal);
    else {
      const g = this.layout!.split(contractTangents(interpreted.output, signal)) as NetworkParams;
      this.accumulated = this.accumulated === null ? g : addTrees(this.accumulated, g);
    }
    this.readoutSum.add(logitsCotangent, out.y as core.NDArray);
    this.current = out.state;
    this.count++;
    return loss.item();
  }

  /** The compiled recurrence, made on the first step: y's rows are the top layer's state field that y is, when it is one. */
  private compiledInfluence(): CompiledInfluence | null {
    if (this.compiled !== undefined) return this.compiled;
    const net = this.network;
    const top = net.depth - 1;
    const field = outputStateField(layerStructure(net, top));
    return (this.compiled = new CompiledInfluence(networkStep(net), field === null ? null : `${layerKey(top)}.${field}`));
  }

  /** One step of the recurrence by the interpreted batched forward-mode pass. */
  private advanceInterpreted(params: NetworkParams, state: NetworkState, recurrent: NetworkParams, x: Tensor): { out: { state: NetworkState; y: Tensor }; output: core.NDArray } {
    const net = this.network;
    const layout = this.layout!;
    const P = layout.size;
    const influence = this.influence ?? new TreeLayout(state as Tree).zeroTangents(P);
    const advance = (s: NetworkState, rec: NetworkParams) => {
      const r = net.step({ ...params, ...rec }, s, x);
      return { state: r.state, y: r.layerOutputs[net.depth - 1]! };
    };
    const next = propagateInfluence(advance as InfluenceStepFn, state, recurrent, influence, (this.identity ??= layout.identityTangents()), P);
    this.influence = next.influence;
    return { out: next.out as { state: NetworkState; y: Tensor }, output: next.output };
  }
  gradients(): NetworkArrays {
    this.requireStepsForGradients();
    const recurrent = this.compiled ? (this.layout!.split(this.compiled.gradient()!) as NetworkParams) : this.accumulated!;
    return { ...recurrent, readout: this.readoutSum.values() };
  }

  takeGradients(): NetworkArrays {
    const g = this.gradients();
    this.accumulated = null;
    this.readoutSum.clear();
    this.compiled?.clearGradient();
    return g;
  }

  reset(): void {
    this.params = null;
    this.current = null;
    this.count = 0;
    this.influence = null;
    this.accumulated = null;
    this.readoutSum.clear();
    this.compiled?.reset();
  }

  memoryFloats(): number {
    if (this.compiled) return this.compiled.floats();
    return this.influence === null ? 0 : new TreeLayout(this.influence).size;
  }
}
