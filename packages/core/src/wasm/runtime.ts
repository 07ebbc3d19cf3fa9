/**
 * Compiling and instantiating the small WebAssembly SIMD kernel modules of the project, where the
 * host can: WebAssembly with its SIMD instructions (Node 16.4 and later, current browsers), and a
 * module small enough to compile synchronously (a browser's main thread refuses modules over
 * 4 KB). Where it cannot, the callers run their JavaScript kernels.
 *
 * @module
 */
import { type FunctionBuilder, wasmModule } from "./assembler.js";

interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

const webAssembly = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/**
 * A kernel module, compiled on first use and then shared: `instantiate(sizes)` makes an instance
 * over a WebAssembly memory of its own holding float64 buffers of those sizes, in order, or
 * returns null where the module cannot run here.
 *
 * @example
 * ```ts
 * import { FunctionBuilder, valueType, WasmKernels } from "@ostl/core";
 * // double(address): doubles the f64 at that byte address
 * const kernels = new WasmKernels(() => {
 *   const f = new FunctionBuilder([valueType.i32]);
 *   f.get(0).get(0).f64Load().get(0).f64Load().f64Add().f64Store();
 *   return { functions: [f], names: ["double"] };
 * });
 * const made = kernels.instantiate([2])!;
 * made.views[0]!.set([1.5, 4]);
 * (made.exports.double as (at: number) => void)(8);
 * console.log([...made.views[0]!]); // [1.5, 8]
 * ```
 */
export class WasmKernels {
  private compiled: object | null | undefined;

  constructor(private readonly build: () => { readonly functions: readonly FunctionBuilder[]; readonly names: readonly string[] }) {}

  /** The compiled module; null where WebAssembly or its SIMD instructions are missing, or where it may not be compiled synchronously. */
  module(): object | null {
    if (this.compiled === undefined) {
      const { functions, names } = this.build();
      const bytes = wasmModule(functions, names);
      this.compiled = null;
      if (webAssembly !== undefined && webAssembly.validate(bytes)) {
        try {
          this.compiled = new webAssembly.Module(bytes);
        } catch (error) {
          // a browser's main thread refuses to compile a module over 4 KB synchronously (a RangeError): the JavaScript kernels run there
          if (!(error instanceof RangeError)) throw error;
        }
      }
    }
    return this.compiled;
  }

  /**
   * Where `instantiate` puts float64 buffers of these sizes: their byte addresses, in order, each
   * at a 16-byte boundary, and the bytes they take in all.
   */
  static layout(sizes: readonly number[]): { readonly addresses: number[]; readonly bytes: number } {
    const addresses: number[] = [];
    let bytes = 0;
    for (const size of sizes) {
      addresses.push(bytes);
      bytes += 16 * Math.ceil(size / 2);
    }
    return { addresses, bytes };
  }

  /** An instance over a memory of its own holding float64 buffers of these sizes (laid out as `layout` says); null where the module cannot run. */
  instantiate(sizes: readonly number[]): { readonly views: Float64Array[]; readonly addresses: number[]; readonly exports: Record<string, unknown> } | null {
    const module = this.module();
    if (module === null || webAssembly === undefined) return null;
    const { addresses, bytes } = WasmKernels.layout(sizes);
    const memory = new webAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
    const views = sizes.map((size, i) => new Float64Array(memory.buffer, addresses[i]!, size));
    return { views, addresses, exports: new webAssembly.Instance(module, { env: { memory } }).exports };
  }
}
