import * as core from "@ostl/core";
import { OstlError, PRNG } from "@ostl/core";
import { type Tensor, type Tree, jit, jvp, reshape } from "@ostl/autodiff";
import { denseValues, type GradientAlgorithm } from "./algorithm.js";
import { FlatGradientAlgorithm } from "./flat-gradient.js";
import { norm, randomSign, seedOption } from "./random-signs.js";
import { networkStep, recurrentParams } from "./rtrl.js";
import { entriesOf, type InfluenceStepOf, type ParamPullback, paramPullback } from "../programs/influence-program.js";
import { ReadoutSignals } from "../programs/step-programs.js";
import { TreeLayout } from "../model/tree-layout.js";
import { checkOptions } from "../model/options.js";
import type { Network, NetworkParams, NetworkState } from "../model/network.js";

/**
 * Options of {@link Uoro}.
 *
 * @example
 * ```ts
 * import { Network, Uoro, type UoroOptions } from "@ostl/ostl";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const options: UoroOptions = { seed: 7 };
 * console.log(new Uoro(net, options).approximation); // UORO: unbiased rank-one estimate of the influence matrix (random signs, seed 7)
 * ```
 */
export interface UoroOptions {
  /** Seed of the random signs ν_t (a non-negative integer; default 0). The same seed gives the same numbers, however the steps are fed. */
  seed?: number;
}

/** The step's value with the tangent of its state along s̃ (J s̃ and J_y s̃), as flat vectors. */
type TangentStep = (state: Tree, params: Tree, x: Tensor, tangent: Tree) => { state: Tree; y: Tensor; stateTangent: Tensor; outputTangent: Tensor };

/** The step with J s̃ and J_y s̃ by one forward-mode pass over the state (one direction). */
function tangentStepOf(step: InfluenceStepOf): TangentStep {
  return (state, params, x, tangent) => {
    const [out, tangents] = jvp((s: Tree) => step(s, params, x) as unknown as Tree, [state], [tangent]) as unknown as [{ state: Tree; y: Tensor }, { state: Tree; y: Tensor }];
    return { state: out.state, y: out.y, stateTangent: entriesOf(tangents.state), outputTangent: reshape(tangents.y, [-1]) };
  };
}

/** √(a / b), or 1 where either norm is zero (the first step, a step that reaches no parameter): any positive factor keeps the estimate unbiased. */
function balance(a: number, b: number): number {
  return a > 0 && b > 0 ? Math.sqrt(a / b) : 1;
}

/**
 * Unbiased Online Recurrent Optimization (Tallec and Ollivier, ICLR 2018): the influence matrix
 * M_t = dS_t/dθ of the whole network's state S with respect to every recurrent parameter is
 * carried as a rank-one estimate s̃_t θ̃_tᵀ whose expectation over the random signs is M_t:
 *
 *   s̃_t = ρ₀ J_t s̃_{t-1} + ρ₁ ν_t,   θ̃_t = θ̃_{t-1} / ρ₀ + (ν_tᵀ I_t) / ρ₁,
 *
 * ν_t of independent ±1 entries from a seeded PRNG, J_t = ∂S_t/∂S_{t-1}, I_t = ∂S_t/∂θ,
 * ρ₀ = √(‖θ̃_{t-1}‖ / ‖J_t s̃_{t-1}‖) and ρ₁ = √(‖ν_tᵀ I_t‖ / ‖ν_t‖) (the variance-minimizing
 * balance; 1 where a norm is zero). The gradient of step t is estimated from M_{t-1}:
 *
 *   (L_t · J_y s̃_{t-1}) θ̃_{t-1} + L_tᵀ ∂y_t/∂θ,   L_t = ∂E_t/∂y_t,
 *
 * unbiased because s̃_{t-1} θ̃_{t-1}ᵀ is and the second term is exact. The readout's gradient is
 * exact. Per step: one forward-mode pass over the state with one direction (J s̃ and J_y s̃) and
 * two reverse passes over the params (ν_tᵀ I_t and L_tᵀ ∂y_t/∂θ), each a compiled program (or
 * interpreted where the step reads its traced values); memory |S| + P floats, against RTRL's |S|·P.
 * The estimate is noisy: its variance grows with the sequence and the network.
 *
 * A batch is carried as one joint state (every example's entries in S): the estimate of the
 * batch's summed gradient stays unbiased.
 *
 * @example
 * ```ts
 * import { Network, Rtrl, Uoro } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(1));
 * const gradientOf = (seed: number) => {
 *   const uoro = new Uoro(net, { seed });
 *   uoro.begin(params);
 *   uoro.feed([tensor([1, 0]), tensor([0, 1]), tensor([1, 1])], [tensor([1]), tensor([0]), tensor([1])]);
 *   return uoro.gradients().layer0!.U!.data[0]!;
 * };
 * // the same seed gives the same estimate; the estimates of many seeds average to RTRL's gradient
 * console.log(gradientOf(3) === gradientOf(3), new Uoro(net).memoryFloats()); // true 0
 * ```
 */
