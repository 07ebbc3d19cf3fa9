import * as core from "@ostl/core";
import { OstlError } from "@ostl/core";
import type { Tensor, Tree } from "@ostl/autodiff";
import { denseValues, type GradientAlgorithm } from "./algorithm.js";
import { FlatGradientAlgorithm } from "./flat-gradient.js";
import { networkStep, recurrentParams } from "./rtrl.js";
import { influencePattern } from "../analysis/influence-pattern.js";
import { layerStructure, outputStateField } from "../analysis/structure.js";
import { type InfluenceStepOf, type ParamPullback, paramPullback, type StepWithJacobian, stepWithJacobian } from "../programs/influence-program.js";
import { ReadoutSignals } from "../programs/step-programs.js";
import { TreeLayout } from "../model/tree-layout.js";
import { checkOptions } from "../model/options.js";
import { layerKey, type Network, type NetworkParams, type NetworkState } from "../model/network.js";

/**
 * Options of {@link Snap}.
 *
 * @example
 * ```ts
 * import { Network, Snap, type SnapOptions } from "@ostl/ostl";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const options: SnapOptions = { n: 1 };
 * console.log(new Snap(net, options).approximation); // SnAp-1: influence kept on the entries each parameter reaches within 1 step (18 of 54)
 * ```
 */
export interface SnapOptions {
  /** Steps of reach kept (a positive integer; default 1). At the network's dependency depth or more, SnAp-n is RTRL. */
  n?: number;
}

/**
 * The interpreted or compiled programs of a step: the step with its temporal Jacobian, and the
 * reverse pass over the params.
 */
interface SnapPrograms {
  readonly withJacobian: StepWithJacobian;
  readonly pullback: ParamPullback;
}

/**
 * SnAp-n (Menick et al., ICLR 2021): RTRL whose influence matrix M_t = dS_t/dθ is kept only on the
 * fixed sparsity pattern P_n of the entries (k, p) that parameter p can reach within n steps,
 *
 *   M_t = P_n ⊙ (J_t M_{t-1} + I_t),
 *
 * the pattern of I, J I, …, J^{n-1} I proven by the structure analysis ({@link InfluencePattern},
 * sound: from the traced steps, not from numbers). SnAp-1 keeps each parameter's immediate
 * targets (for a unit with several state fields, those fields of that unit); SnAp-n equals RTRL
 * once n reaches the dependency depth (`influencePattern(network).depth()`), and its
 * `approximation` is then null. The gradient is Σ_t L_t e_t with e_t the rows of M_t of the state
 * field that y is, or, when y is a value of its own, e_t = J^y_t M_{t-1} + ∂y_t/∂θ. The readout's
 * gradient is exact.
 *
 * Memory: the pattern's entries. Work per step: the temporal Jacobian (one forward-mode pass with
 * |S| directions), one reverse pass per state entry for the immediate terms (both compiled, as
 * RTRL's), and Σ_p |P_n(p)|² multiply-adds for the update, against RTRL's |S|² P. One example at
 * a time (a batch is refused).
 *
 * @example
 * ```ts
 * import { Network, Rtrl, Snap, influencePattern } from "@ostl/ostl";
 * import { allClose, PRNG, tensor } from "@ostl/core";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(1));
 * const gradientOf = (algo: Rtrl | Snap) => {
 *   algo.begin(params);
 *   algo.feed([tensor([1, 0]), tensor([0, 1]), tensor([1, 1])], [tensor([1]), tensor([0]), tensor([1])]);
 *   return algo.gradients().layer0!.U!;
 * };
 * const depth = influencePattern(net).depth();
 * console.log(depth, allClose(gradientOf(new Snap(net, { n: depth })), gradientOf(new Rtrl(net))), allClose(gradientOf(new Snap(net, { n: 1 })), gradientOf(new Rtrl(net)))); // 2 true false
 * ```
 */
