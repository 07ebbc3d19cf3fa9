import * as core from "@ostl/core";
import type { DType, NDArray, TypedArray } from "@ostl/core";
import { type Tensor, type Tree, ValueReadError, jvp, matmul, transpose, unflatten, vjp } from "@ostl/autodiff";
import type { TensorRecord } from "../model/cell.js";
import { findRowFactors, type RowFactor, sameDerivativeFactors } from "../analysis/factors.js";
import { StepInputs } from "../analysis/step-inputs.js";
import { DeferredPairTrace, SharedBlockCoefficients } from "./deferred-pair-trace.js";
import { type InfluenceStepFn, propagateInfluence } from "./influence.js";
import { TreeLayout, treeFloats } from "../model/tree-layout.js";
import type { Network } from "../model/network.js";
import { replayGraph } from "./replay.js";
import { type CellStructure, type TraceLayout, outputStateField } from "../analysis/structure.js";
import { traceKernels } from "./trace-kernel.js";
import { DeferredTrace } from "./deferred-trace.js";
import { findSinglePrimary, type SinglePrimary } from "../analysis/derived-fields.js";
import { DiagonalForward } from "./diagonal-forward.js";
import { CompiledInfluence } from "../programs/influence-program.js";

/**
 * One step of a layer's eligibility computation: the layer's outputs, and how to fold in the learning signal.
 *
 * @example
 * ```ts
 * import { DenseEligibility, Network, type EligibilityStep } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(0));
 * const traces = new DenseEligibility(net, 0);
 * const step: EligibilityStep = traces.advance(params.layer0!, net.initialState().layer0!, tensor([1, 0]));
 * console.log(step.y.shape, Object.keys(step.state)); // [3] ["h"]
 * step.accumulate(tensor([1, 0, 0])); // the learning signal ∂E_t/∂y_t
 * console.log(traces.gradients(params.layer0!).b!.toFlat().map((g) => g !== 0)); // [true, false, false]
 * ```
 */
export interface EligibilityStep {
  readonly state: TensorRecord;
  readonly y: Tensor;
  /** Adds L_t · e_t (with L_t = ∂E_t/∂y_t) to the layer's gradient and advances the traces. */
  accumulate(learningSignal: Tensor): void;
}

/**
 * Eligibility traces of one layer: ε_t = (∂s_t/∂s_{t-1}) ε_{t-1} + ∂s_t/∂θ, e_t = dy_t/dθ within the layer.
 *
 * @example
 * ```ts
 * import { DenseEligibility, DiagonalEligibility, Network, planOstl, type LayerEligibility } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { mse, ssnu } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: ssnu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const [plan] = planOstl(net);
 * const traces: LayerEligibility = plan!.traces === "dense" ? new DenseEligibility(net, 0) : new DiagonalEligibility(net, 0, plan!.structure, plan!.layouts, plan!.approximate);
 * const params = net.init(new PRNG(0));
 * let state = net.initialState().layer0!;
 * for (const x of [tensor([1, 0]), tensor([0, 1])]) {
 *   const step = traces.advance(params.layer0!, state, x);
 *   step.accumulate(tensor([1, 1, 1]));
 *   state = step.state;
 * }
 * console.log(traces.floats(), traces.gradients(params.layer0!).W!.shape); // 12 [3, 2]
 * traces.clearGradients();
 * console.log(traces.gradients(params.layer0!).b!.toNested()); // [0, 0, 0]
 * ```
 */
export interface LayerEligibility {
  advance(params: TensorRecord, state: TensorRecord, x: Tensor): EligibilityStep;
  /** The gradient accumulated since the last `clearGradients()` (zeros of the params' shapes if none). */
  gradients(params: TensorRecord): TensorRecord;
  clearGradients(): void;
  /** Zero traces and no gradient, as when new, keeping the arrays for the next sequence. */
  reset(): void;
  /** Floats held by the traces. */
  floats(): number;
}

type LayerStepFn = (s: TensorRecord, p: TensorRecord) => { state: TensorRecord; y: Tensor };

function stepFunction(network: Network, l: number, x: Tensor): LayerStepFn {
  return (s, p) => network.layerStep(l, p, s, x);
}

function zerosOf(params: TensorRecord): Record<string, NDArray> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, core.zeros(v.shape, v.dtype)]));
}

/** Throws unless every param entering `op` is of the dtype the traces were made for. */
function checkParamsDType(op: string, params: TensorRecord, dtype: DType): void {
  for (const name in params) {
    const actual = params[name]!.dtype;
    if (actual !== dtype) throw new core.DTypeError(op, `param '${name}' is ${actual}, but the traces are ${dtype} (make the traces with the params' dtype)`);
  }
}

/**
 * How dense traces are computed: by the compiled influence programs (see {@link CompiledInfluence})
 * or by one interpreted forward pass with the params' identity tangents. `auto` is the compiled
 * path. The gradients are the same; only the speed differs.
 *
 * @example
 * ```ts
 * import { Network, Ostl, type DenseImmediateMode } from "@ostl/ostl";
 * import { lstm, mse } from "@ostl/models";
 * const mode: DenseImmediateMode = "reverse";
 * const net = new Network({ inputSize: 2, layers: [{ cell: lstm(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const ostl = new Ostl(net, { denseImmediate: mode });
 * console.log(ostl.plan[0]!.traces); // dense
 * ```
 */
export type DenseImmediateMode = "auto" | "reverse" | "forward";

/**
 * The identity tangents of a layer's params (P² floats), shared by every lane and step that uses
 * the same params record.
 */
