import * as core from "@ostl/core";
import { OstlError, PRNG } from "@ostl/core";
import { type Tensor, type Tree, jit, jvp, reshape, unflatten } from "@ostl/autodiff";
import { denseValues, type GradientAlgorithm } from "./algorithm.js";
import { FlatGradientAlgorithm } from "./flat-gradient.js";
import { norm, randomSign, seedOption } from "./random-signs.js";
import { networkStep, recurrentParams } from "./rtrl.js";
import { findRowFactors } from "../analysis/factors.js";
import { layerStructure } from "../analysis/structure.js";
import { StepInputs } from "../analysis/step-inputs.js";
import { type InfluenceStepOf, rowsOf } from "../programs/influence-program.js";
import { ReadoutSignals } from "../programs/step-programs.js";
import { TreeLayout } from "../model/tree-layout.js";
import { checkOptions } from "../model/options.js";
import { layerKey, type Network, type NetworkParams, type NetworkState } from "../model/network.js";

/**
 * Options of {@link KfRtrl}.
 *
 * @example
 * ```ts
 * import { KfRtrl, type KfRtrlOptions, Network } from "@ostl/ostl";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const options: KfRtrlOptions = { seed: 2 };
 * console.log(new KfRtrl(net, options).approximation); // KF-RTRL: unbiased Kronecker-factored estimate of the influence of W, U (random signs, seed 2)
 * ```
 */
export interface KfRtrlOptions {
  /** Seed of the random signs (a non-negative integer; default 0). */
  seed?: number;
}

/** One factored parameter W (z = W u, W of shape [r, q]) and where its u and its entries lie. */
interface Factor {
  readonly param: string;
  readonly rows: number;
  readonly columns: number;
  /** The graph input u is, or a constant u. */
  readonly u: { readonly input: number } | { readonly value: core.NDArray };
  /** W's first entry among the flat params. */
  readonly offset: number;
}

/** The batched forward-mode pass: the step and the tangents of its state entries ([B, S]) and of y ([B, |y|]). */
type TangentsStep = (state: Tree, params: Tree, x: Tensor, stateTangents: Tree, paramTangents: Tree) => { state: Tree; y: Tensor; stateTangents: Tensor; outputTangents: Tensor };

function tangentsStepOf(step: InfluenceStepOf, directions: number): TangentsStep {
  return (state, params, x, stateTangents, paramTangents) => {
    const [out, tangents] = jvp((s: Tree, p: Tree) => step(s, p, x) as unknown as Tree, [state, params], [stateTangents, paramTangents], { batch: directions }) as unknown as [
      { state: Tree; y: Tensor },
      { state: Tree; y: Tensor },
    ];
    return { state: out.state, y: out.y, stateTangents: rowsOf(tangents.state, directions), outputTangents: reshape(tangents.y, [directions, -1]) };
  };
}

/** A `[B, size]` matrix split into a tree of `[B, ...shape]` leaves of `layout`. */
function splitRows(layout: TreeLayout, rows: core.NDArray): Tree {
  const B = rows.shape[0]!;
  return unflatten(layout.def, layout.shapes.map((shape, j) => core.reshape(core.contiguous(core.slice(rows, [0, layout.offsets[j]!], [B, layout.offsets[j]! + layout.sizes[j]!])), [B, ...shape]))) as Tree;
}

