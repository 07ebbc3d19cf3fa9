/**
 * Parameter and gradient trees seen as lists of contiguous arrays: what the optimizers and the
 * gradient clipping loop over, entry by entry on the typed arrays (no autodiff involved).
 *
 * @module
 */
import { type Tree, type TreeDef, flatten, unflatten } from "@ostl/autodiff";
import { contiguous, NDArray, ValueError, zeros } from "@ostl/core";

/**
 * A tree of concrete arrays flattened in its stable key order: the leaves (contiguous, offset 0,
 * so `leaf.data[i]` is entry `i`), the structure, and each leaf's dotted path (`"layer0.W"`).
 *
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { arrayLeaves } from "@ostl/models";
 * const { paths } = arrayLeaves("example", { readout: { b: tensor([0]), W: tensor([[1]]) } });
 * console.log(paths); // ["readout.W", "readout.b"]
 * ```
 */
export interface ArrayLeaves {
  readonly leaves: readonly NDArray[];
  readonly def: TreeDef;
  readonly paths: readonly string[];
}

/**
 * Flattens a tree of concrete arrays (params or gradients) into contiguous leaves.
 *
 * @throws {@link ValueError} naming `op` and the path of a leaf that is not an array.
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { arrayLeaves } from "@ostl/models";
 * const { leaves } = arrayLeaves("example", { W: tensor([[1, 2], [3, 4]]) });
 * console.log(leaves[0]!.data.length); // 4
 * ```
 */
export function arrayLeaves(op: string, tree: Tree): ArrayLeaves {
  const { leaves, def, paths } = flatten(tree);
  const arrays = leaves.map((leaf, i) => {
    if (!(leaf instanceof NDArray)) throw new ValueError(op, `'${paths[i]}' must be a concrete array, got ${typeof leaf === "number" ? "a number" : "a traced value"}`);
    return contiguous(leaf);
  });
  return { leaves: arrays, def, paths };
}

/**
 * The global L2 norm of a tree of arrays: `sqrt(Σ_leaves Σ_i g_i²)`.
 *
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { globalNorm } from "@ostl/models";
 * console.log(globalNorm({ a: tensor([3]), b: tensor([[4]]) })); // 5
 * ```
 */
export function globalNorm(tree: Tree): number {
  let squares = 0;
  for (const leaf of arrayLeaves("globalNorm", tree).leaves) {
    const d = leaf.data;
    for (let i = 0; i < d.length; i++) squares += d[i]! * d[i]!;
  }
  return Math.sqrt(squares);
}

/**
 * A new tree with every entry multiplied by `factor` (e.g. `1 / steps` to average summed gradients).
 *
 * @throws {@link ValueError} unless `factor` is finite.
 * @example
 * ```ts
 * import { type NDArray, tensor } from "@ostl/core";
 * import { scaleTree } from "@ostl/models";
 * const half = scaleTree({ W: tensor([2, 4]) }, 0.5);
 * console.log((half.W as NDArray).toFlat()); // [1, 2]
 * ```
 */
export function scaleTree<T extends Tree>(tree: T, factor: number): T {
  return scaleLeaves("scaleTree", tree, factor, (leaf) => zeros(leaf.shape, leaf.dtype));
}

/**
 * {@link scaleTree} into the tree's own arrays (those of its leaves that are contiguous; the others
 * are copied first): for a tree nothing else holds, such as gradients just taken from an
 * algorithm. Returns the scaled tree.
 *
 * @throws {@link ValueError} unless `factor` is finite.
 * @example
 * ```ts
 * import { type NDArray, tensor } from "@ostl/core";
 * import { scaleTreeInPlace } from "@ostl/models";
 * const g = { W: tensor([2, 4]) };
 * const half = scaleTreeInPlace(g, 0.5);
 * console.log((half.W as NDArray).toFlat(), half.W === g.W); // [1, 2] true
 * ```
 */
export function scaleTreeInPlace<T extends Tree>(tree: T, factor: number): T {
  return scaleLeaves("scaleTreeInPlace", tree, factor, (leaf) => leaf);
}

/** Every entry times `factor`, written into the array `into` gives for each (contiguous) leaf. */
function scaleLeaves<T extends Tree>(op: string, tree: T, factor: number, into: (leaf: NDArray) => NDArray): T {
  if (!Number.isFinite(factor)) throw new ValueError(op, `factor must be a finite number, got ${factor}`);
  const { leaves, def } = arrayLeaves(op, tree);
  const scaled = leaves.map((leaf) => {
    const out = into(leaf);
    const src = leaf.data;
    const dst = out.data;
    for (let i = 0; i < src.length; i++) dst[i] = src[i]! * factor;
    return out;
  });
  return unflatten(def, scaled) as T;
}
