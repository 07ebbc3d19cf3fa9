import { type DType, NDArray, OstlError, type NestedArray } from "@ostl/core";
import type { OpDef } from "./op.js";

/**
 * A value seen by a transformation (forward mode, reverse mode, tracing) instead of a concrete
 * array. User code never constructs one; it receives them as arguments when its function is
 * differentiated or traced, and passes them to the differentiable ops like any tensor.
 *
 * @example
 * ```ts
 * import { grad, mul, sum, tensor, Tracer } from "@ostl/autodiff";
 * grad((x) => { console.log(x instanceof Tracer); return sum(mul(x, x)); })(tensor([1, 2])); // true
 * ```
 */
export abstract class Tracer {
  /** The transformation this value belongs to. */
  abstract readonly transform: Transform;
  /** Shape of the value (without any tangent axis). */
  abstract readonly shape: readonly number[];
  /** Element type of the value. */
  abstract readonly dtype: DType;
  /** The concrete array underneath all transformations, or `null` when there is none. */
  abstract concrete(): NDArray | null;

  /** Number of elements. */
  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The concrete values as nested arrays (for printing and debugging inside a transformed function). */
  toNested(): NestedArray {
    return this.concreteFor("toNested").toNested();
  }

  /** A row-major copy of the concrete values as a plain array, as {@link NDArray.toFlat}. */
  toFlat(): number[] {
    return this.concreteFor("toFlat").toFlat();
  }

  /** The single concrete value of a size-1 value, as {@link NDArray.item}. */
  item(): number {
    return this.concreteFor("item").item();
  }

  /** The concrete array for a read named `op`; an error naming the read when there is none (under `trace` or `jit`). */
  private concreteFor(op: string): NDArray {
    const c = this.concrete();
    if (c === null) throw new OstlError(op, `a ${this.constructor.name} of shape [${this.shape.join(",")}] has no concrete value`);
    return c;
  }
}

/**
 * A tensor: a concrete {@link NDArray} or a {@link Tracer} standing for one under a transformation.
 *
 * @example
 * ```ts
 * import { grad, mul, tensor, type Tensor } from "@ostl/autodiff";
 * const cube = (x: Tensor): Tensor => mul(mul(x, x), x);
 * console.log(cube(tensor([2])).toNested(), grad(cube)(tensor(2)).toNested()); // [8] 12
 * ```
 */
export type Tensor = NDArray | Tracer;
/**
 * What the differentiable ops accept: a tensor or a plain number (a 0-d constant).
 *
 * @example
 * ```ts
 * import { add, tensor, type TensorLike } from "@ostl/autodiff";
 * const shift = (x: TensorLike) => add(x, 1);
 * console.log(shift(2).toNested(), shift(tensor([2, 3])).toNested()); // 3 [3, 4]
 * ```
 */
export type TensorLike = Tensor | number;

/**
 * One active transformation (a forward-mode pass, a reverse-mode tape, an IR trace). Transformations
 * nest; each gets a level, and an op is handled by the highest-level transformation among its inputs,
 * which is what keeps nested derivatives from confusing their perturbations.
 *
 * @example
 * ```ts
 * import { jvp, mul, tensor, Tracer, type Tensor } from "@ostl/autodiff";
 * jvp((x: Tensor) => { console.log((x as Tracer).transform.level); return mul(x, x); }, [tensor(2)], [tensor(1)]); // 1
 * ```
 */
export abstract class Transform {
  /** False once the transformation has finished: its tracers must not be used any more. */
  active = true;
  constructor(
    /** Nesting depth: 1 for the outermost transformation. */
    readonly level: number,
  ) {}
  /** Applies `op` to `args`, at least one of which is a tracer of this transformation. */
  abstract process(op: OpDef<never>, args: readonly TensorLike[], params: unknown): Tensor;
}

let currentLevel = 0;

/**
 * Runs `body` inside a new transformation one level above all active ones; the transformation is
 * closed afterwards even if `body` throws.
 *
 * @example
 * ```ts
 * import { Transform, withTransform } from "@ostl/autodiff";
 * class Marker extends Transform {
 *   process(): never {
 *     throw new Error("no ops in this example");
 *   }
 * }
 * const levels = withTransform((level) => new Marker(level), (outer) =>
 *   withTransform((level) => new Marker(level), (inner) => [outer.level, inner.level, inner.active]),
 * );
 * console.log(levels); // [1, 2, true]
 * ```
 */
export function withTransform<T extends Transform, R>(make: (level: number) => T, body: (transform: T) => R): R {
  currentLevel += 1;
  const transform = make(currentLevel);
  try {
    return body(transform);
  } finally {
    transform.active = false;
    currentLevel -= 1;
  }
}

/**
 * How many transformations (jvp, grad, trace, ...) are active right now: 0 outside all of them.
 * `jit` reads it to run its function uncompiled under another transformation.
 *
 * @example
 * ```ts
 * import { activeTransforms, grad, mul, sum, tensor } from "@ostl/autodiff";
 * console.log(activeTransforms()); // 0
 * grad((x) => { console.log(activeTransforms()); return sum(mul(x, x)); })(tensor([1])); // 1
 * ```
 */
export function activeTransforms(): number {
  return currentLevel;
}

/**
 * Applies a primitive op: to concrete arrays directly, otherwise through the highest-level
 * transformation among the inputs.
 *
 * @example
 * ```ts
 * import { bind, opTable, tensor } from "@ostl/autodiff";
 * console.log(bind(opTable.exp, [tensor([0, 1])], {}).toNested()); // [1, 2.718281828459045]
 * ```
 */
export function bind<P>(op: OpDef<P>, args: readonly TensorLike[], params: P): Tensor {
  let top: Transform | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof Tracer && (top === null || a.transform.level > top.level)) top = a.transform;
  }
  if (top === null) return op.impl(args as readonly (NDArray | number)[], params);
  if (!top.active) {
    throw new OstlError(op.name, "an input is a traced value that escaped from a finished transformation (a tracer stored outside the function being differentiated)");
  }
  return top.process(op as OpDef<never>, args, params as never);
}

/**
 * Shape of a tensor-like value (`[]` for a plain number).
 *
 * @example
 * ```ts
 * import { shapeOf, tensor } from "@ostl/autodiff";
 * console.log(shapeOf(tensor([[1, 2]]))); // [1, 2]
 * ```
 */
export function shapeOf(x: TensorLike): readonly number[] {
  return typeof x === "number" ? [] : x.shape;
}

/**
 * Element type of a tensor-like value (`undefined` for a plain number, which adopts its partner's).
 *
 * @example
 * ```ts
 * import { dtypeOf, tensor } from "@ostl/autodiff";
 * console.log(dtypeOf(tensor([1], { dtype: "float32" }))); // "float32"
 * ```
 */
export function dtypeOf(x: TensorLike): DType | undefined {
  return typeof x === "number" ? undefined : x.dtype;
}

/**
 * The concrete array of a value if it has one (itself for an array, the innermost primal for a
 * tracer), else `null`.
 *
 * @example
 * ```ts
 * import { concreteOf, grad, sum, tensor } from "@ostl/autodiff";
 * const a = tensor([1, 2]);
 * console.log(concreteOf(a) === a, concreteOf(3)); // true null
 * grad((x) => { console.log(concreteOf(x)?.toNested()); return sum(x); })(a); // [1, 2]
 * ```
 */
export function concreteOf(x: TensorLike): NDArray | null {
  if (typeof x === "number") return null;
  return x instanceof NDArray ? x : x.concrete();
}
