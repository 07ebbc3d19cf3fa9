import { NDArray, OstlError } from "@ostl/core";
import { Tracer, type Tensor } from "./tracer.js";

/**
 * A leaf of a pytree: a tensor or a plain number.
 *
 * @example
 * ```ts
 * import { flatten, tensor, type Leaf } from "@ostl/autodiff";
 * const leaves: Leaf[] = flatten({ w: tensor([1, 2]), scale: 0.5 }).leaves;
 * console.log(leaves.length, leaves[0]); // 2 0.5
 * ```
 */
export type Leaf = Tensor | number;
/**
 * A pytree: a leaf, or arrays and plain records nesting pytrees (params and state of a cell).
 *
 * @example
 * ```ts
 * import { flatten, tensor, type Tree } from "@ostl/autodiff";
 * const params: Tree = { layers: [{ W: tensor([[1]]), b: tensor([0]) }], scale: 2 };
 * console.log(flatten(params).paths); // ["layers.0.W", "layers.0.b", "scale"]
 * ```
 */
export type Tree<L = Leaf> = L | readonly Tree<L>[] | { readonly [key: string]: Tree<L> };

/**
 * The structure of a pytree without its leaves.
 *
 * @example
 * ```ts
 * import { flatten, type TreeDef } from "@ostl/autodiff";
 * const def: TreeDef = flatten([1, { a: 2 }]).def;
 * console.log(def); // { kind: "array", children: [{ kind: "leaf" }, { kind: "record", keys: ["a"], children: [{ kind: "leaf" }] }] }
 * ```
 */
export type TreeDef = { kind: "leaf" } | { kind: "array"; children: TreeDef[] } | { kind: "record"; keys: string[]; children: TreeDef[] };

/**
 * Whether `x` is a pytree leaf (a tensor or a number).
 * @example
 * ```ts
 * import { isLeaf, tensor } from "@ostl/autodiff";
 * console.log(isLeaf(tensor(1))); // true
 * ```
 */
export function isLeaf(x: unknown): x is Leaf {
  return typeof x === "number" || x instanceof NDArray || x instanceof Tracer;
}

/**
 * Flattens a pytree into its leaves (records in sorted key order, so the order is stable) and
 * its structure; `paths` names each leaf (`W`, `layers.0.b`).
 * @example
 * ```ts
 * import { flatten, tensor } from "@ostl/autodiff";
 * console.log(flatten({ b: tensor(1), a: [tensor(2), 3] }).paths); // ["a.0", "a.1", "b"]
 * ```
 */
export function flatten<L = Leaf>(tree: Tree<L>, isLeafFn: (x: unknown) => boolean = isLeaf): { leaves: L[]; def: TreeDef; paths: string[] } {
  const leaves: L[] = [];
  const paths: string[] = [];
  const walk = (node: unknown, path: string): TreeDef => {
    if (isLeafFn(node)) {
      leaves.push(node as L);
      paths.push(path);
      return { kind: "leaf" };
    }
    const join = (k: string | number) => (path === "" ? String(k) : `${path}.${k}`);
    if (Array.isArray(node)) return { kind: "array", children: node.map((c, i) => walk(c, join(i))) };
    if (node !== null && typeof node === "object" && Object.getPrototypeOf(node) === Object.prototype) {
      const keys = Object.keys(node).sort();
      return { kind: "record", keys, children: keys.map((k) => walk((node as Record<string, unknown>)[k], join(k))) };
    }
    throw new OstlError("flatten", `${path === "" ? "the value" : `'${path}'`} is not a tensor, number, array or plain record (got ${describe(node)})`);
  };
  const def = walk(tree, "");
  return { leaves, def, paths };
}

/**
 * The leaves of `tree`, whose structure is `def` (not checked), in flatten order: what
 * `flatten(tree).leaves` returns, without building the paths or the structure, for a loop that
 * reads trees of one known structure on every step.
 *
 * @example
 * ```ts
 * import { flatten, leavesAlong, tensor } from "@ostl/autodiff";
 * const state = { layer0: { h: tensor([1]), c: tensor([2]) } };
 * const def = flatten(state).def;
 * console.log(leavesAlong(def, { layer0: { h: 3, c: 4 } })); // [4, 3]
 * ```
 */