const identities = new WeakMap<TensorRecord, Tree>();

function identityTangentsOf(params: TensorRecord, layout: TreeLayout): Tree {
  let identity = identities.get(params);
  if (identity === undefined) identities.set(params, (identity = layout.identityTangents()));
  return identity;
}

/**
 * Dense traces for any cell: within the layer, RTRL's influence recurrence restricted to the
 * layer's own params, ε_t = J ε_{t-1} + I and e_t = J_y ε_{t-1} + I_y, where J = ∂s_t/∂s_{t-1},
 * J_y = ∂y_t/∂s_{t-1}, I = ∂s_t/∂θ and I_y = ∂y_t/∂θ. Two paths:
 * - `reverse` (and `auto`): the compiled programs of {@link CompiledInfluence}: J and J_y by one
 *   forward-mode pass with |s| directions, I and I_y by one reverse pass per row, then one matrix
 *   product, (|s| + |y|)·|s|·P multiply-adds per step; when y is a state field (given the layer's
 *   `structure`), e_t is that field's rows and the |y| terms drop out. A step that reads the
 *   values of its traced arguments cannot be compiled: it takes the forward path instead;
 * - `forward`: RTRL's interpreted pass (propagateInfluence), one batched forward pass with P
 *   directions whose state tangents are ε_{t-1} and whose param tangents are the identity (P²
 *   floats, made once per params record); about P·(P + |s|²) multiply-adds per step.
 * Exact either way; O(P·|s|) memory. The traces are of `dtype`, the params' dtype.
 *
 * @example
 * ```ts
 * import { DenseEligibility, Network } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { lstm, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: lstm(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(0));
 * const traces = new DenseEligibility(net, 0);
 * traces.advance(params.layer0!, net.initialState().layer0!, tensor([1, 0])).accumulate(tensor([1, 1, 1]));
 * // one row per parameter entry (4 gates · (3·2 + 3·3 + 3) = 72), one column per state entry (h and c: 6)
 * console.log(traces.floats(), traces.path); // 432 reverse
 * const f32 = new DenseEligibility(net, 0, "auto", "float32");
 * try {
 *   f32.advance(params.layer0!, net.initialState().layer0!, tensor([1, 0]));
 * } catch (e) {
 *   console.log((e as Error).message); // DenseEligibility.advance: param 'W_i' is float64, but the traces are float32 (make the traces with the params' dtype)
 * }
 * ```
 */
export class DenseEligibility implements LayerEligibility {
  /** Forward path: ε_{t-1} as the state's tangents (`[P, ...field]` per field). */
  private traces: Tree | null = null;
  private layout: TreeLayout | null = null;
  /** Forward path: Σ_t e_t L_t. */
  private sum: NDArray | null = null;
  /** The compiled path's programs and influence; null on the forward path. */
  private compiled: CompiledInfluence | null;

  /** `structure` (the layer's analysis, see planOstl) tells whether y is a state field; without it y is treated as distinct. */
  constructor(
    private readonly network: Network,
    private readonly layer: number,
    immediate: DenseImmediateMode = "auto",
    readonly dtype: DType = "float64",
    structure: CellStructure | null = null,
  ) {
    const outputField = structure === null ? null : outputStateField(structure);
    this.compiled = immediate === "forward" ? null : new CompiledInfluence((s, p, x) => network.layerStep(layer, p as TensorRecord, s as TensorRecord, x), outputField);
  }

  /** The path the traces take (see the class). */
  get path(): "forward" | "reverse" {
    return this.compiled === null ? "forward" : "reverse";
  }

  advance(params: TensorRecord, state: TensorRecord, x: Tensor): EligibilityStep {
    checkParamsDType("DenseEligibility.advance", params, this.dtype);
    this.layout ??= new TreeLayout(params);
    const compiled = this.compiled;
    if (compiled !== null) {
      try {
        const out = compiled.advance(state, params, x) as { state: TensorRecord; y: Tensor };
        return { state: out.state, y: out.y, accumulate: (L) => compiled.accumulate(L) };
      } catch (error) {
        if (!(error instanceof ValueReadError)) throw error;
        this.compiled = null;
      }
    }
    const { out, e } = this.advanceForward(params, state, x);
    return {
      state: out.state,
      y: out.y,
      accumulate: (L) => {
        const g = core.matmul(e, core.reshape(L as NDArray, [-1]));
        this.sum = this.sum === null ? g : core.add(this.sum, g);
      },
    };
  }

  /** ε_t and e_t by RTRL's pass over the layer's params. */
  private advanceForward(params: TensorRecord, state: TensorRecord, x: Tensor): { out: { state: TensorRecord; y: Tensor }; e: NDArray } {
    const P = this.layout!.size;
    const identity = identityTangentsOf(params, this.layout!);
    const previous = this.traces ?? new TreeLayout(state).zeroTangents(P, this.dtype);
    const next = propagateInfluence(stepFunction(this.network, this.layer, x) as InfluenceStepFn, state, params, previous, identity, P);
    this.traces = next.influence;
    return { out: next.out as { state: TensorRecord; y: Tensor }, e: core.reshape(next.output, [P, -1]) };
  }

  gradients(params: TensorRecord): TensorRecord {
    const sum = this.compiled === null ? this.sum : this.compiled.gradient();
    return sum === null ? zerosOf(params) : (new TreeLayout(params).split(sum) as TensorRecord);
  }

  clearGradients(): void {
    this.sum = null;
    this.compiled?.clearGradient();
  }

