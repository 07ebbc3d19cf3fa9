import type { Graph } from "@ostl/autodiff";
import { DiagonalEligibility } from "../traces/eligibility.js";
import type { Network } from "../model/network.js";
import { type OstlOptions, planOstl } from "./ostl.js";
import type { Pattern, TraceLayout } from "../analysis/structure.js";

/**
 * Per-parameter facts of one layer.
 *
 * @example
 * ```ts
 * import { analyze, Network, type ParamAnalysis } from "@ostl/ostl";
 * import { mse, ssnu } from "@ostl/models";
 * const net = new Network({ inputSize: 3, layers: [{ cell: ssnu(), hiddenSize: 4 }], outputSize: 2, loss: mse });
 * const W: ParamAnalysis = analyze(net).layers[0]!.params.find((p) => p.name === "W")!;
 * console.log(W); // { name: "W", shape: [4, 3], reach: "row", layout: "row", traceFloats: 12 }
 * ```
 */
export interface ParamAnalysis {
  readonly name: string;
  readonly shape: readonly number[];
  /** How the parameter reaches the units directly (its immediate Jacobian's pattern). */
  readonly reach: Pattern;
  /** The trace layout OSTL picked. */
  readonly layout: TraceLayout;
  /** Floats of this parameter's OSTL traces (over all state fields). */
  readonly traceFloats: number;
}

/**
 * Per-layer facts: structure, trace layout, memory and estimated cost per step.
 *
 * @example
 * ```ts
 * import { analyze, Network, type LayerAnalysis } from "@ostl/ostl";
 * import { lstm, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 3, layers: [{ cell: lstm(), hiddenSize: 4 }], outputSize: 2, loss: mse });
 * const layer: LayerAnalysis = analyze(net).layers[0]!;
 * // dense traces: 4 gates · (4·3 + 4·4 + 4) = 128 parameter entries times 8 state entries
 * console.log(layer.cell, layer.temporalJacobian, layer.traces, layer.stateFields, layer.traceFloats); // lstm dense dense ["c", "h"] 1024
 * console.log(layer.forwardFlops, layer.ostlFlops); // 292 37376
 * ```
 */
export interface LayerAnalysis {
  readonly layer: number;
  readonly cell: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly temporalJacobian: "diagonal" | "dense";
  readonly traces: "dense" | "diagonal";
  readonly approximate: boolean;
  readonly stateFields: readonly string[];
  readonly params: readonly ParamAnalysis[];
  readonly traceFloats: number;
  /** Estimated floating-point operations of one forward step of this layer (from its traced graph). */
  readonly forwardFlops: number;
  /** Estimated floating-point operations of one OSTL trace update of this layer. */
  readonly ostlFlops: number;
}

/**
 * What {@link analyze} returns.
 *
 * @example
 * ```ts
 * import { analyze, Network, type NetworkAnalysis } from "@ostl/ostl";
 * import { mse, ssnu } from "@ostl/models";
 * const net = new Network({ inputSize: 8, layers: [{ cell: ssnu(), hiddenSize: 16 }], outputSize: 2, loss: mse });
 * const a: NetworkAnalysis = analyze(net);
 * console.log(a.traceFloats); // { rtrl: 4608, ostl: 160 }
 * console.log(a.flopsPerStep); // { bptt: 1056, rtrl: 50688, ostl: 4128 }
 * ```
 */
export interface NetworkAnalysis {
  readonly layers: readonly LayerAnalysis[];
  /** Estimated flops per step: BPTT (forward + backward ≈ 3 forward), RTRL (P forward-mode directions through the whole network), OSTL (sum over layers plus a learning-signal pass). */
  readonly flopsPerStep: { readonly bptt: number; readonly rtrl: number; readonly ostl: number };
  /** Floats carried between steps: RTRL's influence matrix and OSTL's traces (BPTT keeps its tape instead, growing with T). */
  readonly traceFloats: { readonly rtrl: number; readonly ostl: number };
}

