import * as core from "@ostl/core";
import { OstlError, PRNG } from "@ostl/core";
import type { Tensor } from "@ostl/autodiff";
import type { AlgorithmName } from "./algorithm.js";
import { checkChoice, checkOptions } from "../model/options.js";
import type { Network, NetworkParams, NetworkState } from "../model/network.js";
import { Ostl } from "./ostl.js";
import type { TraceScope } from "../traces/eligibility.js";
import { seedOption } from "./random-signs.js";

/**
 * Options of {@link Eprop}.
 *
 * @example
 * ```ts
 * import { Eprop, type EpropOptions, Network } from "@ostl/ostl";
 * import { mse, snu } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: snu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const options: EpropOptions = { feedback: "random", seed: 4 };
 * console.log(new Eprop(net, options).approximation); // e-prop: each unit's own eligibility traces; random feedback (seed 4)
 * ```
 */
export interface EpropOptions {
  /**
   * Where the learning signal comes from: `"symmetric"` (default), the error sent back through
   * the readout's transpose, L_t = W_roᵀ ∂E_t/∂logits_t (through the layers above at the same
   * step for a lower layer); `"random"`, a fixed random matrix per layer instead,
   * L^l_t = B^l ∂E_t/∂logits_t, B^l of shape [n_l, K] with entries drawn from N(0, 1/K).
   */
  feedback?: "symmetric" | "random";
  /** Seed of the random feedback matrices (a non-negative integer; default 0). */
  seed?: number;
}

/**
 * A variant of e-prop's scheme: its registry name, what its traces keep of a dense temporal
 * Jacobian, its default feedback, and how its approximation starts.
 *
 * @example
 * ```ts
 * import type { EpropVariant } from "@ostl/ostl";
 * const variant: EpropVariant = { name: "rflo", scope: "leak", feedback: "random", traces: "RFLO: each unit's own leak" };
 * console.log(variant.scope); // leak
 * ```
 */
export interface EpropVariant {
  readonly name: "eprop" | "rflo";
  readonly scope: TraceScope;
  readonly feedback: "symmetric" | "random";
  readonly traces: string;
}

const E_PROP: EpropVariant = { name: "eprop", scope: "unit", feedback: "symmetric", traces: "e-prop: each unit's own eligibility traces" };

/**
 * e-prop (Bellec et al., Nat. Commun. 2020): eligibility traces from each unit's own state
 * dynamics, the diagonal blocks of the temporal Jacobian (for a unit with several state fields,
 * its block across them), combined online with a learning signal from the output error:
 *
 *   ε_t = J_t^own ε_{t-1} + I_t^own,   e_t = ∂y_t/∂s_t^own ε_{t-1} + ∂y_t/∂θ,   ∇θ ≈ Σ_t L_t · e_t,
 *
 * with L_t = B ∂E_t/∂logits_t, B the readout's transpose (symmetric e-prop) or a fixed random
 * matrix (random e-prop). The traces are those of OSTL's diagonal approximation, so symmetric
 * e-prop is that approximation, and on a layer whose temporal Jacobian is diagonal (an SNU without
 * recurrent weights) it equals OSTL, and for one layer BPTT. Random e-prop sends the output error
 * to every layer directly through its own matrix B^l, as broadcast alignment does. The readout's
 * gradient is exact. For a leaky readout, wrap the top layer's cell with `leakyOutput`: the
 * traces of its filtered output are the paper's filtered traces ē_t = κ ē_{t−1} + e_t. Costs what OSTL's diagonal traces cost: memory of the parameters' own size
 * per state field, work of the order of a forward step.
 *
 * @example
 * ```ts
 * import { Bptt, Eprop, Network } from "@ostl/ostl";
 * import { allClose, PRNG, tensor } from "@ostl/core";
 * import { mse, snu } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: snu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(0));
 * const gradientOf = (algo: Bptt | Eprop) => {
 *   algo.begin(params);
 *   algo.feed([tensor([1, 0]), tensor([0.5, 1]), tensor([1, 1])], [tensor([1]), tensor([0]), tensor([1])]);
 *   return algo.gradients().layer0!.W!;
 * };
 * // one layer of a diagonal cell: symmetric e-prop is exact; random feedback is not
 * console.log(allClose(gradientOf(new Eprop(net)), gradientOf(new Bptt(net))), allClose(gradientOf(new Eprop(net, { feedback: "random" })), gradientOf(new Bptt(net)))); // true false
 * ```
 */
export class Eprop extends Ostl {
  override readonly name: AlgorithmName;
  /** Null where the traces and signals are OSTL's (symmetric feedback, every layer's temporal Jacobian diagonal), else what is approximated. */
  override readonly approximation: string | null;
  private readonly feedback: "symmetric" | "random";
  private readonly seed: number;
  private readonly scope: TraceScope;
  /** The random feedback matrices B^l, drawn at the first step (of the params' dtype). */
  private feedbackMatrices: core.NDArray[] | null = null;

  /**
   * `variant`: what the traces keep and how the algorithm is named (RFLO, see {@link Rflo}).
   *
   * @throws {@link ValueError} for an unknown option or feedback; {@link OstlError} for a seed that is not a non-negative integer.
   */
  constructor(network: Network, options: EpropOptions = {}, variant: EpropVariant = E_PROP) {
    checkOptions(variant.name, options, ["feedback", "seed"]);
    checkChoice(variant.name, "feedback", options.feedback, ["symmetric", "random"]);
    const seed = seedOption(variant.name, options.seed);
    super(network, { approximation: "diagonal" });
    this.name = variant.name;
    this.scope = variant.scope;
    this.feedback = options.feedback ?? variant.feedback;
    this.seed = seed;
    const exact = this.feedback === "symmetric" && this.plan.every((p) => !p.approximate);
    this.approximation = exact ? null : `${variant.traces}; ${this.feedback === "random" ? `random feedback (seed ${seed})` : "symmetric feedback"}`;
  }

  protected override traceScope(): TraceScope {
    return this.scope;
  }

  /** Symmetric: OSTL's signals. Random: B^l ḡ for every layer l. */
  protected override layerSignals(params: NetworkParams, previous: NetworkState, outputs: Tensor[], topSignal: Tensor, logitsCotangent: core.NDArray): Tensor[] {
    if (this.feedback === "symmetric") return super.layerSignals(params, previous, outputs, topSignal, logitsCotangent);
    const matrices = this.matricesFor(logitsCotangent.dtype, logitsCotangent.size);
    return matrices.map((B) => core.matmul(B, logitsCotangent));
  }

  private matricesFor(dtype: core.DType, outputs: number): core.NDArray[] {
    if (this.feedbackMatrices !== null && this.feedbackMatrices[0]!.dtype === dtype) return this.feedbackMatrices;
    const rng = new PRNG(this.seed);
    const std = 1 / Math.sqrt(outputs);
    return (this.feedbackMatrices = this.network.spec.layers.map((layer) => core.astype(rng.normal([layer.hiddenSize, outputs], 0, std), dtype)));
  }

  /** The traces, and the random feedback matrices once drawn. */
  override memoryFloats(): number {
    return super.memoryFloats() + (this.feedbackMatrices?.reduce((n, B) => n + B.size, 0) ?? 0);
  }
}
