import { NDArray, OstlError } from "@ostl/core";
import { Tracer } from "../tracer.js";
import { flatten, type Leaf, type Tree } from "../tree.js";

/**
 * What a compiled program is specialised to: the pytree structure of the arguments and, per
 * leaf, its dtype and shape (a plain number is its own kind of leaf: a float64 scalar whose value
 * varies from call to call). Two calls with equal `key`s run the same program. `leaves` are the
 * arguments' leaves in flatten order; `concrete` is false when one of them is a tracer.
 *
 * @example
 * ```ts
 * import { signatureOf, tensor } from "@ostl/autodiff";
 * const s = signatureOf([{ W: tensor([[1, 2]]) }, 3]);
 * console.log(s.key); // [{"W":f64[1,2]} n]
 * console.log(s.leaves.length, s.concrete); // 2 true
 * ```
 */
export interface Signature {
  readonly key: string;
  readonly leaves: readonly Leaf[];
  readonly concrete: boolean;
}

/**
 * The {@link Signature} of a list of arguments, in one walk over them (it runs on every call of a
 * compiled function, so it builds no paths and no structure objects).
 *
 * @example
 * ```ts
 * import { grad, signatureOf, sum, tensor } from "@ostl/autodiff";
 * const a = signatureOf([tensor([1, 2])]).key;
 * const b = signatureOf([tensor([3, 4])]).key;
 * const c = signatureOf([tensor([1, 2], { dtype: "float32" })]).key;
 * console.log(a === b, a === c, c); // true false [f32[2]]
 * grad((x) => { console.log(signatureOf([x]).concrete); return sum(x); })(tensor([1])); // false
 * ```
 */
export function signatureOf(args: readonly Tree[]): Signature {
  const leaves: Leaf[] = [];
  let concrete = true;
  const walk = (node: unknown): string => {
    if (typeof node === "number") {
      leaves.push(node);
      return "n";
    }
    if (node instanceof NDArray) {
      leaves.push(node);
      return `${node.dtype === "float64" ? "f64" : "f32"}[${node.shape.join(",")}]`;
    }
    if (node instanceof Tracer) {
      leaves.push(node);
      concrete = false;
      return "t";
    }
    if (Array.isArray(node)) return `[${node.map(walk).join(" ")}]`;
    if (node !== null && typeof node === "object" && Object.getPrototypeOf(node) === Object.prototype) {
      const record = node as Record<string, unknown>;
      return `{${Object.keys(record).sort().map((k) => `${JSON.stringify(k)}:${walk(record[k])}`).join(" ")}}`;
    }
    flatten(node as Tree); // throws flatten's error, naming what is not a pytree
    throw new OstlError("jit", "unreachable: flatten accepted a value the signature walk did not");
  };
  const key = walk(args);
  return { key, leaves, concrete };
}

/**
 * Programs keyed by signature; `traces` counts how many were made.
 *
 * @example
 * ```ts
 * import { SignatureCache, signatureOf, tensor } from "@ostl/autodiff";
 * const cache = new SignatureCache<string>();
 * for (const x of [tensor([1]), tensor([2]), tensor([1, 2])]) {
 *   const { key } = signatureOf([x]);
 *   if (cache.find(key) === undefined) cache.add(key, `program for ${key}`);
 * }
 * console.log(cache.traces, cache.find("[f64[2]]")); // 2 program for [f64[2]]
 * ```
 */
export class SignatureCache<P> {
  private readonly programs = new Map<string, P>();
  /** Number of programs made so far (one trace each). */
  traces = 0;

  /** The program made for `key`, if any. */
  find(key: string): P | undefined {
    return this.programs.get(key);
  }

  /** Records the program just made for `key` and returns it. */
  add(key: string, program: P): P {
    this.programs.set(key, program);
    this.traces += 1;
    return program;
  }
}