/**
 * Kronecker-factored RTRL (Mujika, Meier and Steger, NeurIPS 2018), for a network of one recurrent
 * layer. The influence of a parameter W that enters the step as a product z = W u (found by the
 * analysis: `findRowFactors`, u the layer input or a previous-state field) is carried as a
 * Kronecker product, M^W_t[k, (i, j)] ≈ A_t[k, i] ũ_t[j], A_t of shape |S| × rows(W):
 *
 *   ũ_t = c₁ p₁ ũ_{t-1} + c₂ p₂ u_t,   A_t = (c₁ / p₁) J_t A_{t-1} + (c₂ / p₂) D_t,
 *
 * c₁, c₂ independent random signs (seeded), D_t = ∂S_t/∂z_t, p₁ = √(‖J_t A_{t-1}‖ / ‖ũ_{t-1}‖),
 * p₂ = √(‖D_t‖ / ‖u_t‖) (where a term is zero the other is kept alone, exactly). Its expectation
 * is RTRL's influence: unbiased. The other parameters (biases, anything not a product) keep RTRL's
 * exact influence columns. The gradient of step t comes from M_{t-1} as
 * (L·J^y A_{t-1}) ⊗ ũ_{t-1} + (L·D^y_t) ⊗ u_t for W, and L·(J^y M_{t-1} + I^y) for the others;
 * the readout's is exact.
 *
 * Per step: one forward-mode pass with 2 Σ rows(W) + P_rest directions (compiled): J A, D and the
 * other parameters' J M + I. Memory Σ_W (|S| rows(W) + |u|) + |S| P_rest floats, against RTRL's
 * |S| P. One example at a time.
 *
 * @throws {@link OstlError} for a network of more than one layer, and for a cell with no
 * parameter that enters as a product W u (KF-RTRL would be RTRL), naming why.
 * @example
 * ```ts
 * import { KfRtrl, Network } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const kf = new KfRtrl(net, { seed: 1 });
 * kf.begin(net.init(new PRNG(0)));
 * kf.feed([tensor([1, 0]), tensor([0, 1])], [tensor([1]), tensor([0])]);
 * // U (3 x 3) and W (3 x 2) as A (3 x 3) and ũ: 9 + 3 and 9 + 2 floats; b's 3 columns of RTRL: 9
 * console.log(kf.gradients().layer0!.U!.shape, kf.memoryFloats()); // [3, 3] 32
 * ```
 */
export class KfRtrl extends FlatGradientAlgorithm implements GradientAlgorithm {
  readonly name = "kfrtrl" as const;
  readonly approximation: string;
  private readonly seed: number;
  private rng: PRNG;
  private readonly factors: readonly Factor[];
  /** The parameter entries that are not in a factored parameter (flat indices), whose influence is exact. */
  private readonly rest: Int32Array;
  private readonly stateSize: number;
  private readonly paramSize: number;
  private readonly paramLayout: TreeLayout;
  private readonly stateLayout: TreeLayout;
  /** The whole network's step as one function of state, recurrent params and input. */
  private readonly stepOfNetwork: InfluenceStepOf;
  private readonly signals: ReadoutSignals;
  /** Per factor: A (|S| x rows, row-major by state entry) and ũ; the rest's influence (|S| x P_rest). */
  private A: Float64Array[] | null = null;
  private uTilde: Float64Array[] | null = null;
  private restInfluence: Float64Array | null = null;

