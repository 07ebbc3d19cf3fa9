import { ShapeError } from "@ostl/core";

/**
 * Normalizes an axis argument (one axis, several, or all when undefined) to sorted, distinct,
 * non-negative axis numbers, with an error naming the op, the axis and the shape when out of range.
 *
 * @example
 * ```ts
 * import { normalizeAxes } from "@ostl/autodiff";
 * console.log(normalizeAxes("sum", -1, [2, 3])); // [1]
 * ```
 */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, shape: readonly number[]): number[] {
  const ndim = shape.length;
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  const out = new Set<number>();
  for (const a of list) {
    if (!Number.isInteger(a) || a < -ndim || a >= ndim) {
      throw new ShapeError(op, `axis ${a} is out of range for shape [${shape.join(",")}] (${ndim} axes)`);
    }
    out.add(a < 0 ? a + ndim : a);
  }
  return [...out].sort((x, y) => x - y);
}

/**
 * The shape after reducing `axes` of `shape` with `keepdims` (reduced axes become 1 when kept).
 *
 * @example
 * ```ts
 * import { reducedShape } from "@ostl/autodiff";
 * console.log(reducedShape([2, 3, 4], [1], true)); // [2, 1, 4]
 * ```
 */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/**
 * Resolves one `-1` entry of a requested shape against a total size, or throws naming both shapes.
 *
 * @example
 * ```ts
 * import { resolveShape } from "@ostl/autodiff";
 * console.log(resolveShape("reshape", [2, -1], [6])); // [2, 3]
 * ```
 */
export function resolveShape(op: string, requested: readonly number[], from: readonly number[]): number[] {
  const size = from.reduce((p, d) => p * d, 1);
  const unknown = requested.filter((d) => d === -1).length;
  const known = requested.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const bad = () => new ShapeError(op, `cannot reshape [${from.join(",")}] (size ${size}) to [${requested.join(",")}]`);
  if (unknown > 1 || requested.some((d) => d !== -1 && (!Number.isInteger(d) || d < 0))) throw bad();
  if (unknown === 1) {
    if (known === 0 || size % known !== 0) throw bad();
    return requested.map((d) => (d === -1 ? size / known : d));
  }
  if (known !== size) throw bad();
  return [...requested];
}
