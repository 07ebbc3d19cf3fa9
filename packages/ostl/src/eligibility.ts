import * as core from "@ostl/core";
import type { NDArray } from "@ostl/core";
import { type Tensor, type Tree, jvp, vjp } from "@ostl/autodiff";
import type { TensorRecord } from "./cell.js";
import { TreeLayout } from "./layout.js";
import type { Network } from "./network.js";
import { contractTangents } from "./rtrl.js";
import type { CellStructure, TraceLayout } from "./structure.js";

/** One step of a layer's eligibility computation: the layer's outputs and how to turn a learning signal into a gradient. */
export interface EligibilityStep {
  readonly state: TensorRecord;
  readonly y: Tensor;
  /** Gradient contribution L_t · e_t of this step for the layer's params, given L_t = ∂E_t/∂y_t. */
  contract(learningSignal: Tensor): TensorRecord;
}

/** Eligibility traces of one layer: ε_t = (∂s_t/∂s_{t-1}) ε_{t-1} + ∂s_t/∂θ, e_t = dy_t/dθ within the layer. */
export interface LayerEligibility {
  advance(params: TensorRecord, state: TensorRecord, x: Tensor): EligibilityStep;
  reset(): void;
  /** Floats held by the traces. */
  floats(): number;
}

type LayerStepFn = (s: TensorRecord, p: TensorRecord) => { state: TensorRecord; y: Tensor };

/** The layer output y as a target of the diagonal bookkeeping (distinct from a state field that may also be named "y"). */
const OUTPUT = Symbol("output y");
/** A next-state field (by name) or the output. */
type Target = string | typeof OUTPUT;

function stepFunction(network: Network, l: number, x: Tensor): LayerStepFn {
  return (s, p) => network.layerStep(l, p, s, x);
}

/**
 * Dense traces: ε has one row per parameter entry (`[P, ...state]`), advanced by one batched
 * forward-mode pass with tangents (ε_{t-1}, I). Exact for any cell; O(P·n) memory.
 */
export class DenseEligibility implements LayerEligibility {
  private traces: Tree | null = null;
  private identity: Tree | null = null;
  private layout: TreeLayout | null = null;

  constructor(
    private readonly network: Network,
    private readonly layer: number,
  ) {}

  advance(params: TensorRecord, state: TensorRecord, x: Tensor): EligibilityStep {
    this.layout ??= new TreeLayout(params);
    this.identity ??= this.layout.identityTangents();
    const P = this.layout.size;
    const eps = this.traces ?? new TreeLayout(state).zeroTangents(P);
    const [out, tangents] = jvp(stepFunction(this.network, this.layer, x) as (...a: Tree[]) => Tree, [state, params], [eps, this.identity], { batch: P }) as unknown as [
      { state: TensorRecord; y: Tensor },
      { state: Tree; y: Tensor },
    ];
    this.traces = tangents.state;
    const layout = this.layout;
    return { state: out.state, y: out.y, contract: (L) => layout.split(contractTangents(tangents.y, L)) as TensorRecord };
  }

  reset(): void {
    this.traces = null;
  }

  floats(): number {
    return this.traces === null ? 0 : new TreeLayout(this.traces).size;
  }
}

/**
 * Structured traces for a layer whose temporal Jacobian is diagonal (proven by the structure
 * analysis) or approximated as diagonal: per state field a and parameter θ, a trace of θ's own
 * shape (row- or diag-structured θ), or `[P_θ, n]` for other parameters.
 *
 * With D^{ab} = diag ∂s^a_t/∂s^b_{t-1} and I^a(θ) = ∂s^a_t/∂θ (immediate, compressed):
 *   ε^a_t(θ) = Σ_b D^{ab} ⊙ ε^b_{t-1}(θ) + I^a(θ),   e_t(θ) = Σ_b D^{yb} ⊙ ε^b_{t-1}(θ) + I^y(θ).
 * When the Jacobian is proven diagonal, one VJP of Σ_i s^a_i gives both D^{a·} and I^a at once.
 * Under the approximation, D is the true diagonal of a dense Jacobian (one batched JVP).
 */
export class DiagonalEligibility implements LayerEligibility {
  private traces: Map<string, Map<string, NDArray>> | null = null;
  private readonly stateNames: readonly string[];
  private readonly outputs: readonly Target[];

  constructor(
    private readonly network: Network,
    private readonly layer: number,
    structure: CellStructure,
    private readonly layouts: Readonly<Record<string, TraceLayout>>,
    private readonly approximate: boolean,
  ) {
    this.stateNames = structure.stateNames;
    this.outputs = [...this.stateNames, OUTPUT];
  }

  private initialTraces(params: TensorRecord, n: number): Map<string, Map<string, NDArray>> {
    const traces = new Map<string, Map<string, NDArray>>();
    for (const a of this.stateNames) {
      const perParam = new Map<string, NDArray>();
      for (const [name, layout] of Object.entries(this.layouts)) {
        const shape = params[name]!.shape;
        if (layout === "row" || layout === "diag") perParam.set(name, core.zeros(shape));
        else if (layout === "dense") perParam.set(name, core.zeros([shape.reduce((p, d) => p * d, 1), n]));
      }
      traces.set(a, perParam);
    }
    return traces;
  }