export class Snap extends FlatGradientAlgorithm implements GradientAlgorithm {
  readonly name = "snap" as const;
  readonly approximation: string | null;
  /** Steps of reach kept. */
  readonly n: number;
  private readonly stateSize: number;
  private readonly paramSize: number;
  /** Per column c (parameter entries that keep the same state entries): `rows[c]`, the state entries kept; `groups[c]`, its parameter entries. */
  private readonly rows: readonly Int32Array[];
  private readonly groups: readonly Int32Array[];
  /** Per state entry k, the columns that keep it, and k's position in each. */
  private readonly columnsOf: readonly { readonly columns: Int32Array; readonly positions: Int32Array }[];
  /** Where parameter entry p's kept entries start in the values. */
  private readonly offsets: Int32Array;
  private readonly entries: number;
  /** First state entry of the field that y is, or -1 when y is a value of its own. */
  private readonly outputOffset: number;
  /** The whole network's step as one function of state, recurrent params and input. */
  private readonly stepOfNetwork: InfluenceStepOf;
  private readonly signals: ReadoutSignals;
  private seed: core.NDArray | null = null;
  private alongOutput: Float64Array | null = null;
  /** M_{t-1} and M_t on the pattern (ping-pong). */
  private previous: Float64Array | null = null;
  private next: Float64Array | null = null;

  /** @throws {@link ValueError} for an unknown option; {@link OstlError} for an n that is not a positive integer. */
  constructor(network: Network, options: SnapOptions = {}) {
    super(network, "snap");
    checkOptions("snap", options, ["n"]);
    const n = options.n ?? 1;
    if (!Number.isInteger(n) || n < 1) throw new OstlError("snap", `n must be a positive integer, got ${n}`);
    this.n = n;
    const pattern = influencePattern(network);
    const { column, rows } = pattern.snap(n);
    [this.stateSize, this.paramSize, this.rows] = [pattern.stateSize, pattern.paramSize, rows];
    const groups: number[][] = rows.map(() => []);
    column.forEach((c, p) => groups[c]!.push(p));
    this.groups = groups.map((g) => Int32Array.from(g));
    const columnsOf = Array.from({ length: this.stateSize }, () => ({ columns: [] as number[], positions: [] as number[] }));
    rows.forEach((r, c) => r.forEach((k, position) => (columnsOf[k]!.columns.push(c), columnsOf[k]!.positions.push(position))));
    this.columnsOf = columnsOf.map((o) => ({ columns: Int32Array.from(o.columns), positions: Int32Array.from(o.positions) }));
    this.offsets = new Int32Array(this.paramSize);
    let entries = 0;
    column.forEach((c, p) => ((this.offsets[p] = entries), (entries += rows[c]!.length)));
    this.entries = entries;
    const top = network.depth - 1;
    const field = outputStateField(layerStructure(network, top));
    const stateLayout = new TreeLayout(network.initialState() as Tree);
    this.outputOffset = field === null ? -1 : stateLayout.offsets[stateLayout.paths.indexOf(`${layerKey(top)}.${field}`)]!;
    this.stepOfNetwork = networkStep(network);
    this.signals = new ReadoutSignals(network);
    const all = this.stateSize * this.paramSize;
    this.approximation = n >= pattern.depth() ? null : `SnAp-${n}: influence kept on the entries each parameter reaches within ${n} step${n > 1 ? "s" : ""} (${entries} of ${all})`;
  }

  begin(params: NetworkParams, state?: NetworkState): void {
    this.beginBase(params, state);
    this.previous?.fill(0);
    this.sums.clear();
  }

  private programsFor(compiled: boolean): SnapPrograms {
    const withOutput = this.outputOffset < 0;
    return { withJacobian: stepWithJacobian(this.stepOfNetwork, withOutput, compiled), pullback: paramPullback(this.stepOfNetwork, withOutput, compiled) };
  }