  reset(): void {
    this.traces = null;
    this.sum = null;
    this.compiled?.reset();
  }

  floats(): number {
    return this.compiled === null ? (this.traces === null ? 0 : treeFloats(this.traces)) : this.compiled.floats();
  }
}

/** The layer output y as a target of the diagonal bookkeeping (distinct from a state field that may also be named "y"). */
const OUTPUT = Symbol("output y");
/** A next-state field (by name) or the output. */
type Target = string | typeof OUTPUT;

/** One step's outputs and the derivatives the traces need, by target (state field or y). */
interface StepDerivatives {
  readonly out: { state: TensorRecord; y: Tensor };
  /** D^{ab}: diagonal of ∂s^a_t/∂s^b_{t-1}, by target a, then field b. */
  readonly D: Map<Target, TensorRecord>;
  /** Immediate terms of the materialized (diag) parameters, by target. */
  readonly immediate: Map<Target, TensorRecord>;
  /** c^a_j = ∂a/∂z_j for each factored product z_j. */
  readonly cz: Map<Target, NDArray[]>;
  /** Q^a = ∂a_t/∂p_t (single-trace mode). */
  readonly Q: Map<Target, NDArray>;
}

/** A factored product W u whose u is the previous state's `field` (index `factor` into the factors). */
interface RecurrentFactor {
  readonly factor: number;
  readonly field: string;
}

/** The factors whose u is a previous-state field. */
function recurrentFactorsOf(graph: CellStructure["graph"], factors: readonly RowFactor[]): RecurrentFactor[] {
  return factors.flatMap((f, factor) => {
    const role = f.u.kind === "input" ? StepInputs.of(graph).roles[f.u.index]! : null;
    return role?.kind === "state" ? [{ factor, field: role.name }] : [];
  });
}

/** The temporal diagonals of one step, packed for the kernels: `state[(a c + b) n + i]` = D^{ab}_i and `output[b n + i]` = D^{yb}_i. */
interface PackedDiagonals {
  readonly state: TypedArray;
  readonly output: TypedArray;
}

/** Packs one step's D into `into` (buffers of c·c·n and c·n, overwritten). */
function packDiagonals(stateNames: readonly string[], D: Map<Target, TensorRecord>, n: number, into: PackedDiagonals): PackedDiagonals {
  const c = stateNames.length;
  const { state, output } = into;
  stateNames.forEach((a, ai) => stateNames.forEach((b, bi) => state.set(core.contiguous(D.get(a)![b] as NDArray).data, (ai * c + bi) * n)));
  stateNames.forEach((b, bi) => output.set(core.contiguous(D.get(OUTPUT)![b] as NDArray).data, bi * n));
  return { state, output };
}

/**
 * Which part of a dense temporal Jacobian diagonal traces keep under the approximation: `unit`,
 * its diagonal (each unit's own entries, through every path, the recurrent weights' diagonal U_ii
 * included: OSTL's diagonal approximation, e-prop); `leak`, the unit's own entries along the paths
 * that do not pass through a weight product W u (RFLO: for a leaky RNN, the leak 1 - α).
 *
 * @example
 * ```ts
 * import type { TraceScope } from "@ostl/ostl";
 * const scopes: TraceScope[] = ["unit", "leak"];
 * console.log(scopes); // ["unit", "leak"]
 * ```
 */
export type TraceScope = "unit" | "leak";

/**
 * Structured traces for a layer whose temporal Jacobian is diagonal (proven by the structure
 * analysis) or approximated as diagonal: per state field a and parameter θ, a trace of θ's own
 * shape (row- or diag-structured θ), or `[P_θ, n]` for other parameters.
 *
 * With D^{ab} = diag ∂s^a_t/∂s^b_{t-1} and I^a(θ) = ∂s^a_t/∂θ (immediate, compressed):
 *   ε^a_t(θ) = Σ_b D^{ab} ⊙ ε^b_{t-1}(θ) + I^a(θ),   e_t(θ) = Σ_b D^{yb} ⊙ ε^b_{t-1}(θ) + I^y(θ).
 * Each factored parameter's product `u Wᵀ` becomes an input z of the traced step. D^{a·} (the
 * diagonal is proven), the immediate terms of diag-structured parameters and c^a = ∂s^a/∂z then
 * come from one compiled program, the products included: a batched JVP with ones-seeded directions
 * (`DiagonalForward`, when every op gives elementwise partials and every other parameter is
 * diag-structured), or else from
 * a taped replay and one reverse pass per target a (state fields and y), seeded with ones on a.
 * A fused kernel updates W's traces as Σ_b D ⊙ ε^b + c ⊗ u in one pass (`rowTraceUpdate`), or,
 * with a single trace, eight steps per pass (`DeferredTrace`).
 * Row-structured parameters that do not factor get materialized immediate terms instead. Under
 * the approximation, D is the true diagonal of a dense Jacobian (one batched JVP over the state).
 * Traces, sums and the kernels that update them are of `dtype`, the params' dtype (float32
 * traces take half the memory; see traceKernels).
 *
 * @example
 * ```ts
 * import { DiagonalEligibility, Network, planOstl } from "@ostl/ostl";
 * import { astype, type NDArray, PRNG, tensor } from "@ostl/core";
 * import { mse, snu } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: snu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const [plan] = planOstl(net);
 * console.log(plan!.traces, plan!.layouts); // diagonal { W: "row", b: "diag" }
 * const traces = new DiagonalEligibility(net, 0, plan!.structure, plan!.layouts, plan!.approximate);
 * const params = net.init(new PRNG(0));
 * traces.advance(params.layer0!, net.initialState().layer0!, tensor([1, 0])).accumulate(tensor([1, 1, 1]));
 * // W's traces have W's shape [3, 2], b's have b's shape [3], one of each per state field (s, y)
 * console.log(traces.floats()); // 12
 * const f32 = new DiagonalEligibility(net, 0, plan!.structure, plan!.layouts, plan!.approximate, "float32");
 * const params32 = { W: astype(params.layer0!.W as NDArray, "float32"), b: astype(params.layer0!.b as NDArray, "float32") };
 * const state32 = net.initialState(undefined, "float32").layer0!;
 * f32.advance(params32, state32, tensor([1, 0], { dtype: "float32" })).accumulate(tensor([1, 1, 1], { dtype: "float32" }));
 * const W = f32.gradients(params32).W as NDArray;
 * console.log(W.dtype, W.data.constructor.name); // float32 Float32Array
 * ```
 */
