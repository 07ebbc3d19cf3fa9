import type { Tree, TreeDef } from "../tree.js";

type Build = (leaves: readonly unknown[]) => unknown;

/**
 * A function that rebuilds a pytree of structure `def` from leaves in flatten order, prepared
 * once so that a compiled function returns its outputs without walking the structure again.
 * Equivalent to `unflatten(def, leaves)` for the right number of leaves.
 */
export function treeBuilder(def: TreeDef): (leaves: readonly unknown[]) => Tree<unknown> {
  let next = 0;
  const build = (d: TreeDef): Build => {
    if (d.kind === "leaf") {
      const i = next++;
      return (leaves) => leaves[i];
    }
    const children = d.children.map(build);
    if (d.kind === "array") return (leaves) => children.map((child) => child(leaves));
    const keys = d.keys;
    return (leaves) => {
      const out: Record<string, unknown> = {};
      for (let j = 0; j < keys.length; j++) out[keys[j]!] = children[j]!(leaves);
      return out;
    };
  };
  return build(def) as (leaves: readonly unknown[]) => Tree<unknown>;
}
