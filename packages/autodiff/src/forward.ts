import * as core from "@ostl/core";
import { type DType, OstlError, ShapeError } from "@ostl/core";
import { JvpContext, type OpDef } from "./op.js";
import { broadcastTo, reshape, transpose } from "./ops/structure.js";
import { bind, concreteOf, shapeOf, type Tensor, type TensorLike, Tracer, Transform, withTransform } from "./tracer.js";
import { assertSameStructure, flatten, type Tree, unflatten } from "./tree.js";

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * A value under forward mode: its primal and its tangent (`null` means zero).
 *
 * @example
 * ```ts
 * import { jvp, JvpTracer, mul, tensor, type TensorLike } from "@ostl/autodiff";
 * jvp((x: TensorLike) => {
 *   const t = x as JvpTracer;
 *   console.log(t.primal, t.tangent?.toNested()); // 3 2
 *   return mul(x, x);
 * }, [3], [tensor(2)]);
 * ```
 */
export class JvpTracer extends Tracer {
  constructor(
    readonly transform: JvpTransform,
    readonly primal: TensorLike,
    readonly tangent: Tensor | null,
  ) {
    super();
  }
  get shape(): readonly number[] {
    return shapeOf(this.primal);
  }
  get dtype(): DType {
    return typeof this.primal === "number" ? "float64" : this.primal.dtype;
  }
  concrete() {
    return concreteOf(this.primal);
  }
}

/**
 * Forward mode: carries tangents (optionally K at once on a leading axis) through each op's `jvp` rule.
 *
 * @example
 * ```ts
 * import { jvp, JvpTracer, JvpTransform, mul, tensor, type Tensor } from "@ostl/autodiff";
 * jvp((x: Tensor) => {
 *   const transform = (x as JvpTracer).transform;
 *   console.log(transform instanceof JvpTransform, transform.ctx.batch); // true 2
 *   return mul(x, x);
 * }, [tensor([1])], [tensor([[1], [2]])], { batch: 2 });
 * ```
 */
export class JvpTransform extends Transform {
  readonly ctx: JvpContext;
  constructor(level: number, batch: number | null) {
    super(level);
    this.ctx = new JvpContext(batch);
  }

  process(op: OpDef<never>, args: readonly TensorLike[], params: never): Tensor {
    const primals = args.map((a) => (a instanceof JvpTracer && a.transform === this ? a.primal : a));
    const tangents = args.map((a) => (a instanceof JvpTracer && a.transform === this ? a.tangent : null));
    if (typeof op.jvp !== "function") throw new OstlError(op.name, "has no forward-mode (jvp) rule; define one or wrap the function with customJvp");
    const out = bind(op, primals, params);
    let t = op.jvp(this.ctx, primals, tangents, out, params);
    if (t !== null) {
      const expected = this.ctx.tangentShape(out.shape);
      if (!sameShape(t.shape, expected)) t = broadcastTo(t, expected);
    }
    return new JvpTracer(this, out, t);
  }
}

/**
 * Options of {@link jvp}.
 *
 * @example
 * ```ts
 * import { jvp, mul, tensor, type JvpOptions } from "@ostl/autodiff";
 * const options: JvpOptions = { batch: 2 };
 * const [, dy] = jvp((x) => mul(x, x), [tensor([1, 2])], [tensor([[1, 0], [0, 1]])], options);
 * console.log(dy.toNested()); // [[2, 0], [0, 4]]
 * ```
 */
export interface JvpOptions {
  /** Push K tangent directions at once: every tangent then has shape `[K, ...primal.shape]`. */
  batch?: number;
}

/**
 * Forward mode: evaluates `f(...primals)` and its directional derivative along `tangents`.
 * Returns `[out, tangentOut]` with the structure of `f`'s output. With `{ batch: K }` every
 * tangent carries K directions on a leading axis and so does the result (one pass, not K).
 *
 * @example
 * ```ts
 * import { jvp, mul, tensor } from "@ostl/autodiff";
 * const [y, dy] = jvp((x) => mul(x, x), [tensor([3])], [tensor([1])]);
 * console.log(y.toNested(), dy.toNested()); // [9] [6]
 * // two directions in one pass: the tangents get a leading axis of 2
 * const [, dys] = jvp((x) => mul(x, x), [tensor([3])], [tensor([[1], [10]])], { batch: 2 });
 * console.log(dys.toNested()); // [[6], [60]]
 * ```
 */