export class DiagonalEligibility implements LayerEligibility {
  private readonly stateNames: readonly string[];
  private readonly targets: readonly Target[];
  private readonly factors: readonly RowFactor[];
  /** Row and diag params whose immediate terms are materialized. */
  private readonly materialized: readonly string[];
  private readonly denseNames: readonly string[];
  /** The state field that is the very value returned as y (SNU's y, LSTM's h), if any. */
  private readonly outputAlias: string | null;
  /** When set, the factored parameters keep one trace, the primary field's (see findSinglePrimary). */
  private readonly single: SinglePrimary | null;
  /** The derivatives by DiagonalForward's compiled program, when the step is in its scope (else taped reverse passes). */
  private readonly forward: DiagonalForward | null;
  /** Buffers reused from step to step: the packed diagonals, and the c^a of one factored parameter. */
  private packed: PackedDiagonals | null = null;
  private factorScratch: TypedArray | null = null;
  /** Views of each direction of DiagonalForward's tangent buffers, by buffer (the program reuses its buffers). */
  private readonly directionViews = new WeakMap<TypedArray, NDArray[]>();
  /** The derivative maps of the forward path, over the program's tangent buffers (see derivativesByForward), with the buffer they were made for. */
  private derivativeMaps: { readonly key: TypedArray; readonly maps: Omit<StepDerivatives, "out"> } | null = null;
  /** Under the approximation: the factored products W u whose u is a previous-state field (LSTM's U h). */
  private readonly recurrentFactors: readonly RecurrentFactor[];
  /** Under the approximation: per target and state field, the buffer its recurrent diagonals are summed into. */
  private recurrentSums: Map<Target, Map<string, NDArray>> | null = null;
  /** The diagonals of the recurrent weights, by the weight's array. */
  private readonly diagonals = new WeakMap<TypedArray, TypedArray>();
  /** Q^d = ∂d/∂p of the derived fields at the previous step (single-trace mode). */
  private previousQ: Map<string, TypedArray> | null = null;
  private factoredTraces: Map<string, TypedArray[]> | null = null;
  /** Single-trace mode: per-step vectors D^{pp} + Σ_d D^{pd} ⊙ Q^d and L ⊙ Q^y, copied by DeferredTrace.push. */
  private singleScratch: { readonly decay: TypedArray; readonly weight: TypedArray } | null = null;
  /** Single-trace mode: each factored parameter's trace and gradient. */
  private singleTraces: Map<string, DeferredTrace> | null = null;
  /** Two-field mode with y a state field (an LSTM's h): each factored parameter's pair of traces and gradient. */
  private pairTraces: Map<string, DeferredPairTrace> | null = null;
  /** Traces of the parameters in `materialized` and `denseNames`, one per state field. */
  private traces: Map<string, TypedArray[]> | null = null;
  private sums = new Map<string, NDArray>();
  /** Read-only vectors of n ones and n zeros (pullback seeds, zero perturbations). */
  private unit: { readonly ones: NDArray; readonly zeros: NDArray } | null = null;
  /** The trace kernels for `dtype`. */
  private readonly kernels: ReturnType<typeof traceKernels.of>;

  constructor(
    private readonly network: Network,
    private readonly layer: number,
    private readonly structure: CellStructure,
    private readonly layouts: Readonly<Record<string, TraceLayout>>,
    private readonly approximate: boolean,
    readonly dtype: DType = "float64",
    private readonly scope: TraceScope = "unit",
  ) {
    this.kernels = traceKernels.of(dtype);
    this.stateNames = structure.stateNames;
    this.targets = [...this.stateNames, OUTPUT];
    const graph = structure.graph;
    const rowParams = Object.entries(layouts).filter(([, l]) => l === "row").map(([name]) => name);
    const inputs = StepInputs.of(graph);
    const uMay = (i: number) => i === inputs.x || (approximate && inputs.roles[i]!.kind === "state");
    this.factors = findRowFactors(graph, rowParams, uMay);
    const factored = new Set(this.factors.map((f) => f.param));
    this.materialized = Object.entries(layouts).filter(([name, l]) => (l === "row" || l === "diag") && !factored.has(name)).map(([name]) => name);
    this.denseNames = Object.entries(layouts).filter(([, l]) => l === "dense").map(([name]) => name);
    this.outputAlias = outputStateField(structure);
    const factoredInputs = new Set(this.factors.map((f) => inputs.param(f.param)));
    const blocked = (i: number) => inputs.roles[i]!.kind === "state" || factoredInputs.has(i);
    this.single = this.factors.length > 0 && !approximate && this.stateNames.length > 1 ? findSinglePrimary(graph, this.stateNames, blocked) : null;
    this.recurrentFactors = approximate ? recurrentFactorsOf(graph, this.factors) : [];
    // forward mode in one compiled program where every materialized parameter is diag-structured and, with the
    // factored products held fixed, the Jacobians are diagonal (DiagonalForward.compile proves it or
    // returns null); under the approximation the products' own coupling is added in advance()
    const diagonalOnly = this.denseNames.length === 0 && this.materialized.every((name) => layouts[name] === "diag");
    this.forward = diagonalOnly
      ? DiagonalForward.compile(graph, network.spec.layers[layer]!.hiddenSize, {
          inputs: [...this.stateNames.map((a) => inputs.state(a)), ...this.materialized.map((name) => inputs.param(name))],
          overrides: this.factors.map((f) => f.product),
          perturbations: this.single === null ? [] : [this.single.primaryVar],
        }, dtype, (inputs) => this.factors.map((f) => this.tracedProduct(f, inputs)), inputs.roles.flatMap((role, i) => (role.kind === "param" ? [i] : [])))
      : null;
  }

