import { contiguousStrides } from "@ostl/core";
import type { IrEquation, IrVar } from "../ir.js";
import { opTable } from "../op-table.js";
import type { SliceParams } from "../ops/structure.js";
import type { SimplifiedGraph } from "./simplify.js";

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Whether a view with these shape and strides is dense in row-major order. */
function dense(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 0) return true;
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}

/**
 * Where the output of `eq` lies inside its input when it is a run of the input's elements in
 * row-major order, so a program can read it in place instead of copying: `reshape`; `sumTo` and
 * `broadcastTo` to the same shape; a `slice` that is dense (a range of rows, a range inside one
 * row). Returns the input and the element offset, or `null` when the output needs its own buffer.
 */
export function aliasOf(eq: IrEquation): { input: IrVar; offset: number } | null {
  const x = eq.inputs[0];
  if (x === undefined || x.kind !== "var") return null;
  const op = eq.op;
  if (op === opTable.reshape) return { input: x, offset: 0 };
  if ((op === opTable.sumTo || op === opTable.broadcastTo) && sameShape(x.shape, eq.out.shape)) return { input: x, offset: 0 };
  if (op !== opTable.slice) return null;
  const p = eq.params as SliceParams;
  const own = contiguousStrides(x.shape);
  if (!dense(eq.out.shape, own.map((s, i) => s * p.steps[i]!))) return null;
  return { input: x, offset: p.starts.reduce((sum, a, i) => sum + a * own[i]!, 0) };
}

/**
 * The values a program writes straight into its callers' output arrays: an output whose elements
 * an equation writes (directly, or under aliases such as a reshape) gets a buffer allocated on
 * each call and handed over as it is, when no other output shares that buffer. Others (an output
 * that is an argument, or shares its buffer with another output) are copied out.
 * `rootOf(id)` follows aliases back to the value that owns the elements.
 */
export function freshOutputs(graph: SimplifiedGraph): { fresh: ReadonlySet<number>; rootOf: (id: number) => number } {
  const aliases = new Map<number, number>();
  for (const eq of graph.equations) {
    const alias = aliasOf(eq);
    if (alias !== null) aliases.set(eq.out.id, alias.input.id);
  }
  const rootOf = (id: number): number => (aliases.has(id) ? rootOf(aliases.get(id)!) : id);
  const inputs = new Set(graph.inputs.map((v) => v.id));
  const roots = graph.outputs.flatMap((a) => (a.kind === "var" ? [rootOf(a.id)] : []));
  const fresh = new Set(roots.filter((root) => !inputs.has(root) && roots.filter((r) => r === root).length === 1));
  return { fresh, rootOf };
}