  /** @throws {@link ValueError} for an unknown option; {@link OstlError} for a bad seed, a stack of layers or a cell without a factored parameter. */
  constructor(network: Network, options: KfRtrlOptions = {}) {
    super(network, "kfrtrl");
    checkOptions("kfrtrl", options, ["seed"]);
    const seed = seedOption("kfrtrl", options.seed);
    if (network.depth !== 1) throw new OstlError("kfrtrl", `KF-RTRL is defined for one recurrent layer (Mujika et al.), and this network has ${network.depth}`);
    this.seed = seed;
    this.rng = new PRNG(seed);
    const structure = layerStructure(network, 0);
    const graph = structure.graph;
    const inputs = StepInputs.of(graph);
    const example = network.layerExample(0);
    const matrices = Object.keys(example.params).filter((name) => example.params[name]!.shape.length === 2);
    const found = findRowFactors(graph, matrices, (i) => i === inputs.x || inputs.roles[i]!.kind === "state");
    if (found.length === 0) throw new OstlError("kfrtrl", `no parameter of cell '${network.spec.layers[0]!.cell.name}' enters its step as a product W u with u the input or a previous state (the analysis found none), so there is nothing to factor: use rtrl`);
    this.paramLayout = new TreeLayout({ [layerKey(0)]: example.params } as Tree);
    this.stateLayout = new TreeLayout(network.initialState() as Tree);
    this.factors = found.map((f) => {
      const shape = example.params[f.param]!.shape;
      const at = this.paramLayout.paths.indexOf(`${layerKey(0)}.${f.param}`);
      return { param: f.param, rows: shape[0]!, columns: shape[1]!, u: f.u.kind === "const" ? { value: f.u.value } : { input: f.u.index }, offset: this.paramLayout.offsets[at]! };
    });
    this.stateSize = this.stateLayout.size;
    this.paramSize = this.paramLayout.size;
    const factored = new Set<number>();
    for (const f of this.factors) for (let e = 0; e < f.rows * f.columns; e++) factored.add(f.offset + e);
    this.rest = Int32Array.from(Array.from({ length: this.paramSize }, (_, p) => p).filter((p) => !factored.has(p)));
    this.stepOfNetwork = networkStep(network);
    this.signals = new ReadoutSignals(network);
    this.approximation = `KF-RTRL: unbiased Kronecker-factored estimate of the influence of ${this.factors.map((f) => f.param).join(", ")} (random signs, seed ${seed})`;
  }

  begin(params: NetworkParams, state?: NetworkState): void {
    this.beginBase(params, state);
    this.sums.clear();
    this.forget();
  }

  protected forget(): void {
    this.A = this.uTilde = this.restInfluence = null;
    this.rng = new PRNG(this.seed);
  }

  /** The directions of the forward pass: J A (Σ rows), then D (Σ rows), then the rest's J M + I (P_rest). */
  private get directions(): number {
    return 2 * this.factors.reduce((n, f) => n + f.rows, 0) + this.rest.length;
  }