  /** A factored product z = W u from the graph's inputs, with the differentiable ops (computed inside DiagonalForward's program). */
  private tracedProduct(f: RowFactor, inputs: readonly Tensor[]): Tensor {
    const u = f.u.kind === "const" ? f.u.value : inputs[f.u.index]!;
    const W = inputs[StepInputs.of(this.structure.graph).param(f.param)]!;
    return f.transposed ? matmul(u, transpose(W)) : matmul(W, u);
  }

  /** The step as a function of (state, params that are not factored, products z), replayed from the traced graph. */
  private replayed(params: TensorRecord, x: Tensor) {
    const graph = this.structure.graph;
    return (state: TensorRecord, rest: TensorRecord, zs: Tensor[], deltas: Tensor[]) => {
      const inputs = StepInputs.of(graph).values({ ...params, ...rest }, state, x);
      const overrides = new Map(this.factors.map((f, j) => [f.product, zs[j]!] as const));
      const perturbations = new Map(this.single === null ? [] : [[this.single.primaryVar, deltas[0]!] as const]);
      return unflatten(graph.outputDef, replayGraph(graph, inputs, overrides, perturbations)) as { state: TensorRecord; y: Tensor };
    };
  }

  /** A factored product's u (from the step's inputs, in the graph's order) and, on the reverse path (the forward path computes it inside its program), z = W u. */
  private product(f: RowFactor, params: TensorRecord, inputs: readonly Tensor[]): { z: NDArray | null; u: NDArray } {
    const u = (f.u.kind === "const" ? f.u.value : inputs[f.u.index]!) as NDArray;
    if (this.forward !== null) return { z: null, u: core.contiguous(u) };
    const W = params[f.param] as NDArray;
    return { z: f.transposed ? core.matmul(u, core.transpose(W)) : core.matmul(W, u), u: core.contiguous(u) };
  }

  advance(params: TensorRecord, state: TensorRecord, x: Tensor): EligibilityStep {
    checkParamsDType("DiagonalEligibility.advance", params, this.dtype);
    const n = this.network.spec.layers[this.layer]!.hiddenSize;
    const c = this.stateNames.length;
    const inputs = StepInputs.of(this.structure.graph).values(params, state, x);
    const products = this.factors.map((f) => this.product(f, params, inputs));
    const { out, D, immediate, cz, Q } = this.forward === null ? this.derivativesByReverse(params, state, x, products, n) : this.derivativesByForward(this.forward, inputs, n);
    // under the approximation, scope "unit" adds the paths through the recurrent products' diagonals (U_ii); "leak" keeps the products fixed
    if (this.approximate && this.scope === "unit") {
      if (this.forward !== null) this.addRecurrentDiagonals(params, D, cz, n);
      else this.replaceWithTrueDiagonal(stepFunction(this.network, this.layer, x), state, params, D);
    }
    const denseImmediate = this.denseImmediate(stepFunction(this.network, this.layer, x), state, params);
    return {
      state: out.state,
      y: out.y,
      accumulate: (L) => {
        const signal = core.contiguous(L as NDArray);
        const diagonals = packDiagonals(this.stateNames, D, n, (this.packed ??= { state: core.zeros([c * c * n], this.dtype).data, output: core.zeros([c * n], this.dtype).data }));
        if (this.single === null) this.accumulateFactored(params, products, diagonals, cz, signal, n, c);
        else this.accumulateSingle(this.single, params, products, D, cz, Q, signal, n);
        this.accumulateOthers(params, diagonals, immediate, denseImmediate, signal, n);
      },
    };
  }