  advance(params: TensorRecord, state: TensorRecord, x: Tensor): EligibilityStep {
    const n = this.network.spec.layers[this.layer]!.hiddenSize;
    const f = stepFunction(this.network, this.layer, x);
    const [out, pullback] = vjp(f as (...a: Tree[]) => Tree, state, params) as unknown as [{ state: TensorRecord; y: Tensor }, (ct: Tree) => [Tree, Tree]];
    const ones = core.ones([n]);
    const zeros = core.zeros([n]);
    const seed = (o: Target) => ({ state: Object.fromEntries(this.stateNames.map((a) => [a, a === o ? ones : zeros])), y: o === OUTPUT ? ones : zeros });
    const D = new Map<Target, TensorRecord>();
    const immediate = new Map<Target, TensorRecord>();
    for (const o of this.outputs) {
      const [gs, gp] = pullback(seed(o));
      D.set(o, gs as TensorRecord);
      immediate.set(o, gp as TensorRecord);
    }
    if (this.approximate) this.replaceWithTrueDiagonal(f, state, params, D);
    const denseImmediate = this.denseImmediate(f, state, params);
    const old = this.traces ?? this.initialTraces(params, n);

    const propagate = (o: Target, name: string, layout: TraceLayout): NDArray => {
      let acc: NDArray | null = null;
      for (const b of this.stateNames) {
        const d = D.get(o)![b] as NDArray;
        const term = core.mul(layout === "row" ? core.reshape(d, [n, 1]) : d, old.get(b)!.get(name)!);
        acc = acc === null ? term : core.add(acc, term);
      }
      const imm = layout === "dense" ? denseImmediate.get(o)!.get(name)! : (immediate.get(o)![name] as NDArray);
      return acc === null ? imm : core.add(acc, imm);
    };

    const next = new Map<string, Map<string, NDArray>>();
    for (const a of this.stateNames) {
      const perParam = new Map<string, NDArray>();
      for (const [name, layout] of Object.entries(this.layouts)) if (layout !== "none") perParam.set(name, propagate(a, name, layout));
      next.set(a, perParam);
    }
    const e = new Map<string, NDArray>();
    for (const [name, layout] of Object.entries(this.layouts)) if (layout !== "none") e.set(name, propagate(OUTPUT, name, layout));
    this.traces = next;

    return {
      state: out.state,
      y: out.y,
      contract: (L) => {
        const signal = L as NDArray;
        const g: Record<string, Tensor> = {};
        for (const [name, layout] of Object.entries(this.layouts)) {
          const shape = params[name]!.shape;
          if (layout === "none") g[name] = core.zeros(shape);
          else if (layout === "row") g[name] = core.mul(core.reshape(signal, [n, 1]), e.get(name)!);
          else if (layout === "diag") g[name] = core.mul(signal, e.get(name)!);
          else g[name] = core.reshape(core.matmul(e.get(name)!, signal), shape);
        }
        return g;
      },
    };
  }

  /** Replaces D by the exact diagonal of the (dense) temporal Jacobian, from one batched JVP over the state. */
  private replaceWithTrueDiagonal(f: LayerStepFn, state: TensorRecord, params: TensorRecord, D: Map<Target, TensorRecord>): void {
    const layout = new TreeLayout(state);
    const n = this.network.spec.layers[this.layer]!.hiddenSize;
    const [, tangents] = jvp(f as (...a: Tree[]) => Tree, [state, params], [layout.identityTangents(), new TreeLayout(params).zeroTangents(layout.size)], { batch: layout.size }) as unknown as [
      unknown,
      { state: Record<string, NDArray>; y: NDArray },
    ];
    const eye = core.eye(n);
    for (const o of this.outputs) {
      const t = o === OUTPUT ? tangents.y : tangents.state[o]!;
      const diag: Record<string, Tensor> = {};
      this.stateNames.forEach((b, j) => {
        const block = core.slice(t, [layout.offsets[j]!, 0], [layout.offsets[j]! + n, n]);
        diag[b] = core.sum(core.mul(block, eye), 0);
      });
      D.set(o, diag);
    }
  }

  /** Immediate Jacobians `[P_θ, n]` of every output for the dense-layout params (one batched JVP over those params). */
  private denseImmediate(f: LayerStepFn, state: TensorRecord, params: TensorRecord): Map<Target, Map<string, NDArray>> {
    const result = new Map<Target, Map<string, NDArray>>();
    const denseNames = Object.entries(this.layouts).filter(([, l]) => l === "dense").map(([name]) => name);
    if (denseNames.length === 0) return result;
    const dense = Object.fromEntries(denseNames.map((name) => [name, params[name]!]));
    const layout = new TreeLayout(dense);
    const g = (s: TensorRecord, d: TensorRecord) => f(s, { ...params, ...d });
    const [, tangents] = jvp(g as (...a: Tree[]) => Tree, [state, dense], [new TreeLayout(state).zeroTangents(layout.size), layout.identityTangents()], { batch: layout.size }) as unknown as [
      unknown,
      { state: Record<string, NDArray>; y: NDArray },
    ];
    for (const o of this.outputs) {
      const t = o === OUTPUT ? tangents.y : tangents.state[o]!;
      const perParam = new Map<string, NDArray>();
      denseNames.forEach((name, j) => perParam.set(name, core.slice(t, [layout.offsets[j]!, 0], [layout.offsets[j]! + layout.sizes[j]!, t.shape[1]!])));
      result.set(o, perParam);
    }
    return result;
  }

  reset(): void {
    this.traces = null;
  }

  floats(): number {
    let n = 0;
    for (const perParam of this.traces?.values() ?? []) for (const t of perParam.values()) n += t.size;
    return n;
  }
}
