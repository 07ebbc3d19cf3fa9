import * as core from "@ostl/core";
import { type Tensor, type Tree, add, flatten, vjp } from "@ostl/autodiff";
import { AlgorithmBase, type AlgorithmName, addLeavesInto, denseValues, type GradientAlgorithm } from "./algorithm.js";
import type { TensorRecord } from "../model/cell.js";
import { DeferredOuterSum } from "../traces/deferred-outer-sum.js";
import { DenseEligibility, type DenseImmediateMode, DiagonalEligibility, type LayerEligibility, type TraceScope } from "../traces/eligibility.js";
import { TreeLayout } from "../model/tree-layout.js";
import { layerKey, type Network, type NetworkArrays, type NetworkParams, type NetworkState } from "../model/network.js";
import { checkChoice, checkOptions } from "../model/options.js";
import { ReadoutSignals } from "../programs/step-programs.js";
import { type CellStructure, layerStructure, type TraceLayout, traceLayout } from "../analysis/structure.js";

/**
 * Options of {@link Ostl}.
 *
 * @example
 * ```ts
 * import { Network, Ostl, type OstlOptions } from "@ostl/ostl";
 * import { lstm, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: lstm(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const options: OstlOptions = { approximation: "diagonal" };
 * console.log(new Ostl(net).approximation); // null
 * console.log(new Ostl(net, options).approximation); // diagonal approximation of the dense temporal Jacobian (layer 0)
 * ```
 */
export interface OstlOptions {
  /**
   * `"diagonal"`: an approximation for layers whose temporal Jacobian is dense (LSTM, GRU, SNUs
   * with H): only its diagonal is kept, so traces have the parameters' own shapes (SnAp-1 / e-prop
   * style). Layers proven diagonal are exact either way. Default: `"none"` (exact dense traces).
   */
  approximation?: "none" | "diagonal";
  /**
   * How dense traces are computed (see DenseEligibility): `"forward"` (RTRL's pass over the layer's
   * own params: one forward pass with P directions carrying the traces), `"reverse"` (the temporal
   * Jacobians, |s| + |y| reverse passes for the immediate terms ∂s_t/∂θ, two matrix products) or
   * `"auto"` (default: the cheaper by an estimate). Results agree to rounding; only speed differs.
   */
  denseImmediate?: DenseImmediateMode;
}

/**
 * The plan OSTL follows for one layer.
 *
 * @example
 * ```ts
 * import { Network, planOstl, type LayerPlan } from "@ostl/ostl";
 * import { mse, ssnu } from "@ostl/models";
 * const net = new Network({ inputSize: 3, layers: [{ cell: ssnu(), hiddenSize: 4 }], outputSize: 2, loss: mse });
 * const plan: LayerPlan = planOstl(net)[0]!;
 * console.log(plan.cell, plan.traces, plan.approximate, plan.layouts); // ssnu diagonal false { W: "row", b: "diag" }
 * ```
 */
export interface LayerPlan {
  readonly layer: number;
  readonly cell: string;
  readonly structure: CellStructure;
  /** `dense`: traces `[P, ...state]`; `diagonal`: structured traces (exact when the Jacobian is proven diagonal). */
  readonly traces: "dense" | "diagonal";
  /** True when this layer's traces use the diagonal approximation. */
  readonly approximate: boolean;
  /** Trace layout per parameter. */
  readonly layouts: Readonly<Record<string, TraceLayout>>;
}

/**
 * Plans OSTL for every layer of a network from the structure analysis of its cells.
 *
 * @throws {@link ValueError} for an unknown option or option value, or a cell that breaks its
 * contract (see checkCellInit and checkStepResult); {@link ShapeError} for a misshaped state or y.
 * @example
 * ```ts
 * import { Network, planOstl } from "@ostl/ostl";
 * import { ssnu, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 3, layers: [{ cell: ssnu(), hiddenSize: 4 }], outputSize: 2, loss: mse });
 * console.log(planOstl(net)[0]!.traces); // "diagonal"
 * ```
 */