  /**
   * The step and its diagonal derivatives from one taped replay and one reverse pass per target,
   * seeded with ones on that target (the general path: any op with a vjp rule).
   */
  private derivativesByReverse(params: TensorRecord, state: TensorRecord, x: Tensor, products: { z: NDArray | null }[], n: number): StepDerivatives {
    const rest = Object.fromEntries(Object.keys(params).filter((k) => !this.factors.some((f) => f.param === k)).map((k) => [k, params[k]!]));
    const unit = (this.unit ??= { ones: core.ones([n], this.dtype), zeros: core.zeros([n], this.dtype) });
    const deltas = this.single === null ? [] : [unit.zeros];
    const [out, pullback] = vjp(this.replayed(params, x) as unknown as (...a: Tree[]) => Tree, state, rest, products.map((p) => p.z!), deltas) as unknown as [
      { state: TensorRecord; y: Tensor },
      (ct: Tree) => [TensorRecord, TensorRecord, NDArray[], NDArray[]],
    ];
    const ones = unit.ones;
    const seed = (o: Target) => ({ state: Object.fromEntries(this.stateNames.map((a) => [a, a === o ? ones : 0])), y: o === OUTPUT ? ones : 0 });
    const derivatives: StepDerivatives = { out, D: new Map(), immediate: new Map(), cz: new Map(), Q: new Map() };
    for (const o of this.targets) {
      if (o === OUTPUT && this.outputAlias !== null) continue;
      const [gs, gRest, gz, gd] = pullback(seed(o));
      derivatives.D.set(o, gs);
      derivatives.immediate.set(o, gRest);
      derivatives.cz.set(o, gz);
      if (this.single !== null) derivatives.Q.set(o, gd[0]!);
    }
    if (this.outputAlias !== null) {
      // y is one of the state fields: its derivatives are that field's
      const alias = this.outputAlias;
      derivatives.D.set(OUTPUT, derivatives.D.get(alias)!);
      derivatives.immediate.set(OUTPUT, derivatives.immediate.get(alias)!);
      derivatives.cz.set(OUTPUT, derivatives.cz.get(alias)!);
      if (this.single !== null) derivatives.Q.set(OUTPUT, derivatives.Q.get(alias)!);
    }
    return derivatives;
  }

  /** The step and its diagonal derivatives from one forward pass with one direction per state field, materialized parameter, product and perturbation. */
  private derivativesByForward(forward: DiagonalForward, inputs: readonly Tensor[], n: number): StepDerivatives {
    const graph = this.structure.graph;
    const { values, tangents } = forward.run(inputs, []);
    const c = this.stateNames.length;
    const P = this.materialized.length;
    const unit = (this.unit ??= { ones: core.ones([n], this.dtype), zeros: core.zeros([n], this.dtype) });
    // an output that depends on no direction (a constant) has zero derivatives
    // the tangents are the program's buffers, the same arrays from step to step: each direction's
    // view over them is made once (a view per step would register tens of thousands of subarrays
    // per epoch as external memory, which slows every registration)
    const direction = (t: TypedArray | null, d: number) => {
      if (t === null) return unit.zeros;
      let views = this.directionViews.get(t);
      if (views === undefined) this.directionViews.set(t, (views = []));
      return (views[d] ??= core.fromTyped(t.subarray(d * n, (d + 1) * n), [n]));
    };
    const out = unflatten(graph.outputDef, values) as { state: TensorRecord; y: Tensor };
    // the maps hold views over the program's buffers, the same from step to step: made once, unless
    // the approximation rewrites D in advance() (then per step)
    const key = tangents.find((t) => t !== null) ?? null;
    if (!this.approximate && key !== null && this.derivativeMaps?.key === key) return { out, ...this.derivativeMaps.maps };
    const derivatives: StepDerivatives = { out, D: new Map(), immediate: new Map(), cz: new Map(), Q: new Map() };
    for (const o of this.targets) {
      const t = tangents[graph.outputPaths.indexOf(o === OUTPUT ? "y" : `state.${o}`)]!;
      derivatives.D.set(o, Object.fromEntries(this.stateNames.map((b, j) => [b, direction(t, j)])));
      derivatives.immediate.set(o, Object.fromEntries(this.materialized.map((name, j) => [name, direction(t, c + j)])));
      derivatives.cz.set(o, this.factors.map((_f, j) => direction(t, c + P + j)));
      if (this.single !== null) derivatives.Q.set(o, direction(t, c + P + this.factors.length));
    }
    if (!this.approximate && key !== null) this.derivativeMaps = { key, maps: { D: derivatives.D, immediate: derivatives.immediate, cz: derivatives.cz, Q: derivatives.Q } };
    return derivatives;
  }

  /** A pair of traces per factored parameter; factors with the same derivatives (an LSTM gate's W and U) share their block coefficients. */
  private newPairTraces(params: TensorRecord, n: number, aliasIndex: number): Map<string, DeferredPairTrace> {
    const leaders = sameDerivativeFactors(this.structure.graph, this.factors);
    const shared = new Map(leaders.filter((leader, j) => leader !== j).map((leader) => [leader, new SharedBlockCoefficients()]));
    return new Map(this.factors.map((f, j) => [f.param, new DeferredPairTrace(n, params[f.param]!.shape[1]!, aliasIndex, this.dtype, shared.get(leaders[j]!) ?? null)]));
  }

  private accumulateFactored(params: TensorRecord, products: { u: NDArray }[], diagonals: PackedDiagonals, cz: Map<Target, NDArray[]>, L: NDArray, n: number, c: number): void {
    if (this.factors.length === 0) return;
    const aliasIndex = c === 2 && this.outputAlias !== null ? this.stateNames.indexOf(this.outputAlias) : -1;
    // y is one of two state fields (LSTM's h): e_t is that field's new trace, and the pair of traces runs in blocks of steps
    if (aliasIndex >= 0) this.pairTraces ??= this.newPairTraces(params, n, aliasIndex);
    else this.factoredTraces ??= new Map(this.factors.map((f) => [f.param, this.stateNames.map(() => core.zeros([params[f.param]!.size], this.dtype).data)]));
    this.factors.forEach((f, j) => {
      const W = params[f.param]!;
      const m = W.shape[1]!;
      const cs = (this.factorScratch ??= core.zeros([c * n], this.dtype).data);
      this.stateNames.forEach((a, ai) => cs.set(core.contiguous(cz.get(a)![j]!).data, ai * n));
      if (aliasIndex >= 0) {
        this.pairTraces!.get(f.param)!.push(diagonals.state, cs, L.data, products[j]!.u.data);
        return;
      }
      let sum = this.sums.get(f.param);
      if (sum === undefined) this.sums.set(f.param, (sum = core.zeros(W.shape, this.dtype)));
      this.kernels.rowTraceUpdate(n, m, this.factoredTraces!.get(f.param)!, diagonals.state, diagonals.output, cs, core.contiguous(cz.get(OUTPUT)![j]!).data, products[j]!.u.data, L.data, sum.data);
    });
  }

