import { contiguousStrides, FunctionBuilder, LogisticLanes, type NDArray, valueType } from "@ostl/core";
import type { IrEquation } from "../ir.js";
import type { OpName } from "../op-table.js";
import { isElementwise, tableOp } from "./fusion.js";
import { broadcastStridesTo } from "./loops.js";

/**
 * How an elementwise op computes two float64 lanes in a WebAssembly loop: `operand(j)` pushes
 * its j-th operand's two lanes (it may be called more than once); the rule leaves the result's
 * two lanes on the stack. `logistic()` gives the loop's {@link LogisticLanes}. Each is the
 * lane-wise twin of the op's JavaScript rule (`elementwiseRules`), with the same IEEE results:
 * `+ - * /`, `sqrt`, `abs` and negation are exact in both; `f64x2.max`/`min` give NaN when either
 * lane is NaN and order -0 below +0, as `Math.max`/`Math.min` do; a comparison is a lane mask
 * and-ed with 1.0 (NaN compares false, and unequal to everything); sigmoid and softplus follow
 * `sigmoidScalar` and `softplusScalar` bit for bit.
 *
 * @example
 * ```ts
 * import { wasmElementwiseRules } from "@ostl/autodiff";
 * console.log(Object.keys(wasmElementwiseRules).length, "tanh" in wasmElementwiseRules); // 22 false
 * ```
 */
export type WasmElementwiseRule = (f: FunctionBuilder, operand: (j: number) => void, logistic: () => LogisticLanes) => void;

/** A logistic function of the operand, through a pair of v128 locals. */
const logisticRule = (apply: (lanes: LogisticLanes, x: number, y: number) => void): WasmElementwiseRule => (f, operand, logistic) => {
  const [x, y] = [f.local(valueType.v128), f.local(valueType.v128)];
  operand(0);
  f.set(x);
  apply(logistic(), x, y);
  f.get(y);
};

const lanes = (emit: (f: FunctionBuilder) => FunctionBuilder): WasmElementwiseRule => (f, operand) => {
  operand(0);
  operand(1);
  emit(f);
};
const unary = (emit: (f: FunctionBuilder) => FunctionBuilder): WasmElementwiseRule => (f, operand) => {
  operand(0);
  emit(f);
};
/** 1 where the lane mask of (a, b) is set, else 0: `a op b ? 1 : 0`. */
const test = (compare: (f: FunctionBuilder) => FunctionBuilder): WasmElementwiseRule => (f, operand) => {
  operand(0);
  operand(1);
  compare(f).f64x2Const(1).v128And();
};

/**
 * The elementwise ops that compile into WebAssembly fused loops, by name (see
 * {@link WasmElementwiseRule}). The other transcendental ops (exp, log, tanh, ...) are absent:
 * they run in JavaScript loops of their own.
 *
 * @example
 * ```ts
 * import { wasmElementwiseRules } from "@ostl/autodiff";
 * console.log("where" in wasmElementwiseRules, "exp" in wasmElementwiseRules); // true false
 * ```
 */
export const wasmElementwiseRules: { readonly [K in OpName]?: WasmElementwiseRule } = {
  add: lanes((f) => f.f64x2Add()),
  sub: lanes((f) => f.f64x2Sub()),
  mul: lanes((f) => f.f64x2Mul()),
  div: lanes((f) => f.f64x2Div()),
  maximum: lanes((f) => f.f64x2Max()),
  minimum: lanes((f) => f.f64x2Min()),
  neg: unary((f) => f.f64x2Neg()),
  abs: unary((f) => f.f64x2Abs()),
  sqrt: unary((f) => f.f64x2Sqrt()),
  sigmoid: logisticRule((lanes, x, y) => lanes.sigmoid(x, y)),
  softplus: logisticRule((lanes, x, y) => lanes.softplus(x, y)),
  stopGradient: unary((f) => f),
  greater: test((f) => f.f64x2Gt()),
  greaterEqual: test((f) => f.f64x2Ge()),
  less: test((f) => f.f64x2Lt()),
  lessEqual: test((f) => f.f64x2Le()),
  equal: test((f) => f.f64x2Eq()),
  notEqual: test((f) => f.f64x2Ne()),
  // x > 0 ? 1 : 0
  heaviside: (f, operand) => {
    operand(0);
    f.v128Zero().f64x2Gt().f64x2Const(1).v128And();
  },
  // x < 0 ? 0 : x (NaN and -0 kept)
  relu: (f, operand) => {
    f.v128Zero();
    operand(0);
    operand(0);
    f.v128Zero().f64x2Lt().bitselect();
  },
  // c !== 0 ? a : b (a NaN c picks a)
  where: (f, operand) => {
    operand(1);
    operand(2);
    operand(0);
    f.v128Zero().f64x2Ne().bitselect();
  },
  // Math.sign: 1 above 0, -1 below, x itself for ±0 and NaN
  sign: (f, operand) => {
    f.f64x2Const(1).f64x2Const(-1);
    operand(0);
    operand(0);
    f.v128Zero().f64x2Lt().bitselect();
    operand(0);
    f.v128Zero().f64x2Gt().bitselect();
  },
};