export function planOstl(network: Network, options: OstlOptions = {}): LayerPlan[] {
  checkOptions("ostl", options, ["approximation", "denseImmediate"]);
  checkChoice("ostl", "approximation", options.approximation, ["none", "diagonal"]);
  checkChoice("ostl", "denseImmediate", options.denseImmediate, ["auto", "reverse", "forward"]);
  return network.spec.layers.map((spec, l) => {
    const n = spec.hiddenSize;
    // the traced step is checked against the cell contract here, once, for every derivative path
    const structure = layerStructure(network, l);
    const { params } = network.layerExample(l);
    const diagonal = structure.temporalJacobian === "diagonal";
    const approximate = !diagonal && options.approximation === "diagonal";
    const layouts: Record<string, TraceLayout> = {};
    for (const [name, value] of Object.entries(params)) {
      layouts[name] = approximate ? traceLayout({ ...structure, temporalJacobian: "diagonal" }, name, value.shape, n) : traceLayout(structure, name, value.shape, n);
    }
    return { layer: l, cell: spec.cell.name, structure, traces: diagonal || approximate ? "diagonal" : "dense", approximate, layouts };
  });
}

/** One independent example's traces and state (a batch runs one lane per example). */
interface Lane {
  eligibility: LayerEligibility[];
  state: NetworkState;
  /** Readout gradient accumulated by this lane. */
  readout: ReadoutSums | null;
}

/**
 * Online spatio-temporal learning (Bohnstingl et al., IEEE TNNLS 2022). Per layer, eligibility
 * traces carry the layer's own temporal dependencies forward (derived automatically: dense traces
 * by batched forward mode, or structured traces of the parameters' own shapes where the analysis
 * proves the temporal Jacobian diagonal); the learning signal L^l_t = ∂E_t/∂y^l_t comes from one
 * reverse pass through the layers above at the same time step, their previous states held fixed.
 * Gradient: Σ_t L_t · e_t. Memory does not grow with T.
 *
 * Exact (equal to BPTT) for one recurrent layer and for the top layer of a stack; for lower layers
 * it drops the terms that travel through the upper layers' recurrence.
 *
 * @example
 * ```ts
 * import { Network, Ostl } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { snu, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: snu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const ostl = new Ostl(net);
 * ostl.begin(net.init(new PRNG(3)));
 * ostl.step(tensor([1, 0.5]), tensor([1]));
 * const grads = ostl.gradients();
 * console.log(ostl.plan[0]!.traces, Object.keys(grads.layer0!)); // diagonal ["W", "b"]
 * // traces of the parameters' own shapes, one per state field (s and y): 2·(3·2 + 3) floats
 * console.log(ostl.memoryFloats()); // 12
 * ```
 */
export class Ostl extends AlgorithmBase implements GradientAlgorithm {
  readonly name: AlgorithmName = "ostl";
  readonly approximation: string | null;
  readonly plan: readonly LayerPlan[];
  private lanes: Lane[] = [];
  /** Every lane's eligibility made so far (lane b uses entry b), reset and reused by the next sequence. */
  private eligibilityPool: LayerEligibility[][] = [];
  /** Every lane's readout sums made so far (lane b uses entry b), cleared and reused likewise. */
  private readoutPool: ReadoutSums[] = [];
  /** The dtype of the current sequence's params, which the traces and learning signals share. */
  private dtype: core.DType = "float64";
  /** False once the loss turned out to read traced values, so that its program cannot be compiled. */
  private readonly signals: ReadoutSignals;
  /**
   * Milliseconds spent so far, by phase: `step` (each layer's step and the derivatives its traces
   * need: temporal diagonals or Jacobians, immediate terms), `learningSignal` (the reverse pass
   * through the layers above and the readout) and `traces` (trace updates and gradient
   * accumulation). Reset by `begin`.
   */
  readonly timing = { step: 0, learningSignal: 0, traces: 0 };

  constructor(
    network: Network,
    private readonly options: OstlOptions = {},
  ) {
    super(network, "ostl");
    this.signals = new ReadoutSignals(network);
    this.plan = planOstl(network, options);
    const approx = this.plan.filter((p) => p.approximate).map((p) => p.layer);
    this.approximation = approx.length === 0 ? null : `diagonal approximation of the dense temporal Jacobian (layer${approx.length > 1 ? "s" : ""} ${approx.join(", ")})`;
  }

