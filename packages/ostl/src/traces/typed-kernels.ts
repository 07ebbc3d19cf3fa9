import { type DType, OstlError } from "@ostl/core";

/** Any kernel function: it reads and writes typed arrays and numbers, and returns nothing useful. */
type KernelFunction = (...args: never[]) => unknown;

/**
 * A group of hot loops with one copy per element type, so that every copy stays monomorphic.
 *
 * V8 keeps type feedback per function: a loop that is fed Float64Array in one call and
 * Float32Array in another turns polymorphic, and then runs slower for both. Measured on the
 * 256 x 256 row-trace update of an SNU layer: 1.3 to 1.9x slower. Closures made by one factory
 * share their feedback too, so they do not help. The kernels are therefore written once, for
 * either array type (`TypedArray`). Float64 uses the functions as written. For float32, the
 * group's source is compiled once more (`new Function`, the code generation that DESIGN §10
 * plans for compiled steps), and that copy only ever sees Float32Array.
 *
 * Each function of the group must be a self-contained `function` declaration. It may call the
 * group's other functions (`helpers` and `kernels`) and globals, but no other name of its module.
 *
 * @example
 * ```ts
 * import { TypedKernels } from "@ostl/ostl";
 * import type { TypedArray } from "@ostl/core";
 * function scaleInto(out: TypedArray, a: TypedArray, s: number): void {
 *   for (let i = 0; i < out.length; i++) out[i] = s * a[i]!;
 * }
 * const kernels = new TypedKernels({ scaleInto });
 * console.log(kernels.of("float64").scaleInto === scaleInto, kernels.of("float32").scaleInto === scaleInto); // true false
 * const out = new Float32Array(2);
 * kernels.of("float32").scaleInto(out, new Float32Array([1, 0.1]), 2);
 * console.log([...out]); // [2, 0.20000000298023224]
 * ```
 */
export class TypedKernels<K extends Record<string, KernelFunction>> {
  private float32: K | null = null;

  /**
   * @param kernels the group's entry points, by the names `of` returns them under.
   * @param helpers functions the entry points call, copied along with them.
   */
  constructor(
    private readonly kernels: K,
    private readonly helpers: readonly KernelFunction[] = [],
  ) {}

  /**
   * The kernels for arrays of `dtype`: the functions as written for float64, the float32 copy
   * (compiled on first use, then kept) for float32.
   *
   * @throws {@link OstlError} when a function of the group is not a plain `function` declaration.
   */
  of(dtype: DType): K {
    if (dtype === "float64") return this.kernels;
    return (this.float32 ??= this.compile());
  }

  private compile(): K {
    const functions = [...this.helpers, ...Object.values(this.kernels)];
    const sources = functions.map((f) => {
      const source = f.toString();
      if (!source.startsWith(`function ${f.name}(`)) throw new OstlError("TypedKernels", `'${f.name || "an anonymous function"}' is not a function declaration, so it cannot be compiled again for float32`);
      return source;
    });
    const exported = Object.entries(this.kernels).map(([key, f]) => `${JSON.stringify(key)}: ${f.name}`);
    return new Function(`"use strict";\n${sources.join("\n")}\nreturn { ${exported.join(", ")} };`)() as K;
  }
}
