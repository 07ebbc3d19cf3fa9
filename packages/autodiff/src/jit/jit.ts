import { type NDArray, OstlError } from "@ostl/core";
import { trace } from "../ir.js";
import { activeTransforms } from "../tracer.js";
import type { Tensor } from "../tracer.js";
import type { Tree } from "../tree.js";
import { type CompiledProgram, generate } from "./codegen.js";
import { simplify } from "./simplify.js";
import { SignatureCache, signatureOf } from "./signature.js";
import { signatureMatcher } from "./matcher.js";
import { treeBuilder } from "./tree-builder.js";

/**
 * A compiled function made by {@link jit}: call it like the original, read the generated code of
 * a signature with `source(...args)`, and count its traces with `traces`.
 *
 * @example
 * ```ts
 * import { jit, mul, tensor, type Jitted, type Tensor } from "@ostl/autodiff";
 * const square: Jitted<[Tensor], Tensor> = jit((x: Tensor) => mul(x, x));
 * console.log(square(tensor([3])).toNested(), square.traces); // [9] 1
 * ```
 */
export interface Jitted<A extends Tree[], R extends Tree> {
  (...args: A): R;
  /** The generated JavaScript of the program for these arguments' signature (compiled now if new). */
  source(...args: A): string;
  /** How many signatures have been traced and compiled so far. */
  readonly traces: number;
}

/**
 * `jit`'s refusal of a function that reads the values of its traced arguments (`toNested()`,
 * `concrete()`): such a function only runs interpreted. Callers that can run `f` uncompiled catch
 * this class and do so; any other error is the function's own.
 *
 * @example
 * ```ts
 * import { jit, tensor, ValueReadError } from "@ostl/autodiff";
 * const branchy = jit((x: any) => (x.toNested()[0] > 0 ? x : tensor([0])));
 * try {
 *   branchy(tensor([1]));
 * } catch (error) {
 *   console.log(error instanceof ValueReadError); // true
 * }
 * ```
 */
export class ValueReadError extends OstlError {}

/**
 * Options of {@link jit}.
 *
 * @example
 * ```ts
 * import { jit, mul, tensor, type JitOptions } from "@ostl/autodiff";
 * const options: JitOptions = { reuseOutputs: true };
 * const square = jit((x) => mul(x, x), options);
 * const first = square(tensor([2]));
 * console.log(first.toNested(), square(tensor([3])) === first, first.toNested()); // [4] true [9]
 * ```
 */
export interface JitOptions {
  /**
   * Return the program's own output buffers instead of fresh arrays, so that a call allocates
   * nothing: the next call with the same signature overwrites them. For loops that read or copy
   * each result before the next call (an accumulation, say). Uncompiled calls (under another
   * transform) still return fresh arrays. Default false.
   */
  readonly reuseOutputs?: boolean;
  /**
   * Positions of arguments whose arrays the caller does not change in place between calls (new
   * values come as new arrays, as the optimizers make them). A float64 matrix among them that a
   * matrix-vector product reads is kept in the program's WebAssembly memory and multiplied there
   * with SIMD kernels, copied again only when a call brings a different array: about four times
   * faster per product. Likewise a float64 array among them that a WebAssembly loop reads (a bias)
   * is copied into the program's memory only when a different array comes. Writing into such an
   * array in place and calling again with it would run with its old values. Default none.
   */
  readonly fixedArguments?: readonly number[];
  /** Fresh outputs as regions of one array per call (see `GenerateOptions.outputsInOneArray`). Default false. */
  readonly outputsInOneArray?: boolean;
}

/** The leaf indices (flatten order over all arguments) of the arguments at `positions`. */
function fixedLeaves(args: readonly Tree[], positions: readonly number[]): number[] {
  const leaves: number[] = [];
  let start = 0;
  args.forEach((arg, position) => {
    const count = signatureOf([arg]).leaves.length;
    if (positions.includes(position)) for (let j = 0; j < count; j++) leaves.push(start + j);
    start += count;
  });
  return leaves;
}

interface Entry {
  readonly program: CompiledProgram;
  readonly outputs: (leaves: readonly unknown[]) => Tree<unknown>;
  readonly header: string;
  /** Whether arguments have this entry's signature, their leaves then written into `leaves`. */
  readonly match: (args: readonly Tree[], leaves: unknown[]) => boolean;
  readonly leaves: unknown[];
}