  private newEligibility(): LayerEligibility[] {
    const dtype = this.dtype;
    return this.plan.map((p) => (p.traces === "dense" ? new DenseEligibility(this.network, p.layer, this.options.denseImmediate, dtype, p.structure) : new DiagonalEligibility(this.network, p.layer, p.structure, p.layouts, p.approximate, dtype, this.traceScope())));
  }

  begin(params: NetworkParams, state?: NetworkState): void {
    this.beginBase(params, state);
    // the traces are typed by the params' dtype: a sequence in another dtype gets new ones
    const dtype = (params.readout!.W as core.NDArray).dtype;
    if (dtype !== this.dtype) [this.eligibilityPool, this.readoutPool] = [[], []];
    this.dtype = dtype;
    this.lanes = [];
    this.timing.step = this.timing.learningSignal = this.timing.traces = 0;
  }

  step(x: Tensor, target: Tensor): number {
    const params = this.requireParams();
    const state = this.prepareStep(x, target);
    const batch = x.shape.length === 2 ? x.shape[0]! : null;
    const examples = batch ?? 1;
    if (this.lanes.length === 0) {
      for (let b = 0; b < examples; b++) {
        const reused = this.eligibilityPool[b];
        reused?.forEach((e) => e.reset());
        const eligibility = reused ?? (this.eligibilityPool[b] = this.newEligibility());
        const readout = this.readoutPool[b] ?? null;
        if (readout !== null) clearReadoutSums(readout);
        this.lanes.push({ eligibility, state: batch === null ? state : rowOf(state, b), readout });
      }
    }
    let loss = 0;
    for (let b = 0; b < examples; b++) {
      const lane = this.lanes[b]!;
      const xb = batch === null ? x : row(x as core.NDArray, b);
      const tb = batch === null ? target : row(target as core.NDArray, b);
      loss += this.laneStep(params, lane, b, xb, tb);
    }
    this.current = batch === null ? this.lanes[0]!.state : stackRows(this.lanes.map((l) => l.state));
    this.count++;
    return loss;
  }

  private laneStep(params: NetworkParams, lane: Lane, laneIndex: number, x: Tensor, target: Tensor): number {
    const net = this.network;
    const steps = [];
    let input = x;
    const t0 = performance.now();
    for (let l = 0; l < net.depth; l++) {
      const s = lane.eligibility[l]!.advance(params[layerKey(l)]!, lane.state[layerKey(l)]!, input);
      steps.push(s);
      input = s.y;
    }
    const t1 = performance.now();
    // learning signals: reverse mode over this step's spatial graph, previous states held fixed:
    // through the loss and the readout (one compiled program), then the layers above
    const top = steps[net.depth - 1]!.y;
    const { loss, signal, logitsCotangent } = this.signals.of(params.readout!, top, target);
    const readoutW = params.readout!.W as core.NDArray;
    const sums = (lane.readout ??= this.readoutPool[laneIndex] = { W: new DeferredOuterSum(readoutW.shape[0]!, readoutW.shape[1]!, this.dtype), b: core.zeros([readoutW.shape[0]!], this.dtype).data });
    const cotangent = denseValues(logitsCotangent);
    sums.W.push(cotangent, denseValues(top as core.NDArray));
    for (let k = 0; k < cotangent.length; k++) sums.b[k]! += cotangent[k]!;
    const signals = this.layerSignals(params, lane.state, steps.map((s) => s.y), signal, logitsCotangent);
    const t2 = performance.now();
    steps.forEach((s, l) => s.accumulate(signals[l]!));
    const t3 = performance.now();
    this.timing.step += t1 - t0;
    this.timing.learningSignal += t2 - t1;
    this.timing.traces += t3 - t2;
    const next: Record<string, TensorRecord> = {};
    steps.forEach((s, l) => (next[layerKey(l)] = s.state));
    lane.state = next;
    return loss.item();
  }

  /** What diagonal traces keep of a dense temporal Jacobian (see TraceScope): OSTL keeps each unit's own entries. */
  protected traceScope(): TraceScope {
    return "unit";
  }