  step(x: Tensor, target: Tensor): number {
    const params = this.requireParams();
    if (x.shape.length !== 1) throw new OstlError(`snap.step (t=${this.count})`, `input x has shape [${x.shape.join(",")}]: SnAp runs one example at a time, feed unbatched steps`);
    const state = this.prepareStep(x, target);
    const recurrent = recurrentParams(this.network, params) as Tree;
    const { programs, out } = this.withPrograms((compiled) => this.programsFor(compiled), (p) => p.withJacobian(state as Tree, recurrent, x));
    const dtype = (params.readout!.W as core.NDArray).dtype;
    const S = this.stateSize;
    const width = out.jacobianT.shape[1]!;
    const JT = denseValues(out.jacobianT as core.NDArray);
    const { loss, signal, logitsCotangent } = this.signals.of(params.readout!, out.y, target);
    const L = denseValues(signal);
    if (this.previous === null) [this.previous, this.next] = [new Float64Array(this.entries), new Float64Array(this.entries)];
    const [old, next, sum] = [this.previous, this.next!, this.sums.recurrent(this.paramSize)];
    // the reverse passes' seed and L·J^y, buffers kept from step to step
    const seed = (this.seed = this.seed?.size === width && this.seed.dtype === dtype ? this.seed : core.zeros([width], dtype));
    const v = (this.alongOutput = this.alongOutput?.length === S ? this.alongOutput : new Float64Array(S));
    seed.data.fill(0);
    if (this.outputOffset < 0) {
      // y is a value of its own: e_t = J^y M_{t-1} + ∂y/∂θ, so L e_t = (L J^y) M_{t-1} + L ∂y/∂θ
      v.fill(0);
      for (let j = 0; j < S; j++) for (let r = 0; r < L.length; r++) v[j]! += L[r]! * JT[j * width + S + r]!;
      this.rows.forEach((rows, c) => {
        for (const p of this.groups[c]!) {
          const o = this.offsets[p]!;
          let g = 0;
          for (let a = 0; a < rows.length; a++) g += v[rows[a]!]! * old[o + a]!;
          sum[p]! += g;
        }
      });
      seed.data.set(L, S);
      const direct = denseValues(programs.pullback(state as Tree, recurrent, x, seed) as core.NDArray);
      for (let p = 0; p < this.paramSize; p++) sum[p]! += direct[p]!;
      seed.data.fill(0);
    }
    // M_t = P_n ⊙ (J M_{t-1} + I), one row k of I per reverse pass
    for (let k = 0; k < S; k++) {
      const { columns, positions } = this.columnsOf[k]!;
      if (columns.length === 0) continue;
      seed.data[k] = 1;
      const immediate = denseValues(programs.pullback(state as Tree, recurrent, x, seed) as core.NDArray);
      seed.data[k] = 0;
      for (let i = 0; i < columns.length; i++) {
        const c = columns[i]!;
        const rows = this.rows[c]!;
        const position = positions[i]!;
        for (const p of this.groups[c]!) {
          const o = this.offsets[p]!;
          let m = immediate[p]!;
          // J[k, j] is jacobianT[j, k]
          for (let a = 0; a < rows.length; a++) m += JT[rows[a]! * width + k]! * old[o + a]!;
          next[o + position] = m;
        }
      }
    }
    if (this.outputOffset >= 0) {
      // y is a state field: e_t is its rows of M_t
      const [from, to] = [this.outputOffset, this.outputOffset + L.length];
      this.rows.forEach((rows, c) => {
        for (const p of this.groups[c]!) {
          const o = this.offsets[p]!;
          let g = 0;
          for (let a = 0; a < rows.length; a++) if (rows[a]! >= from && rows[a]! < to) g += L[rows[a]! - from]! * next[o + a]!;
          sum[p]! += g;
        }
      });
    }
    [this.previous, this.next] = [next, old];
    return this.endStep(logitsCotangent, out.y as core.NDArray, out.state as NetworkState, loss);
  }

  protected forget(): void {
    this.previous?.fill(0);
  }

  /** The influence entries kept on the pattern (0 before the first step). */
  memoryFloats(): number {
    return this.previous === null ? 0 : this.entries;
  }
}