  /**
   * Single-trace mode: with Q^d_t = ∂d_t/∂p_t for the derived fields d,
   * ε^p_t = (D^{pp}_t + Σ_d D^{pd}_t ⊙ Q^d_{t-1}) ⊙ ε^p_{t-1} + c^p ⊗ u_t and e_t = Q^y_t ⊙ ε^p_t,
   * so g += (L_t ⊙ Q^y_t) ⊙ ε^p_t; the O(n·m) part runs in blocks of steps (see DeferredTrace).
   */
  private accumulateSingle(single: SinglePrimary, params: TensorRecord, products: { u: NDArray }[], D: Map<Target, TensorRecord>, cz: Map<Target, NDArray[]>, Q: Map<Target, NDArray>, L: NDArray, n: number): void {
    const p = single.primary;
    this.singleTraces ??= new Map(this.factors.map((f) => [f.param, new DeferredTrace(n, params[f.param]!.shape[1]!, this.dtype)]));
    // Q^d before the first step multiplies zero traces: zeros serve
    const previousQ = (this.previousQ ??= new Map(single.derived.map((d) => [d, core.zeros([n], this.dtype).data])));
    const scratch = (this.singleScratch ??= { decay: core.zeros([n], this.dtype).data, weight: core.zeros([n], this.dtype).data });
    const decay = scratch.decay;
    decay.set(core.contiguous(D.get(p)![p] as NDArray).data);
    for (const d of single.derived) {
      const dpd = core.contiguous(D.get(p)![d] as NDArray).data;
      const q = previousQ.get(d)!;
      for (let i = 0; i < n; i++) decay[i]! += dpd[i]! * q[i]!;
    }
    const qy = core.contiguous(Q.get(OUTPUT)!).data;
    const weight = scratch.weight;
    for (let i = 0; i < n; i++) weight[i] = L.data[i]! * qy[i]!;
    this.factors.forEach((f, j) => this.singleTraces!.get(f.param)!.push(decay, core.contiguous(cz.get(p)![j]!).data, weight, products[j]!.u.data));
    for (const d of single.derived) previousQ.get(d)!.set(core.contiguous(Q.get(d)!).data);
  }

  /** Row- and diag-structured parameters that do not factor, and dense-layout ones: traces updated in place from materialized immediate terms. */
  private accumulateOthers(params: TensorRecord, diagonals: PackedDiagonals, immediate: Map<Target, TensorRecord>, denseImmediate: Map<Target, Map<string, NDArray>>, L: NDArray, n: number): void {
    const names = [...this.materialized, ...this.denseNames];
    if (names.length === 0) return;
    this.traces ??= new Map(names.map((name) => [name, this.stateNames.map(() => core.zeros([this.layouts[name] === "dense" ? params[name]!.size * n : params[name]!.size], this.dtype).data)]));
    for (const name of names) {
      const layout = this.layouts[name]!;
      const size = params[name]!.size;
      const termOf = (o: Target) => core.contiguous(layout === "dense" ? denseImmediate.get(o)!.get(name)! : (immediate.get(o)![name] as NDArray)).data;
      let sum = this.sums.get(name);
      if (sum === undefined) this.sums.set(name, (sum = core.zeros(params[name]!.shape, this.dtype)));
      const [outer, inner] = layout === "dense" ? [size, 1] : [1, size / n];
      this.kernels.materializedTraceUpdate(outer, n, inner, this.traces.get(name)!, diagonals.state, diagonals.output, this.stateNames.map(termOf), termOf(OUTPUT), L.data, sum.data, layout === "dense");
    }
  }

  /**
   * Completes D, computed with the factored products z = W u held fixed, into the diagonal of the
   * whole temporal Jacobian. The step is elementwise in z (DiagonalForward proved it), so unit i of
   * a target a depends on z only through z_i, and z_i on u_i through W_ii:
   *   ∂s^a_i/∂s^b_i = D^{ab}_i + Σ_{z = W s^b} c^a_i W_ii,   c^a = ∂s^a/∂z.
   * O(n) per product, where a batched JVP over the state would cost O(n²) per product.
   */
  private addRecurrentDiagonals(params: TensorRecord, D: Map<Target, TensorRecord>, cz: Map<Target, NDArray[]>, n: number): void {
    if (this.recurrentFactors.length === 0) return;
    // per target and field, a buffer reused from step to step (the step's D is read before the next advance)
    const sums = (this.recurrentSums ??= new Map(this.targets.map((o) => [o, new Map(this.recurrentFactors.map(({ field }) => [field, core.zeros([n], this.dtype)]))])));
    for (const o of this.targets) {
      const row: Record<string, Tensor> = { ...D.get(o)! };
      for (const { factor, field } of this.recurrentFactors) {
        const diagonal = this.diagonalOf(params[this.factors[factor]!.param] as NDArray, n);
        const c = core.contiguous(cz.get(o)![factor]!).data;
        const before = core.contiguous(row[field] as NDArray).data;
        const after = sums.get(o)!.get(field)!;
        // in place when an earlier factor of this field wrote the buffer: entry i reads only entry i
        const out = after.data;
        for (let i = 0; i < n; i++) out[i] = before[i]! + c[i]! * diagonal[i]!;
        row[field] = after;
      }
      D.set(o, row);
    }
  }

