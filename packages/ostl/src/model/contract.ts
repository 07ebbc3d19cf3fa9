/**
 * The contract between a cell, the network that stacks it and the values users pass in: what a
 * cell's `init` and `step` must return, and what params and state an algorithm may begin with.
 * Every algorithm and every consumer that traces a step checks through these functions, once per
 * layer at setup (a pure cell's output shapes follow from its input shapes), so each failure
 * names the cell, the layer and the field instead of failing deep inside a kernel.
 *
 * @module
 */
import { type DType, DTypeError, NDArray, ShapeError, ValueError } from "@ostl/core";
import { type Tensor, Tracer } from "@ostl/autodiff";
import type { StepResult, TensorRecord } from "./cell.js";

/**
 * Where a cell runs: its name and, inside a network, its layer (both named in every message).
 *
 * @example
 * ```ts
 * import { type CellSite, checkCellInit } from "@ostl/ostl";
 * import { zeros } from "@ostl/core";
 * const site: CellSite = { cell: "leaky", layer: 1 };
 * try {
 *   checkCellInit(site, { params: {}, state: { h: zeros([4]) } }, 3);
 * } catch (e) {
 *   console.log((e as Error).message); // leaky (layer 1): init returned state 'h' of shape [4], expected [3] (hiddenSize)
 * }
 * ```
 */
export interface CellSite {
  readonly cell: string;
  readonly layer?: number;
}

const label = (site: CellSite) => (site.layer === undefined ? site.cell : `${site.cell} (layer ${site.layer})`);
const isTensor = (v: unknown): v is Tensor => v instanceof NDArray || v instanceof Tracer;
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v) && !isTensor(v);
const shapeText = (shape: readonly number[]) => `[${shape.join(",")}]`;
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? `an object {${Object.keys(v).join(", ")}}` : `${typeof v} ${String(v)}`;
}

/** Throws unless `given` has exactly the keys of `expected`, naming the extra and missing ones. */
function checkKeys(op: string, what: string, expected: readonly string[], given: Record<string, unknown>): void {
  const keys = Object.keys(given);
  const extra = keys.filter((k) => !expected.includes(k));
  const missing = expected.filter((k) => !(k in given));
  if (extra.length === 0 && missing.length === 0) return;
  const parts = [extra.length > 0 ? `extra: ${extra.join(", ")}` : "", missing.length > 0 ? `missing: ${missing.join(", ")}` : ""].filter((p) => p !== "");
  throw new ValueError(op, `${what} {${keys.join(",")}}, expected {${expected.join(",")}} (${parts.join("; ")})`);
}

/**
 * Checks what a cell's `init` returns: `{ params, state }`, records of tensors, each state field of
 * shape `[hiddenSize]`.
 *
 * @throws {@link ValueError} when params or state are not records of tensors; {@link ShapeError}
 * when a state field's shape is not `[hiddenSize]`.
 * @example
 * ```ts
 * import { checkCellInit } from "@ostl/ostl";
 * import { zeros } from "@ostl/core";
 * checkCellInit({ cell: "lstm", layer: 0 }, { params: { b: zeros([3]) }, state: { h: zeros([3]), c: zeros([3]) } }, 3); // passes
 * try {
 *   checkCellInit({ cell: "lstm", layer: 0 }, { params: { b: zeros([3]) }, state: { h: zeros([3]), c: 0 } }, 3);
 * } catch (e) {
 *   console.log((e as Error).message); // lstm (layer 0): init returned state 'c' that is not a tensor (got number 0)
 * }
 * ```
 */
export function checkCellInit(site: CellSite, init: unknown, hiddenSize: number): asserts init is { params: TensorRecord; state: TensorRecord } {
  const op = label(site);
  const made = init as { params?: unknown; state?: unknown } | null;
  if (!isRecord(made) || !isRecord(made.params) || !isRecord(made.state)) throw new ValueError(op, `init must return { params, state }, records of tensors, got ${describe(init)}`);
  for (const [group, record] of [["params", made.params], ["state", made.state]] as const) {
    for (const [name, v] of Object.entries(record)) if (!isTensor(v)) throw new ValueError(op, `init returned ${group} '${name}' that is not a tensor (got ${describe(v)})`);
  }
  for (const [name, v] of Object.entries(made.state as TensorRecord)) {
    if (!sameShape(v.shape, [hiddenSize])) throw new ShapeError(op, `init returned state '${name}' of shape ${shapeText(v.shape)}, expected [${hiddenSize}] (hiddenSize)`);
  }
}