/**
 * An operand of a WebAssembly fused loop: an array in the program's arena (its slot and the
 * element it starts at) read along the loop (`flat`), one element for every lane (`one`) or one
 * row repeated along the leading axes (`row`, a bias over a batch), a number, or the value of an
 * earlier member of the run.
 */
export type WasmOperand =
  | { readonly kind: "flat" | "one" | "row"; readonly slot: number; readonly offset: number }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "member"; readonly index: number };

/** A fused run as the arena holds it: its equations' operands and, per equation, the slot its value is stored into (null: only read inside the loop). */
export interface WasmRunPlan {
  readonly size: number;
  /** The length of the row that `row` operands repeat (even), or null when none does. */
  readonly period: number | null;
  readonly reads: readonly (readonly WasmOperand[])[];
  readonly stores: readonly (number | null)[];
  readonly ops: readonly OpName[];
}

/** How an operand is read along a loop (see {@link operandReading}). */
export type OperandReading = { readonly kind: "flat" | "one" | "strided" } | { readonly kind: "row"; readonly period: number };

/**
 * How an operand of shape `from` is read along a loop over `to`: along the loop in row-major
 * order, one element throughout, a row of `period` elements repeated along the leading axes (an
 * even period: two lanes never straddle rows), or with other strides (which the WebAssembly loop
 * does not do).
 */
export function operandReading(from: readonly number[], to: readonly number[]): OperandReading {
  const strides = broadcastStridesTo(from, to);
  const kept = to.map((_, i) => i).filter((i) => to[i] !== 1);
  const own = kept.map((i) => strides[i]!);
  if (own.every((s) => s === 0)) return { kind: "one" };
  const dims = kept.map((i) => to[i]!);
  const flat = contiguousStrides(dims);
  if (own.every((s, i) => s === flat[i])) return { kind: "flat" };
  // zero strides on the leading axes, the trailing ones read as a row of their own
  for (let d = 1; d < dims.length; d++) {
    const tail = dims.slice(d);
    const period = tail.reduce((p, x) => p * x, 1);
    if (own.slice(0, d).every((s) => s === 0) && contiguousStrides(tail).every((s, i) => s === own[d + i]) && period % 2 === 0) return { kind: "row", period };
  }
  return { kind: "strided" };
}

/** The row length of a run's `row` operands, null when it has none, or undefined when they disagree or one is strided (no WebAssembly loop then). */
function runPeriod(run: readonly IrEquation[]): number | null | undefined {
  const { shape } = run[0]!.out;
  const members = new Set(run.map((e) => e.out.id));
  let period: number | null = null;
  for (const a of run.flatMap((eq) => eq.inputs)) {
    if ((a.kind === "var" && members.has(a.id)) || (a.kind === "const" && typeof a.value === "number")) continue;
    if ((a.kind === "var" ? a.dtype : (a.value as NDArray).dtype) !== "float64") return undefined;
    const reading = operandReading(a.shape, shape);
    if (reading.kind === "strided") return undefined;
    if (reading.kind !== "row") continue;
    if (period !== null && period !== reading.period) return undefined;
    period = reading.period;
  }
  return period;
}