/**
 * Compiles `f`: on the first call with a new input signature (pytree structure, and each leaf's
 * shape and dtype) it traces `f` into the IR, simplifies the graph (dead code, common
 * subexpressions, constant folding) and generates one JavaScript function for it; later calls
 * with that signature run the function.
 *
 * The generated function:
 * - holds a typed-array buffer per intermediate value, allocated once, when it is made (float64 or
 *   float32 as traced, so each function sees one element type);
 * - fuses runs of elementwise ops of one output shape, broadcasting included, into single loops;
 * - computes matrix-vector products four rows at a time, larger float64 products with the core
 *   GEMM kernel, and reads a transpose feeding a product in place; a float64 matrix-vector
 *   product of a fixed matrix (a constant, or an argument named in `fixedArguments`) runs as a
 *   WebAssembly SIMD kernel over the program's copy of the matrix, with the same result bit for
 *   bit;
 * - compiles every op of the op table; any other op (a user's own `OpDef`) calls its `impl`
 *   inside the program, which `source` marks with a `// fallback:` line.
 *
 * Contract:
 * - **Outputs are fresh arrays** on every call, never the program's buffers: a result may be
 *   kept and changed freely. They are the only allocations of a call after the first, unless the
 *   program has a fallback op (its `impl` allocates) or an argument is not contiguous (copied
 *   into a buffer made on first need). Views over the caller's arrays handed to a kernel are
 *   small `NDArray` headers, not buffers.
 * - **Arrays from `f`'s closure are constants** of the traced program, as in JAX: a variable
 *   later bound to another array does not reach it, and whether an in-place write shows is not
 *   defined (the program may read the array where it lies or a value folded from it). Pass
 *   arrays that change as arguments.
 * - **Composes** with the other transforms: `jit(grad(f))`, `jit` of a function that calls
 *   `vjp` or a batched `jvp`, trace what those transforms do, so the derivative is compiled too.
 *   Under a transformation (`grad(jit(f))`, or `jit` inside another `jit`), `f` runs
 *   uncompiled, which is always correct.
 * - **No value-dependent code**: a function that reads its traced arguments' values
 *   (`toNested()`, `concrete()`, for example to branch on them) would be compiled for the branch
 *   taken at trace time only, so `jit` throws an `OstlError` saying so instead.
 *
 * @example
 * ```ts
 * import { add, grad, jit, mul, sum, tanh, tensor } from "@ostl/autodiff";
 * const f = jit((a, b, c) => tanh(add(mul(a, b), c)));
 * const [a, b, c] = [tensor([1, 2]), tensor([0.5, 0.25]), tensor([0, 1])];
 * console.log(f(a, b, c).toNested()); // [0.46211715726000974, 0.9051482536448664]
 * console.log(f.source(a, b, c).split("\n").filter((line) => line.includes("for (")).length); // 1
 * const df = jit(grad((x) => sum(mul(x, x))));
 * console.log(df(tensor([1, 2])).toNested(), df(tensor([3, 4])).toNested(), df.traces); // [2, 4] [6, 8] 1
 * ```
 */
export function jit<A extends Tree[] = Tensor[], R extends Tree = Tensor>(f: (...args: A) => R, options: JitOptions = {}): Jitted<A, R> {
  const cache = new SignatureCache<Entry>();
  const compile = (args: A, key: string): Entry => {
    const graph = trace(f as unknown as (...args: Tree[]) => Tree, ...args);
    if (graph.valueReads > 0) {
      throw new ValueReadError(
        "jit",
        `the function read the values of its traced arguments ${graph.valueReads} time(s) (toNested() or concrete() on a tracer) while being traced for ${key}; a compiled program cannot depend on argument values: compute with the differentiable ops (where, maximum, ...) or call the function without jit`,
      );
    }
    const simple = simplify(graph);
    const { dead, common, folded } = simple.removed;
    const header = [
      `// jit program for ${key}`,
      `// ${graph.equations.length} traced equations; removed: ${dead} dead, ${common} common subexpressions, ${folded} folded constants`,
    ].join("\n");
    const program = generate(simple, { reuseOutputs: options.reuseOutputs ?? false, fixedInputs: fixedLeaves(args, options.fixedArguments ?? []), outputsInOneArray: options.outputsInOneArray ?? false });
    return { program, outputs: treeBuilder(graph.outputDef), header, match: signatureMatcher(args), leaves: new Array(graph.inputs.length) };
  };
  const entryFor = (args: A, key: string): Entry => cache.find(key) ?? cache.add(key, compile(args, key));
  // the entry of the last call: a call with its signature is recognised without building the key
  let last: Entry | null = null;
  const compiled = (...args: A): R => {
    if (last !== null && last.match(args, last.leaves) && activeTransforms() === 0) return last.outputs(last.program.run(last.leaves as (NDArray | number)[])) as R;
    const signature = signatureOf(args);
    if (!signature.concrete || activeTransforms() > 0) return f(...args);
    last = entryFor(args, signature.key);
    return last.outputs(last.program.run(signature.leaves as (NDArray | number)[])) as R;
  };
  const source = (...args: A): string => {
    const entry = entryFor(args, signatureOf(args).key);
    return `${entry.header}\n${entry.program.source}`;
  };
  return Object.defineProperties(compiled, {
    source: { value: source },
    traces: { get: () => cache.traces },
  }) as Jitted<A, R>;
}
