import { contiguousStrides } from "@ostl/core";
import type { IrEquation } from "../ir.js";
import type { OpName } from "../op-table.js";
import type { PadSliceParams, SliceParams } from "../ops/structure.js";
import type { ReduceParams } from "../ops/reduce.js";
import { broadcastStridesTo, type Dense, emitLoop, type LoopOperand } from "./loops.js";

/**
 * How a non-elementwise op compiles: the source lines that write `out` from `inputs`, all dense
 * row-major buffers of the program.
 *
 * @example
 * ```ts
 * import { structureRules, tensor, trace, transpose, type StructureRule } from "@ostl/autodiff";
 * const [eq] = trace((x) => transpose(x), tensor([[1, 2, 3]])).equations;
 * const rule: StructureRule = structureRules.transpose!;
 * const lines = rule(eq!, [{ data: "b0", offset: "0", shape: [1, 3] }], { data: "b1", offset: "0", shape: [3, 1] });
 * console.log(lines.join(" ").replace(/\s+/g, " ")); // { for (let k = 0; k < 3; k++) { b1[k] = b0[k]; } }
 * ```
 */
export type StructureRule = (eq: IrEquation, inputs: readonly Dense[], out: Dense) => string[];

const whole = (at: Dense, strides = contiguousStrides(at.shape), extra = 0): LoopOperand => ({ at, strides, extra });
const copyLoop = (shape: readonly number[], to: LoopOperand, from: LoopOperand) => emitLoop(shape, [to, from], (ix) => [`${ix(0)} = ${ix(1)};`]);
const fill = (out: Dense, value: string) => emitLoop(out.shape, [whole(out)], (ix) => [`${ix(0)} = ${value};`]);

/** Strides of the output of a reduction at each index of its input: 0 along reduced axes. */
function reducedStrides(inShape: readonly number[], kept: (axis: number) => boolean): number[] {
  const keptShape = inShape.map((d, i) => (kept(i) ? d : 1));
  const own = contiguousStrides(keptShape);
  return inShape.map((_, i) => (kept(i) ? own[i]! : 0));
}

function reduce(out: Dense, x: Dense, strides: readonly number[], start: string, step: (acc: string, v: string) => string): string[] {
  return [...fill(out, start), ...emitLoop(x.shape, [whole(x), { at: out, strides }], (ix) => [`${ix(1)} = ${step(ix(1), ix(0))};`])];
}

const sumStep = (acc: string, v: string) => `${acc} + ${v}`;

/**
 * The compile rules of the op table's structure ops and reductions, by name: each writes its
 * output with generated loops (strided reads for transpose and slice, stride-0 reads for
 * broadcasts, accumulation for reductions).
 *
 * @example
 * ```ts
 * import { structureRules } from "@ostl/autodiff";
 * console.log(Object.keys(structureRules)); // ["transpose", "broadcastTo", "slice", "padSlice", "concat", "sum", "max", "sumTo"]
 * ```
 */
export const structureRules: { readonly [K in OpName]?: StructureRule } = {
  transpose: (eq, [x], out) => {
    const own = contiguousStrides(x!.shape);
    const perm = (eq.params as { perm: readonly number[] }).perm;
    return copyLoop(out.shape, whole(out), whole(x!, perm.map((a) => own[a]!)));
  },
  broadcastTo: (_eq, [x], out) => copyLoop(out.shape, whole(out), whole(x!, broadcastStridesTo(x!.shape, out.shape))),
  slice: (eq, [x], out) => {
    const p = eq.params as SliceParams;
    const own = contiguousStrides(x!.shape);
    const start = p.starts.reduce((s, a, i) => s + a * own[i]!, 0);
    return copyLoop(out.shape, whole(out), whole(x!, own.map((s, i) => s * p.steps[i]!), start));
  },
  padSlice: (eq, [x], out) => {
    const p = eq.params as PadSliceParams;
    const own = contiguousStrides(out.shape);
    const start = p.starts.reduce((s, a, i) => s + a * own[i]!, 0);
    return [...fill(out, "0"), ...copyLoop(x!.shape, whole(out, own.map((s, i) => s * p.steps[i]!), start), whole(x!))];
  },
  concat: (eq, xs, out) => {
    const axis = (eq.params as { axis: number }).axis;
    const own = contiguousStrides(out.shape);
    let at = 0;
    return xs.flatMap((x) => {
      const lines = copyLoop(x.shape, whole(out, own, at * own[axis]!), whole(x));
      at += x.shape[axis]!;
      return lines;
    });
  },
  sum: (eq, [x], out) => {
    const { axes } = eq.params as ReduceParams;
    return reduce(out, x!, reducedStrides(x!.shape, (i) => !axes.includes(i)), "0", sumStep);
  },
  max: (eq, [x], out) => {
    const { axes } = eq.params as ReduceParams;
    return reduce(out, x!, reducedStrides(x!.shape, (i) => !axes.includes(i)), "-Infinity", (acc, v) => `Math.max(${acc}, ${v})`);
  },
  sumTo: (eq, [x], out) => {
    const target = (eq.params as { shape: readonly number[] }).shape;
    const lead = x!.shape.length - target.length;
    const own = contiguousStrides(target);
    const strides = x!.shape.map((d, i) => (i < lead || (target[i - lead] === 1 && d !== 1) ? 0 : own[i - lead]!));
    return reduce(out, x!, strides, "0", sumStep);
  },
};