export class Uoro extends FlatGradientAlgorithm implements GradientAlgorithm {
  readonly name = "uoro" as const;
  readonly approximation: string;
  private readonly seed: number;
  private rng: PRNG;
  private readonly signals: ReadoutSignals;
  /** The whole network's step as one function of state, recurrent params and input. */
  private readonly stepOfNetwork: InfluenceStepOf;
  private layout: TreeLayout | null = null;
  /** s̃ (|S|), θ̃ (P) and ν (|S|, with |y| zeros after it for the pullback's seed). */
  private stateTilde: Float64Array | null = null;
  private paramTilde: Float64Array | null = null;
  private nu: core.NDArray | null = null;
  private outputSeed: core.NDArray | null = null;

  /** @throws {@link ValueError} for an unknown option; {@link OstlError} for a seed that is not a non-negative integer. */
  constructor(network: Network, options: UoroOptions = {}) {
    super(network, "uoro");
    checkOptions("uoro", options, ["seed"]);
    const seed = seedOption("uoro", options.seed);
    this.seed = seed;
    this.rng = new PRNG(seed);
    this.signals = new ReadoutSignals(network);
    this.stepOfNetwork = networkStep(network);
    this.approximation = `UORO: unbiased rank-one estimate of the influence matrix (random signs, seed ${seed})`;
  }

  begin(params: NetworkParams, state?: NetworkState): void {
    this.beginBase(params, state);
    this.layout = new TreeLayout(recurrentParams(this.network, this.params!) as Tree);
    this.stateTilde = this.paramTilde = null;
    this.sums.clear();
  }

  /** The step with its state tangent, and the reverse pass over the params (compiled, or interpreted). */
  private programsFor(compiled: boolean): { tangentStep: TangentStep; pullback: ParamPullback } {
    const tangentStep = tangentStepOf(this.stepOfNetwork);
    return { tangentStep: compiled ? (jit(tangentStep) as unknown as TangentStep) : tangentStep, pullback: paramPullback(this.stepOfNetwork, true, compiled) };
  }

  step(x: Tensor, target: Tensor): number {
    const params = this.requireParams();
    const state = this.prepareStep(x, target);
    const recurrent = recurrentParams(this.network, params) as Tree;
    const stateLayout = new TreeLayout(state as Tree);
    const S = stateLayout.size;
    const P = this.layout!.size;
    const dtype = (params.readout!.W as core.NDArray).dtype;
    if (this.stateTilde === null) [this.stateTilde, this.paramTilde] = [new Float64Array(S), new Float64Array(P)];
    const stateTilde = this.stateTilde;
    const paramTilde = this.paramTilde!;
    const tangent = stateLayout.split(core.astype(core.fromTyped(stateTilde, [S]), dtype)) as Tree;
    const { programs, out } = this.withPrograms((compiled) => this.programsFor(compiled), (p) => p.tangentStep(state as Tree, recurrent, x, tangent));
    const { loss, signal, logitsCotangent } = this.signals.of(params.readout!, out.y, target);
    const Y = out.y.size;
    const L = denseValues(signal);
    // the gradient from M_{t-1} ≈ s̃ θ̃ᵀ: (L · J_y s̃) θ̃ + Lᵀ ∂y_t/∂θ
    const outputTangent = denseValues(out.outputTangent as core.NDArray);
    let along = 0;
    for (let j = 0; j < Y; j++) along += L[j]! * outputTangent[j]!;
    const seed = (this.outputSeed = this.outputSeed?.size === S + Y && this.outputSeed.dtype === dtype ? this.outputSeed : core.zeros([S + Y], dtype));
    seed.data.fill(0);
    seed.data.set(L, S);
    const direct = denseValues(programs.pullback(state as Tree, recurrent, x, seed) as core.NDArray);
    const sum = this.sums.recurrent(P);
    for (let p = 0; p < P; p++) sum[p]! += along * paramTilde[p]! + direct[p]!;
    // the new rank-one estimate: ν_t, then νᵀ I_t (the pullback's output array is reused: read it before the next call)
    const nu = (this.nu = this.nu?.size === S + Y && this.nu.dtype === dtype ? this.nu : core.zeros([S + Y], dtype));
    for (let i = 0; i < S; i++) nu.data[i] = randomSign(this.rng);
    const projected = denseValues(programs.pullback(state as Tree, recurrent, x, nu) as core.NDArray);
    const advanced = denseValues(out.stateTangent as core.NDArray);
    const rho0 = balance(norm(paramTilde), norm(advanced));
    const rho1 = balance(norm(projected), Math.sqrt(S));
    for (let i = 0; i < S; i++) stateTilde[i] = rho0 * advanced[i]! + rho1 * nu.data[i]!;
    for (let p = 0; p < P; p++) paramTilde[p] = paramTilde[p]! / rho0 + projected[p]! / rho1;
    return this.endStep(logitsCotangent, out.y as core.NDArray, out.state as NetworkState, loss);
  }

  /** Drops s̃ and θ̃; the signs start again from the seed. */
  protected forget(): void {
    this.stateTilde = this.paramTilde = null;
    this.rng = new PRNG(this.seed);
  }

  /** s̃ and θ̃: |S| + P floats (0 before the first step). */
  memoryFloats(): number {
    return this.stateTilde === null ? 0 : this.stateTilde.length + this.paramTilde!.length;
  }
}