/** Whether an elementwise equation has a WebAssembly rule for its dtype (float64 only). */
export function wasmCapable(eq: IrEquation): boolean {
  return eq.out.dtype === "float64" && isElementwise(eq) && wasmElementwiseRules[tableOp(eq)!] !== undefined;
}

/**
 * Whether a fused run compiles into a WebAssembly loop: float64, at least `minSize` elements,
 * every op in {@link wasmElementwiseRules}, and every float64 operand from outside the run a
 * number or read along the loop, as one element, or as a row (all rows of one length).
 */
export function wasmFusable(run: readonly IrEquation[], minSize: number): boolean {
  const { shape, dtype } = run[0]!.out;
  if (dtype !== "float64" || shape.reduce((p, d) => p * d, 1) < minSize || !run.every(wasmCapable)) return false;
  return runPeriod(run) !== undefined;
}

/** The row length of a fusable run's `row` operands (null: none). */
export function wasmRunPeriod(run: readonly IrEquation[]): number | null {
  return runPeriod(run) ?? null;
}

/**
 * The WebAssembly function of a fused run over the arena whose slots start at `addresses`
 * (bytes): two lanes per iteration, each member's value in a local, stored where the plan says.
 * The loop runs over whole pairs: with an odd size it reads one element past each operand and
 * writes one past each stored value, which the arena's slots (padded to pairs, with a guard after
 * the last) leave room for.
 */
export function wasmRunFunction(plan: WasmRunPlan, addresses: readonly number[]): FunctionBuilder {
  const f = new FunctionBuilder([]);
  const i = f.local(valueType.i32);
  const address = (o: { slot: number; offset: number }) => addresses[o.slot]! + 8 * o.offset;
  // operands read as one element: splatted once, before the loop
  const splats = new Map<string, number>();
  for (const o of plan.reads.flat()) {
    if (o.kind !== "one") continue;
    const key = `${o.slot}@${o.offset}`;
    if (splats.has(key)) continue;
    const local = f.local(valueType.v128);
    f.i32(0).f64x2LoadSplat(address(o)).set(local);
    splats.set(key, local);
  }
  // the logistic functions' constants, set before the loop
  const lanes = plan.ops.some((op) => op === "sigmoid" || op === "softplus") ? new LogisticLanes(f) : null;
  const values = plan.ops.map(() => f.local(valueType.v128));
  // i: the byte offset along the loop; w: within the row that row operands repeat (i itself without them)
  const w = plan.period === null ? i : f.local(valueType.i32);
  const rowStart = f.local(valueType.i32);
  const body = () =>
    plan.ops.forEach((op, g) => {
      const reads = plan.reads[g]!;
      wasmElementwiseRules[op]!(f, (j) => {
        const o = reads[j]!;
        if (o.kind === "member") f.get(values[o.index]!);
        else if (o.kind === "number") f.f64x2Const(o.value);
        else if (o.kind === "one") f.get(splats.get(`${o.slot}@${o.offset}`)!);
        else f.get(o.kind === "row" ? w : i).v128Load(address(o));
      }, () => lanes!);
      f.set(values[g]!);
      const slot = plan.stores[g];
      if (slot !== null && slot !== undefined) f.get(i).get(values[g]!).v128Store(addresses[slot]!);
    });
  if (plan.period === null) {
    f.i32(0).set(i);
    f.loop(() => {
      body();
      f.get(i).i32(16).add().set(i);
      f.get(i).i32(16 * Math.ceil(plan.size / 2)).ltU().brIf(0);
    });
    return f;
  }
  // rows of `period` entries (even): an outer loop over their starts, an inner one along each
  const rowBytes = 8 * plan.period;
  f.i32(0).set(rowStart);
  f.loop(() => {
    f.i32(0).set(w);
    f.loop(() => {
      f.get(rowStart).get(w).add().set(i);
      body();
      f.get(w).i32(16).add().set(w);
      f.get(w).i32(rowBytes).ltU().brIf(0);
    });
    f.get(rowStart).i32(rowBytes).add().set(rowStart);
    f.get(rowStart).i32(8 * plan.size).ltU().brIf(0);
  });
  return f;
}