  /**
   * The learning signal of every layer at this step, L^l_t = ∂E_t/∂y^l_t: the top layer's is
   * `topSignal` (W_roᵀ ḡ, ḡ = `logitsCotangent`); the lower layers' come through the layers above
   * (see signalsBelow).
   */
  protected layerSignals(params: NetworkParams, previous: NetworkState, outputs: Tensor[], topSignal: Tensor, _logitsCotangent: core.NDArray): Tensor[] {
    return this.network.depth === 1 ? [topSignal] : this.signalsBelow(params, previous, outputs, topSignal);
  }

  /**
   * Learning signals of every layer from the top layer's: one reverse pass through the layers
   * above each (their previous states held fixed), a zero perturbation added to each layer's output.
   */
  private signalsBelow(params: NetworkParams, previous: NetworkState, outputs: Tensor[], topSignal: Tensor): Tensor[] {
    const net = this.network;
    const spatial = (deltas: Tensor[]) => {
      let y = add(outputs[0]!, deltas[0]!);
      for (let l = 1; l < net.depth; l++) y = add(net.layerStep(l, params[layerKey(l)]!, previous[layerKey(l)]!, y).y, deltas[l]!);
      return y;
    };
    const [, pullback] = vjp(spatial, outputs.map((y) => core.zeros(y.shape, this.dtype)));
    return pullback(topSignal)[0];
  }

  gradients(): NetworkArrays {
    this.requireStepsForGradients();
    const params = this.params!;
    // each lane's gradient is made of new arrays: the first one takes the others' sums in place
    let total: NetworkArrays | null = null;
    for (const lane of this.lanes) {
      // in the parameters' own order: the layers, then the readout
      const g: Record<string, TensorRecord> = {};
      lane.eligibility.forEach((e, l) => (g[layerKey(l)] = e.gradients(params[layerKey(l)]!)));
      const readout = params.readout as { W: core.NDArray; b: core.NDArray };
      g.readout =
        lane.readout === null
          ? (new TreeLayout(readout as Tree).zeros() as TensorRecord)
          : { W: core.fromTyped(lane.readout.W.values(), readout.W.shape), b: core.fromTyped(lane.readout.b.slice(), readout.b.shape) };
      // every entry is an array: the traces' sums and the readout's
      if (total === null) total = g as NetworkArrays;
      else addLeavesInto(flatten(total as Tree).leaves as core.NDArray[], g as Tree);
    }
    return total!;
  }

  takeGradients(): NetworkArrays {
    const g = this.gradients();
    for (const lane of this.lanes) {
      if (lane.readout !== null) clearReadoutSums(lane.readout);
      lane.eligibility.forEach((e) => e.clearGradients());
    }
    return g;
  }

  reset(): void {
    this.params = null;
    this.current = null;
    this.count = 0;
    this.lanes = [];
    this.eligibilityPool = [];
    this.readoutPool = [];
  }

  /** The traces of every lane made so far: those of the current sequence and those kept for reuse. */
  memoryFloats(): number {
    return this.eligibilityPool.reduce((n, set) => n + set.reduce((m, e) => m + e.floats(), 0), 0);
  }
}

/** A lane's readout gradient: Σ_t ḡ_t y_tᵀ for W_ro, added in blocks of steps, and Σ_t ḡ_t for b_ro. */
interface ReadoutSums {
  readonly W: DeferredOuterSum;
  readonly b: core.TypedArray;
}

function clearReadoutSums(sums: ReadoutSums): void {
  sums.W.clear();
  sums.b.fill(0);
}

function row(x: core.NDArray, b: number): core.NDArray {
  const shape = x.shape;
  return core.reshape(core.slice(x, [b, ...shape.slice(1).map(() => 0)], [b + 1, ...shape.slice(1)]), shape.slice(1));
}

function rowOf(state: NetworkState, b: number): NetworkState {
  const out: Record<string, TensorRecord> = {};
  for (const [k, layer] of Object.entries(state)) out[k] = Object.fromEntries(Object.entries(layer).map(([name, v]) => [name, row(core.contiguous(v as core.NDArray), b)]));
  return out;
}

function stackRows(states: NetworkState[]): NetworkState {
  const out: Record<string, TensorRecord> = {};
  for (const k of Object.keys(states[0]!)) {
    out[k] = Object.fromEntries(Object.keys(states[0]![k]!).map((name) => [name, core.stack(states.map((s) => s[k]![name] as core.NDArray), 0)]));
  }
  return out;
}
