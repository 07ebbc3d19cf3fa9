import { contiguousStrides } from "@ostl/core";

/**
 * Where a value lives in a compiled program: a typed array named `data` in the generated source,
 * holding the value densely in row-major order from `offset` (a source expression).
 *
 * @example
 * ```ts
 * import { type Dense } from "@ostl/autodiff";
 * const w: Dense = { data: "b3", offset: "o3", shape: [2, 4] };
 * console.log(w.data, w.shape); // b3 [2, 4]
 * ```
 */
export interface Dense {
  readonly data: string;
  readonly offset: string;
  readonly shape: readonly number[];
  /** Whether `data` names another array on each call (an argument's, or a fresh output): views over it are made per call. */
  readonly perCall?: boolean;
}

/**
 * One array a generated loop reads or writes: element `(i0, i1, ...)` of the loop is at
 * `data[offset + extra + Σ i_d * strides[d]]`.
 */
export interface LoopOperand {
  readonly at: Dense;
  readonly strides: readonly number[];
  /** Elements added to the offset (a slice's start). */
  readonly extra?: number;
}

/**
 * Strides that read an array of shape `from` at each index of a loop over `to`, NumPy
 * broadcasting: axes aligned from the right, stride 0 along an axis of length 1.
 */
export function broadcastStridesTo(from: readonly number[], to: readonly number[]): number[] {
  const own = contiguousStrides(from);
  const lead = to.length - from.length;
  return to.map((d, i) => (i < lead || (from[i - lead] === 1 && d !== 1) ? 0 : own[i - lead]!));
}

function sameStrides(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function plus(offset: string, extra: number): string {
  if (extra === 0) return offset;
  return offset === "0" ? String(extra) : `${offset} + ${extra}`;
}

/**
 * Generates a loop over `shape` and returns its source lines. `body(index)` writes the loop body,
 * where `index(j)` is the element of operand `j` at the current position (`b1[o1 + k]`). When
 * every operand is dense in loop order or a single element, the loop is one flat counter `k`;
 * otherwise it nests one loop per axis and indexes each operand by its strides.
 */
export function emitLoop(shape: readonly number[], operands: readonly LoopOperand[], body: (index: (j: number) => string) => string[]): string[] {
  const size = shape.reduce((p, d) => p * d, 1);
  if (size === 0) return [];
  const keep = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
  const dims = keep.map((i) => shape[i]!);
  const flat = contiguousStrides(dims);
  const kinds = operands.map((op) => {
    const strides = keep.map((i) => op.strides[i]!);
    if (strides.every((s) => s === 0)) return { kind: "one" as const, strides };
    return { kind: sameStrides(strides, flat) ? ("flat" as const) : ("strided" as const), strides };
  });
  const index = (j: number): string => {
    const op = operands[j]!;
    const base = plus(op.at.offset, op.extra ?? 0);
    const { kind, strides } = kinds[j]!;
    if (kind === "one") return `${op.at.data}[${base}]`;
    if (kind === "flat") return `${op.at.data}[${base === "0" ? "k" : `${base} + k`}]`;
    const terms = strides.flatMap((s, d) => (s === 0 ? [] : [s === 1 ? `i${d}` : `i${d} * ${s}`]));
    return `${op.at.data}[${[...(base === "0" ? [] : [base]), ...terms].join(" + ")}]`;
  };
  const inner = body(index);
  if (kinds.every((k) => k.kind !== "strided")) {
    return ["{", `  for (let k = 0; k < ${size}; k++) {`, ...inner.map((l) => `    ${l}`), "  }", "}"];
  }
  const open = dims.map((d, i) => `${"  ".repeat(i + 1)}for (let i${i} = 0; i${i} < ${d}; i${i}++) {`);
  const pad = "  ".repeat(dims.length + 1);
  const close = dims.map((_, i) => `${"  ".repeat(dims.length - i)}}`);
  return ["{", "  let k = 0;", ...open, ...inner.map((l) => `${pad}${l}`), `${pad}k++;`, ...close, "}"];
}