  step(x: Tensor, target: Tensor): number {
    const params = this.requireParams();
    if (x.shape.length !== 1) throw new OstlError(`kfrtrl.step (t=${this.count})`, `input x has shape [${x.shape.join(",")}]: KF-RTRL runs one example at a time, feed unbatched steps`);
    const state = this.prepareStep(x, target);
    const dtype = (params.readout!.W as core.NDArray).dtype;
    const [S, P, B] = [this.stateSize, this.paramSize, this.directions];
    const recurrent = recurrentParams(this.network, params) as Tree;
    if (this.A === null) {
      this.A = this.factors.map((f) => new Float64Array(S * f.rows));
      this.uTilde = this.factors.map((f) => new Float64Array(f.columns));
      this.restInfluence = new Float64Array(S * this.rest.length);
    }
    const [A, uTilde, restInfluence] = [this.A, this.uTilde!, this.restInfluence!];
    // u_t of every factor, from the step's inputs
    const inputs = StepInputs.of(layerStructure(this.network, 0).graph).values(params[layerKey(0)]!, (state as NetworkState)[layerKey(0)]!, x);
    const us = this.factors.map((f) => Float64Array.from(denseValues(core.contiguous(("value" in f.u ? f.u.value : inputs[f.u.input]!) as core.NDArray))));
    // the tangents: state [B, S] and params [B, P]
    const stateTangents = core.zeros([B, S], dtype);
    const paramTangents = core.zeros([B, P], dtype);
    let d = 0;
    this.factors.forEach((f, c) => {
      for (let i = 0; i < f.rows; i++, d++) for (let k = 0; k < S; k++) stateTangents.data[d * S + k] = A[c]![k * f.rows + i]!;
    });
    this.factors.forEach((f, c) => {
      const u = us[c]!;
      const uu = norm(u) ** 2;
      for (let i = 0; i < f.rows; i++, d++) if (uu > 0) for (let j = 0; j < f.columns; j++) paramTangents.data[d * P + f.offset + i * f.columns + j] = u[j]! / uu;
    });
    this.rest.forEach((p, r) => {
      for (let k = 0; k < S; k++) stateTangents.data[(d + r) * S + k] = restInfluence[k * this.rest.length + r]!;
      paramTangents.data[(d + r) * P + p] = 1;
    });
    const args = [state as Tree, recurrent, x, splitRows(this.stateLayout, stateTangents), splitRows(this.paramLayout, paramTangents)] as const;
    const { out } = this.withPrograms(
      (compiled) => (compiled ? (jit(tangentsStepOf(this.stepOfNetwork, B)) as unknown as TangentsStep) : tangentsStepOf(this.stepOfNetwork, B)),
      (run) => run(...args),
    );
    const T = denseValues(core.contiguous(out.stateTangents as core.NDArray));
    const Ty = denseValues(core.contiguous(out.outputTangents as core.NDArray));
    const { loss, signal, logitsCotangent } = this.signals.of(params.readout!, out.y, target);
    const L = denseValues(signal);
    const Y = L.length;
    const along = (direction: number) => {
      let s = 0;
      for (let r = 0; r < Y; r++) s += L[r]! * Ty[direction * Y + r]!;
      return s;
    };
    const sum = this.sums.recurrent(P);
    // the gradient from M_{t-1}, then the new estimate
    let jaRow = 0;
    const rowsTotal = this.factors.reduce((n, f) => n + f.rows, 0);
    this.factors.forEach((f, c) => {
      const u = us[c]!;
      const ut = uTilde[c]!;
      for (let i = 0; i < f.rows; i++) {
        const [a, b] = [along(jaRow + i), along(rowsTotal + jaRow + i)];
        for (let j = 0; j < f.columns; j++) sum[f.offset + i * f.columns + j]! += a * ut[j]! + b * u[j]!;
      }
      // J A and D of this factor, [S, rows] each
      const JA = new Float64Array(S * f.rows);
      const D = new Float64Array(S * f.rows);
      for (let i = 0; i < f.rows; i++) {
        for (let k = 0; k < S; k++) {
          JA[k * f.rows + i] = T[(jaRow + i) * S + k]!;
          D[k * f.rows + i] = T[(rowsTotal + jaRow + i) * S + k]!;
        }
      }
      const [nJA, nU, nD, nu] = [norm(JA), norm(ut), norm(D), norm(u)];
      if (nJA === 0 || nU === 0) {
        // the old term is zero: the new one alone, exactly
        A[c]!.set(D);
        ut.set(u);
      } else if (nD === 0 || nu === 0) {
        A[c]!.set(JA);
      } else {
        const p1 = Math.sqrt(nJA / nU);
        const p2 = Math.sqrt(nD / nu);
        const c1 = randomSign(this.rng);
        const c2 = randomSign(this.rng);
        for (let j = 0; j < f.columns; j++) ut[j] = c1 * p1 * ut[j]! + c2 * p2 * u[j]!;
        for (let e = 0; e < S * f.rows; e++) A[c]![e] = (c1 / p1) * JA[e]! + (c2 / p2) * D[e]!;
      }
      jaRow += f.rows;
    });
    const restStart = 2 * rowsTotal;
    this.rest.forEach((p, r) => {
      sum[p]! += along(restStart + r);
      for (let k = 0; k < S; k++) restInfluence[k * this.rest.length + r] = T[(restStart + r) * S + k]!;
    });
    return this.endStep(logitsCotangent, out.y as core.NDArray, out.state as NetworkState, loss);
  }

  /** The floats the plan says it carries: Σ_W (|S| rows(W) + |u|) + |S| P_rest. */
  plannedFloats(): number {
    return this.factors.reduce((n, f) => n + this.stateSize * f.rows + f.columns, 0) + this.stateSize * this.rest.length;
  }

  /** A and ũ of every factored parameter, and the other parameters' influence columns. */
  memoryFloats(): number {
    if (this.A === null) return 0;
    return this.A.reduce((n, a) => n + a.length, 0) + this.uTilde!.reduce((n, u) => n + u.length, 0) + this.restInfluence!.length;
  }
}