/**
 * Flops of one evaluation of a traced graph: 2·m·n·k per matrix product, one per output entry otherwise.
 *
 * @example
 * ```ts
 * import { graphFlops } from "@ostl/ostl";
 * import { matmul, tanh, trace } from "@ostl/autodiff";
 * import { zeros } from "@ostl/core";
 * // 2·4·3 for the product, 4 for the tanh
 * console.log(graphFlops(trace((W, x) => tanh(matmul(W, x)), zeros([4, 3]), zeros([3])))); // 28
 * ```
 */
export function graphFlops(graph: Graph): number {
  let flops = 0;
  for (const eq of graph.equations) {
    const out = eq.out.shape.reduce((p, d) => p * d, 1);
    if (eq.op.name === "matmul") {
      const a = eq.inputs[0]!.shape;
      flops += 2 * out * a[a.length - 1]!;
    } else flops += out;
  }
  return flops;
}

/**
 * Analyses a network for OSTL: per layer, whether the temporal Jacobian is diagonal, how each
 * parameter reaches the units, the trace layout chosen, trace floats, and estimated flops per step
 * for BPTT, RTRL and OSTL.
 *
 * @example
 * ```ts
 * import { Network, analyze } from "@ostl/ostl";
 * import { ssnu, lstm, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 8, layers: [{ cell: ssnu(), hiddenSize: 16 }, { cell: lstm(), hiddenSize: 8 }], outputSize: 2, loss: mse });
 * const a = analyze(net);
 * console.log(a.layers[0]!.temporalJacobian, a.layers[0]!.traces); // diagonal diagonal
 * console.log(a.layers[1]!.temporalJacobian, a.layers[1]!.traces); // dense dense
 * ```
 */
export function analyze(network: Network, options: OstlOptions = {}): NetworkAnalysis {
  const plans = planOstl(network, options);
  let totalParams = 0;
  let totalState = 0;
  let networkForward = 0;
  const layers = plans.map((plan): LayerAnalysis => {
    const m = network.layerInputSize(plan.layer);
    const n = network.spec.layers[plan.layer]!.hiddenSize;
    const { params, state } = network.layerExample(plan.layer);
    const stateSize = Object.values(state).reduce((s, v) => s + v.size, 0);
    const c = plan.structure.stateNames.length;
    const P = Object.values(params).reduce((s, v) => s + v.size, 0);
    totalParams += P;
    totalState += stateSize;
    const forwardFlops = graphFlops(plan.structure.graph);
    networkForward += forwardFlops;
    const diagonal = plan.traces === "diagonal" ? new DiagonalEligibility(network, plan.layer, plan.structure, plan.layouts, plan.approximate) : null;
    const paramRows = Object.entries(params).map(([name, v]): ParamAnalysis => {
      const layout = plan.layouts[name]!;
      const size = v.size;
      const fields = diagonal === null ? c : diagonal.traceFields(name);
      const traceFloats = plan.traces === "dense" ? size * stateSize : layout === "row" || layout === "diag" ? fields * size : layout === "dense" ? c * size * n : 0;
      return { name, shape: v.shape, reach: plan.structure.params[name] ?? "none", layout, traceFloats };
    });
    const traceFloats = paramRows.reduce((s, p) => s + p.traceFloats, 0);
    // dense: P tangent directions through the step; diagonal: the step, its derivatives (counted as c + 1 passes over it, as the reverse path takes; the forward path takes fewer), and c multiply-adds per trace float and state field
    const ostlFlops = plan.traces === "dense" ? P * forwardFlops : forwardFlops + 2 * (c + 1) * forwardFlops + 2 * (c + 1) * traceFloats;
    return {
      layer: plan.layer,
      cell: plan.cell,
      inputSize: m,
      hiddenSize: n,
      temporalJacobian: plan.structure.temporalJacobian,
      traces: plan.traces,
      approximate: plan.approximate,
      stateFields: plan.structure.stateNames,
      params: paramRows,
      traceFloats,
      forwardFlops,
      ostlFlops,
    };
  });
  const learningSignal = 2 * networkForward;
  return {
    layers,
    flopsPerStep: {
      bptt: 3 * networkForward,
      rtrl: totalParams * networkForward,
      ostl: layers.reduce((s, l) => s + l.ostlFlops, 0) + learningSignal,
    },
    traceFloats: { rtrl: totalParams * totalState, ostl: layers.reduce((s, l) => s + l.traceFloats, 0) },
  };
}