/**
 * Checks what a cell's `step` returned against the state it received: `{ state, y }`, the same
 * state fields with the same shapes, all tensors, and `y` of shape `yShape` (`[hiddenSize]`, or
 * `[batch, hiddenSize]`: the next layer and the readout read it).
 *
 * @throws {@link ValueError} for a missing `state` or `y`, extra or missing state fields, or a
 * value that is not a tensor; {@link ShapeError} for a field or `y` of the wrong shape.
 * @example
 * ```ts
 * import { checkStepResult } from "@ostl/ostl";
 * import { zeros } from "@ostl/core";
 * const received = { h: zeros([3]) };
 * checkStepResult({ cell: "rnn", layer: 0 }, received, { state: { h: zeros([3]) }, y: zeros([3]) }, [3]); // passes
 * try {
 *   checkStepResult({ cell: "rnn", layer: 0 }, received, { state: { h: zeros([3]), k: zeros([3]) }, y: zeros([3]) }, [3]);
 * } catch (e) {
 *   console.log((e as Error).message); // rnn (layer 0): step returned state fields {h,k}, expected {h} (extra: k)
 * }
 * try {
 *   checkStepResult({ cell: "rnn", layer: 0 }, received, { state: { h: zeros([3]) }, y: zeros([4]) }, [3]);
 * } catch (e) {
 *   console.log((e as Error).message); // rnn (layer 0): step returned y of shape [4], expected [3] ([hiddenSize], as the next layer and the readout read it)
 * }
 * ```
 */
export function checkStepResult(site: CellSite, received: TensorRecord, result: unknown, yShape: readonly number[]): asserts result is StepResult {
  const op = label(site);
  if (!isRecord(result) || !isRecord(result.state) || !("y" in result)) throw new ValueError(op, `step must return { state, y } with state a record of tensors, got ${describe(result)}`);
  const state = result.state;
  checkKeys(op, "step returned state fields", Object.keys(received), state);
  for (const [name, v] of Object.entries(state)) {
    if (!isTensor(v)) throw new ValueError(op, `step returned state '${name}' that is not a tensor (got ${describe(v)})`);
    const before = received[name]!.shape;
    if (!sameShape(v.shape, before)) throw new ShapeError(op, `step changed the shape of state '${name}' from ${shapeText(before)} to ${shapeText(v.shape)}`);
  }
  const y = result.y;
  if (!isTensor(y)) throw new ValueError(op, `step returned y that is not a tensor (got ${describe(y)})`);
  if (!sameShape(y.shape, yShape)) {
    throw new ShapeError(op, `step returned y of shape ${shapeText(y.shape)}, expected ${shapeText(yShape)} (${yShape.length === 1 ? "[hiddenSize]" : "[batch, hiddenSize]"}, as the next layer and the readout read it)`);
  }
}

/** Shapes of a params or state tree: `layer0: { W: [3, 2] }, readout: { ... }`. */
export type ShapeTree = Readonly<Record<string, Readonly<Record<string, readonly number[]>>>>;

/**
 * Checks params or state that enter an algorithm against the shapes the network expects: the same
 * layers and fields, tensors of those shapes (state may have one leading batch axis, the same for
 * every field), and one dtype (`dtype` if given, else the first field's). Returns that dtype.
 */
export function checkTreeValues(op: string, what: "params" | "state", expected: ShapeTree, given: unknown, dtype?: DType): DType {
  if (!isRecord(given)) throw new ValueError(op, `${what} must be a record of layers {${Object.keys(expected).join(",")}}, got ${describe(given)}`);
  checkKeys(op, `${what} hold layers`, Object.keys(expected), given);
  let first: { path: string; dtype: DType } | null = dtype === undefined ? null : { path: "", dtype };
  let batch: { path: string; size: number | null } | null = null;
  for (const [key, shapes] of Object.entries(expected)) {
    const record = given[key];
    if (!isRecord(record)) throw new ValueError(op, `${what} '${key}' must be a record of tensors {${Object.keys(shapes).join(",")}}, got ${describe(record)}`);
    checkKeys(op, `${what} '${key}' has fields`, Object.keys(shapes), record);
    for (const [name, shape] of Object.entries(shapes)) {
      const path = `${key}.${name}`;
      const v = record[name];
      if (!isTensor(v)) throw new ValueError(op, `${what} '${path}' is not a tensor (got ${describe(v)})`);
      const size = what === "state" && v.shape.length === shape.length + 1 ? v.shape[0]! : null;
      if (!sameShape(size === null ? v.shape : v.shape.slice(1), shape)) {
        throw new ShapeError(op, `${what} '${path}' has shape ${shapeText(v.shape)}, expected ${shapeText(shape)}${what === "state" ? ` or [batch, ${shape.join(",")}]` : ""}`);
      }
      if (batch !== null && batch.size !== size) throw new ShapeError(op, `state '${path}' has shape ${shapeText(v.shape)}, but '${batch.path}' is ${batch.size === null ? "unbatched" : `batched ${batch.size}`}`);
      batch ??= { path, size };
      if (first === null) first = { path, dtype: v.dtype };
      else if (v.dtype !== first.dtype) {
        const clash = first.path === "" ? `${what} '${path}' is ${v.dtype}, but the params are ${first.dtype}` : `${what} mix dtypes: '${first.path}' is ${first.dtype}, '${path}' is ${v.dtype}`;
        throw new DTypeError(op, `${clash} (cast with astype: one dtype throughout)`);
      }
    }
  }
  return first!.dtype;
}