export function jvp<A extends Tree[], R extends Tree>(f: (...args: A) => R, primals: A, tangents: Tree[], options: JvpOptions = {}): [R, R] {
  const batch = options.batch ?? null;
  if (batch !== null && (!Number.isInteger(batch) || batch < 1)) throw new OstlError("jvp", `batch must be a positive integer, got ${batch}`);
  const p = flatten(primals as Tree);
  const t = flatten(tangents as Tree);
  assertSameStructure("jvp", "tangents", p.def, t.def);
  return withTransform(
    (level) => new JvpTransform(level, batch),
    (transform) => {
      const leaves = p.leaves.map((primal, i) => {
        const tangent = t.leaves[i]!;
        const expected = transform.ctx.tangentShape(shapeOf(primal));
        if (!sameShape(shapeOf(tangent), expected)) {
          throw new ShapeError("jvp", `tangent for '${p.paths[i]}' has shape [${shapeOf(tangent).join(",")}], expected [${expected.join(",")}] (primal shape [${shapeOf(primal).join(",")}]${batch === null ? "" : `, batch ${batch}`})`);
        }
        return new JvpTracer(transform, primal, typeof tangent === "number" ? core.tensor(tangent) : tangent);
      });
      const out = f(...(unflatten(p.def, leaves) as A));
      const o = flatten(out);
      const outPrimals = o.leaves.map((leaf) => (leaf instanceof JvpTracer && leaf.transform === transform ? leaf.primal : leaf));
      const outTangents = o.leaves.map((leaf, i) => {
        const tangent = leaf instanceof JvpTracer && leaf.transform === transform ? leaf.tangent : null;
        return tangent ?? core.zeros(transform.ctx.tangentShape(shapeOf(outPrimals[i]!)), dtypeOfLeaf(outPrimals[i]!));
      });
      return [unflatten(o.def, outPrimals) as R, unflatten(o.def, outTangents) as R];
    },
  );
}

function dtypeOfLeaf(x: TensorLike): DType {
  return typeof x === "number" ? "float64" : x.dtype;
}

/**
 * Options naming which positional argument a Jacobian is taken with respect to.
 *
 * @example
 * ```ts
 * import { jacfwd, mul, tensor, type ArgnumOptions } from "@ostl/autodiff";
 * const options: ArgnumOptions = { argnum: 1 };
 * console.log(jacfwd((a, b) => mul(a, b), options)(tensor([2, 3]), tensor([1, 1])).toNested()); // [[2, 0], [0, 3]]
 * ```
 */
export interface ArgnumOptions {
  /** Index of the argument to differentiate (default 0). */
  argnum?: number;
}

/**
 * Jacobian by forward mode, all `x.size` directions in one batched pass: for `f: [...xs] → [...ys]`
 * returns a tensor of shape `[...ys, ...xs]`.
 *
 * @example
 * ```ts
 * import { jacfwd, mul, tensor } from "@ostl/autodiff";
 * console.log(jacfwd((x) => mul(x, x))(tensor([1, 2])).toNested()); // [[2, 0], [0, 4]]
 * ```
 */
export function jacfwd(f: (...args: Tensor[]) => Tensor, options: ArgnumOptions = {}): (...args: Tensor[]) => Tensor {
  const argnum = options.argnum ?? 0;
  return (...args) => {
    const x = args[argnum];
    if (x === undefined) throw new OstlError("jacfwd", `argument ${argnum} is missing (got ${args.length} arguments)`);
    const n = x.size;
    const seeds = reshape(core.eye(n, x.dtype), [n, ...x.shape]);
    const [y, dy] = jvp((xi: Tensor) => f(...args.map((a, i) => (i === argnum ? xi : a))), [x], [seeds], { batch: n });
    return moveLeadingAxisToEnd(dy as Tensor, shapeOf(y as Tensor), x.shape);
  };
}

/** `[K, ...ys]` with K = size(xs) → `[...ys, ...xs]`. */
function moveLeadingAxisToEnd(t: Tensor, ys: readonly number[], xs: readonly number[]): Tensor {
  const k = xs.reduce((p, d) => p * d, 1);
  const perm = [...Array.from({ length: ys.length }, (_, i) => i + 1), 0];
  return reshape(transpose(reshape(t, [k, ...ys]), perm), [...ys, ...xs]);
}