  /** The diagonal of an n x n weight, kept for the array it was read from (the params of a sequence are not written in place). */
  private diagonalOf(W: NDArray, n: number): TypedArray {
    const data = core.contiguous(W).data;
    let held = this.diagonals.get(data);
    if (held === undefined) {
      held = core.zeros([n], this.dtype).data;
      for (let i = 0; i < n; i++) held[i] = data[i * n + i]!;
      this.diagonals.set(data, held);
    }
    return held;
  }

  /** Replaces D by the exact diagonal of the (dense) temporal Jacobian, from one batched JVP over the state (params held fixed). */
  private replaceWithTrueDiagonal(f: LayerStepFn, state: TensorRecord, params: TensorRecord, D: Map<Target, TensorRecord>): void {
    const layout = new TreeLayout(state);
    const n = this.network.spec.layers[this.layer]!.hiddenSize;
    const ofState = (s: TensorRecord) => f(s, params);
    const [, tangents] = jvp(ofState as (...a: Tree[]) => Tree, [state], [layout.identityTangents()], { batch: layout.size }) as unknown as [
      unknown,
      { state: Record<string, NDArray>; y: NDArray },
    ];
    const eye = core.eye(n, this.dtype);
    for (const o of this.targets) {
      const t = o === OUTPUT ? tangents.y : tangents.state[o]!;
      const diag: Record<string, Tensor> = {};
      this.stateNames.forEach((b, j) => {
        const block = core.slice(t, [layout.offsets[j]!, 0], [layout.offsets[j]! + n, n]);
        diag[b] = core.sum(core.mul(block, eye), 0);
      });
      D.set(o, diag);
    }
  }

  /** Immediate Jacobians `[P_θ, n]` of every target for the dense-layout params (one batched JVP over those params). */
  private denseImmediate(f: LayerStepFn, state: TensorRecord, params: TensorRecord): Map<Target, Map<string, NDArray>> {
    const result = new Map<Target, Map<string, NDArray>>();
    if (this.denseNames.length === 0) return result;
    const dense = Object.fromEntries(this.denseNames.map((name) => [name, params[name]!]));
    const layout = new TreeLayout(dense);
    const g = (s: TensorRecord, d: TensorRecord) => f(s, { ...params, ...d });
    const [, tangents] = jvp(g as (...a: Tree[]) => Tree, [state, dense], [new TreeLayout(state).zeroTangents(layout.size), layout.identityTangents()], { batch: layout.size }) as unknown as [
      unknown,
      { state: Record<string, NDArray>; y: NDArray },
    ];
    for (const o of this.targets) {
      const t = o === OUTPUT ? tangents.y : tangents.state[o]!;
      const perParam = new Map<string, NDArray>();
      // the directions follow the layout's (flatten) order of the params, not denseNames
      layout.paths.forEach((name, j) => perParam.set(name, core.slice(t, [layout.offsets[j]!, 0], [layout.offsets[j]! + layout.sizes[j]!, t.shape[1]!])));
      result.set(o, perParam);
    }
    return result;
  }

  /** How the step's diagonal derivatives are computed: `forward` (DiagonalForward, one compiled program) or `reverse` (a taped replay and one reverse pass per target). */
  get derivativePath(): "forward" | "reverse" {
    return this.forward === null ? "reverse" : "forward";
  }

  /** How many state fields' traces a parameter keeps: one for factored parameters in single-trace mode, else every field's. */
  traceFields(param: string): number {
    return this.single !== null && this.factors.some((f) => f.param === param) ? 1 : this.stateNames.length;
  }

  gradients(params: TensorRecord): TensorRecord {
    const out: Record<string, NDArray> = {};
    for (const [name, value] of Object.entries(params)) {
      const sum = this.sums.get(name);
      const deferred = this.singleTraces?.get(name) ?? this.pairTraces?.get(name);
      out[name] = deferred !== undefined ? core.fromTyped(deferred.gradient(), value.shape) : sum !== undefined ? core.copy(sum) : core.zeros(value.shape, value.dtype);
    }
    return out;
  }

  clearGradients(): void {
    this.sums = new Map();
    for (const trace of this.singleTraces?.values() ?? []) trace.clearGradient();
    for (const pair of this.pairTraces?.values() ?? []) pair.clearGradient();
  }

  reset(): void {
    this.sums = new Map();
    this.previousQ?.forEach((q) => q.fill(0));
    for (const list of [...(this.traces?.values() ?? []), ...(this.factoredTraces?.values() ?? [])]) for (const t of list) t.fill(0);
    this.singleTraces?.forEach((trace) => trace.reset());
    this.pairTraces?.forEach((pair) => pair.reset());
  }

  floats(): number {
    let n = 0;
    for (const list of [...(this.traces?.values() ?? []), ...(this.factoredTraces?.values() ?? [])]) for (const t of list) n += t.length;
    for (const trace of [...(this.singleTraces?.values() ?? []), ...(this.pairTraces?.values() ?? [])]) n += trace.floats();
    return n;
  }
}
