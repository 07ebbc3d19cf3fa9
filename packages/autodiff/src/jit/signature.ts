import { NDArray } from "@ostl/core";
import { flatten, type Leaf, type Tree, type TreeDef, treeDefString } from "../tree.js";

/**
 * What a compiled program is specialised to: the pytree structure of the arguments and, per
 * leaf, its dtype and shape (a plain number is its own kind of leaf: a float64 scalar whose value
 * varies from call to call). Two calls with equal `key`s run the same program.
 *
 * @example
 * ```ts
 * import { signatureOf, tensor } from "@ostl/autodiff";
 * const s = signatureOf([{ W: tensor([[1, 2]]) }, 3]);
 * console.log(s.key); // [{W: *}, *] float64[1,2] number
 * console.log(s.leaves.length); // 2
 * ```
 */
export interface Signature {
  readonly key: string;
  readonly def: TreeDef;
  readonly leaves: readonly Leaf[];
}

function leafKind(leaf: Leaf): string {
  if (typeof leaf === "number") return "number";
  return `${leaf.dtype}[${leaf.shape.join(",")}]`;
}

/**
 * The {@link Signature} of a list of arguments.
 *
 * @example
 * ```ts
 * import { signatureOf, tensor } from "@ostl/autodiff";
 * const a = signatureOf([tensor([1, 2])]).key;
 * const b = signatureOf([tensor([3, 4])]).key;
 * const c = signatureOf([tensor([1, 2], { dtype: "float32" })]).key;
 * console.log(a === b, a === c, c); // true false [*] float32[2]
 * ```
 */
export function signatureOf(args: readonly Tree[]): Signature {
  const flat = flatten(args as Tree);
  return { key: [treeDefString(flat.def), ...flat.leaves.map(leafKind)].join(" "), def: flat.def, leaves: flat.leaves };
}

/**
 * Whether every leaf is a concrete value (an array or a number), not a tracer of a transformation.
 */
export function allConcrete(leaves: readonly Leaf[]): boolean {
  return leaves.every((leaf) => typeof leaf === "number" || leaf instanceof NDArray);
}

/**
 * Programs keyed by signature, made on first use; `traces` counts how many were made.
 *
 * @example
 * ```ts
 * import { SignatureCache, signatureOf, tensor } from "@ostl/autodiff";
 * const cache = new SignatureCache((s) => s.leaves.length);
 * cache.get(signatureOf([tensor([1])]));
 * cache.get(signatureOf([tensor([2])]));
 * console.log(cache.traces, cache.size); // 1 1
 * ```
 */
export class SignatureCache<P> {
  private readonly programs = new Map<string, P>();
  /** Number of programs made so far (one trace each). */
  traces = 0;

  constructor(private readonly make: (signature: Signature) => P) {}

  /** The program for `signature`, made now if this signature is new. */
  get(signature: Signature): P {
    let program = this.programs.get(signature.key);
    if (program === undefined) {
      program = this.make(signature);
      this.traces += 1;
      this.programs.set(signature.key, program);
    }
    return program;
  }

  /** Number of signatures cached. */
  get size(): number {
    return this.programs.size;
  }
}
