import * as core from "@ostl/core";
import { type Tensor, flatten, type Tree, type TreeDef, treeMap, unflatten } from "@ostl/autodiff";

/**
 * The flat layout of a tree of tensors: every entry of every leaf numbered 0..size-1 in flatten
 * order. RTRL and dense OSTL put one tangent direction on each entry.
 *
 * @example
 * ```ts
 * import { TreeLayout } from "@ostl/ostl";
 * import { tensor } from "@ostl/core";
 * const layout = new TreeLayout({ W: tensor([[1, 2]]), b: tensor([0]) });
 * console.log(layout.size, layout.paths, layout.offsets); // 3 ["W", "b"] [0, 2]
 * const tangents = layout.identityTangents() as { W: ReturnType<typeof tensor>; b: ReturnType<typeof tensor> };
 * console.log(tangents.W.toNested(), tangents.b.toNested()); // [[[1, 0]], [[0, 1]], [[0, 0]]] [[0], [0], [1]]
 * const { W, b } = layout.split(tensor([5, 6, 7])) as { W: ReturnType<typeof tensor>; b: ReturnType<typeof tensor> };
 * console.log(W.toNested(), b.toNested()); // [[5, 6]] [7]
 * ```
 */
export class TreeLayout {
  readonly def: TreeDef;
  readonly paths: readonly string[];
  readonly shapes: readonly (readonly number[])[];
  readonly sizes: readonly number[];
  readonly offsets: readonly number[];
  /** Total number of entries. */
  readonly size: number;
  readonly dtype: core.DType;

  constructor(tree: Tree) {
    const flat = flatten(tree);
    this.def = flat.def;
    this.paths = flat.paths;
    this.shapes = flat.leaves.map((l) => (typeof l === "number" ? [] : l.shape));
    this.sizes = this.shapes.map((s) => s.reduce((p, d) => p * d, 1));
    let offset = 0;
    this.offsets = this.sizes.map((n) => ((offset += n), offset - n));
    this.size = offset;
    const first = flat.leaves.find((l) => typeof l !== "number");
    this.dtype = first === undefined || typeof first === "number" ? "float64" : first.dtype;
  }

  /** Tangents that put direction k on entry k: leaf j gets `[size, ...shape_j]` with an identity block. */
  identityTangents(): Tree {
    const leaves = this.shapes.map((shape, j) => {
      const t = core.zeros([this.size, ...shape], this.dtype);
      const n = this.sizes[j]!;
      const o = this.offsets[j]!;
      for (let k = 0; k < n; k++) t.data[(o + k) * n + k] = 1;
      return t;
    });
    return unflatten(this.def, leaves);
  }

  /** Zero tangents with `directions` leading entries: leaf j gets `[directions, ...shape_j]`, of `dtype` (default: the tree's). */
  zeroTangents(directions: number, dtype: core.DType = this.dtype): Tree {
    return unflatten(this.def, this.shapes.map((shape) => core.zeros([directions, ...shape], dtype)));
  }

  /** Zeros with the tree's structure and shapes. */
  zeros(): Tree {
    return unflatten(this.def, this.shapes.map((shape) => core.zeros(shape, this.dtype)));
  }

  /** Splits a flat vector of `size` entries into a tree of this layout. */
  split(flat: core.NDArray): Tree<Tensor> {
    const c = core.contiguous(flat);
    return unflatten(this.def, this.shapes.map((shape, j) => core.reshape(core.slice(c, [this.offsets[j]!], [this.offsets[j]! + this.sizes[j]!]), shape)));
  }
}

/**
 * Total number of floats in a tree of tensors.
 *
 * @example
 * ```ts
 * import { treeFloats } from "@ostl/ostl";
 * import { zeros } from "@ostl/core";
 * console.log(treeFloats({ layer0: { W: zeros([4, 3]), b: zeros([4]) }, scale: 1 })); // 17
 * ```
 */
export function treeFloats(tree: Tree): number {
  let n = 0;
  treeMap((x) => (n += typeof x === "number" ? 1 : x.size), tree);
  return n;
}