export function leavesAlong<L>(def: TreeDef, tree: Tree<L>, into: L[] = []): L[] {
  if (def.kind === "leaf") into.push(tree as L);
  else if (def.kind === "array") def.children.forEach((child, i) => leavesAlong(child, (tree as readonly Tree<L>[])[i]!, into));
  else def.keys.forEach((key, i) => leavesAlong(def.children[i]!, (tree as { readonly [key: string]: Tree<L> })[key]!, into));
  return into;
}

/**
 * Rebuilds a pytree of structure `def` from leaves in flatten order.
 * @example
 * ```ts
 * import { flatten, unflatten, tensor } from "@ostl/autodiff";
 * const { def } = flatten({ a: tensor(1), b: tensor(2) });
 * console.log(unflatten(def, [10, 20])); // { a: 10, b: 20 }
 * ```
 */
export function unflatten<L>(def: TreeDef, leaves: readonly L[]): Tree<L> {
  let i = 0;
  const build = (d: TreeDef): Tree<L> => {
    if (d.kind === "leaf") return leaves[i++]!;
    if (d.kind === "array") return d.children.map(build);
    const out: Record<string, Tree<L>> = {};
    d.keys.forEach((k, j) => (out[k] = build(d.children[j]!)));
    return out;
  };
  const tree = build(def);
  if (i !== leaves.length) throw new OstlError("unflatten", `structure has ${i} leaves, got ${leaves.length}`);
  return tree;
}

/**
 * Describes a tree structure for error messages, e.g. `{a: *, b: [*, *]}`.
 * @example
 * ```ts
 * import { flatten, treeDefString, tensor } from "@ostl/autodiff";
 * console.log(treeDefString(flatten({ a: tensor(1) }).def)); // "{a: *}"
 * ```
 */
export function treeDefString(def: TreeDef): string {
  if (def.kind === "leaf") return "*";
  if (def.kind === "array") return `[${def.children.map(treeDefString).join(", ")}]`;
  return `{${def.keys.map((k, i) => `${k}: ${treeDefString(def.children[i]!)}`).join(", ")}}`;
}

/**
 * Throws unless two structures are equal, naming `op`, `what` and both structures.
 * @example
 * ```ts
 * import { assertSameStructure, flatten, tensor } from "@ostl/autodiff";
 * assertSameStructure("jvp", "tangents", flatten([tensor(1)]).def, flatten([tensor(2)]).def); // passes
 * try {
 *   assertSameStructure("jvp", "tangents", flatten([tensor(1)]).def, flatten({ a: tensor(2) }).def);
 * } catch (e) {
 *   console.log((e as Error).message); // jvp: tangents have structure {a: *}, expected [*]
 * }
 * ```
 */
export function assertSameStructure(op: string, what: string, expected: TreeDef, got: TreeDef): void {
  const e = treeDefString(expected);
  const g = treeDefString(got);
  if (e !== g) throw new OstlError(op, `${what} have structure ${g}, expected ${e}`);
}

/**
 * Applies `f` to every leaf (and the corresponding leaves of `others`, which must share the structure).
 * @example
 * ```ts
 * import { treeMap, mul, tensor } from "@ostl/autodiff";
 * console.log(treeMap((x, y) => (x as number) + (y as number), { a: 1, b: [2] }, { a: 10, b: [20] })); // { a: 11, b: [22] }
 * const doubled = treeMap((x) => mul(x, 2), { w: tensor([1, 2]) }) as { w: ReturnType<typeof mul> };
 * console.log(doubled.w.toNested()); // [2, 4]
 * ```
 */
export function treeMap<R>(f: (leaf: Leaf, ...rest: Leaf[]) => R, tree: Tree, ...others: Tree[]): Tree<R> {
  const { leaves, def } = flatten(tree);
  const rest = others.map((o) => {
    const flat = flatten(o);
    assertSameStructure("treeMap", "trees", def, flat.def);
    return flat.leaves;
  });
  return unflatten(def, leaves.map((leaf, i) => f(leaf, ...rest.map((r) => r[i]!))));
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  if (typeof x === "object") return x.constructor?.name ?? "object";
  return typeof x;
}
