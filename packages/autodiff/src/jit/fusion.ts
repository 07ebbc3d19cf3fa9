import { contiguousStrides, type DType } from "@ostl/core";
import type { IrConst, IrEquation, IrVar } from "../ir.js";
import { opTable, type OpName } from "../op-table.js";
import { elementwiseRules } from "./elementwise-rules.js";
import { broadcastStridesTo, type Dense, emitLoop, type LoopOperand } from "./loops.js";

type Atom = IrVar | IrConst;

/** The op-table name of an equation's op, or `null` for an op outside the table (a user's `OpDef`). */
export function tableOp(eq: IrEquation): OpName | null {
  const name = eq.op.name as OpName;
  return opTable[name] === eq.op ? name : null;
}

/** Whether an equation compiles into a fused loop. */
export function isElementwise(eq: IrEquation): boolean {
  const name = tableOp(eq);
  return name !== null && elementwiseRules[name] !== undefined;
}

/** A number as a JavaScript literal, rounded to float32 first for a float32 program. */
export function literal(x: number, dtype: DType): string {
  const v = dtype === "float32" ? Math.fround(x) : x;
  return Object.is(v, -0) ? "-0" : String(v);
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Splits equations into runs to fuse: each run is consecutive elementwise equations with one
 * output shape and dtype; every other equation is a run of its own, as is an elementwise one that
 * `alone` picks (one that runs as a kernel over whole arrays), and a run ends where `kind` changes
 * (say, between ops a WebAssembly loop computes and ops it does not).
 */
export function fusionRuns(equations: readonly IrEquation[], alone: (eq: IrEquation) => boolean = () => false, kind: (eq: IrEquation) => unknown = () => 0): IrEquation[][] {
  const runs: IrEquation[][] = [];
  const fusable = (eq: IrEquation) => isElementwise(eq) && !alone(eq);
  for (const eq of equations) {
    const last = runs[runs.length - 1];
    const head = last?.[0];
    if (head !== undefined && fusable(head) && fusable(eq) && sameShape(head.out.shape, eq.out.shape) && head.out.dtype === eq.out.dtype && kind(head) === kind(eq)) last!.push(eq);
    else runs.push([eq]);
  }
  return runs;
}

/** What a fused loop needs from the program it is part of. */
export interface FusionContext {
  /** Where a value computed outside the loop lives. */
  place(a: Atom): Dense;
  /** Whether a loop member's value is read after the loop (by a later equation or as an output). */
  readLater(v: IrVar, members: ReadonlySet<number>): boolean;
  /** A buffer for a member's value, declared in the program. */
  buffer(v: IrVar): Dense;
}

/**
 * One loop over the run's output shape computing every equation of the run: each value is a
 * local (`t5`), stored into its buffer only when read after the loop; values from outside the
 * run are read through broadcast strides. A float32 run rounds each value (`Math.fround`) as the
 * interpreter's float32 kernels do.
 */
export function emitFused(run: readonly IrEquation[], ctx: FusionContext): string[] {
  const { shape, dtype } = run[0]!.out;
  const members = new Set(run.map((e) => e.out.id));
  const operands: LoopOperand[] = [];
  const operandOf = new Map<string, number>();
  const read = (a: Atom): number | string => {
    if (a.kind === "var" && members.has(a.id)) return `t${a.id}`;
    if (a.kind === "const" && typeof a.value === "number") return literal(a.value, dtype);
    const at = ctx.place(a);
    const key = `${at.data}@${at.offset}`;
    if (!operandOf.has(key)) operandOf.set(key, operands.push({ at, strides: broadcastStridesTo(at.shape, shape) }) - 1);
    return operandOf.get(key)!;
  };
  const reads = run.map((eq) => eq.inputs.map(read));
  const stores = run.map((eq) => (ctx.readLater(eq.out, members) ? operands.push({ at: ctx.buffer(eq.out), strides: contiguousStrides(shape) }) - 1 : -1));
  const loop = emitLoop(shape, operands, (index) =>
    run.flatMap((eq, g) => {
      const args = reads[g]!.map((r) => (typeof r === "number" ? index(r) : r));
      const expr = elementwiseRules[tableOp(eq)!]!(args, eq.params);
      const value = dtype === "float32" ? `Math.fround(${expr})` : expr;
      return [`const t${eq.out.id} = ${value};`, ...(stores[g]! >= 0 ? [`${index(stores[g]!)} = t${eq.out.id};`] : [])];
    }),
  );
  return [`// fused: ${run.map((e) => `${e.out.name} = ${e.op.name}`).join(", ")}`, ...loop];
}
