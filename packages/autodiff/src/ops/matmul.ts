import * as core from "@ostl/core";
import { ShapeError } from "@ostl/core";
import { type JvpContext, NO_PARAMS, type NoParams, type OpDef } from "../op.js";
import { bind, shapeOf, type Tensor, type TensorLike } from "../tracer.js";
import { addTangents, mul } from "./arithmetic.js";
import { reshape, sumTo, transpose } from "./structure.js";

/** Shapes of a matrix product with NumPy's 1-D promotion made explicit. */
interface MatmulShapes {
  a2: number[];
  b2: number[];
  out2: number[];
  out: number[];
}

function matmulShapes(a: readonly number[], b: readonly number[]): MatmulShapes {
  if (a.length === 0 || b.length === 0) throw new ShapeError("matmul", `operands must have at least 1 axis, got [${a.join(",")}] and [${b.join(",")}]`);
  const a2 = a.length === 1 ? [1, a[0]!] : [...a];
  const b2 = b.length === 1 ? [b[0]!, 1] : [...b];
  const batch = core.broadcastShapes(a2.slice(0, -2), b2.slice(0, -2));
  const n = a2[a2.length - 2]!;
  const p = b2[b2.length - 1]!;
  const out2 = [...batch, n, p];
  const out = [...batch, ...(a.length === 1 ? [] : [n]), ...(b.length === 1 ? [] : [p])];
  return { a2, b2, out2, out };
}

function swapLast(x: Tensor | TensorLike): Tensor {
  const nd = shapeOf(x).length;
  const perm = Array.from({ length: nd }, (_, i) => i);
  perm[nd - 2] = nd - 1;
  perm[nd - 1] = nd - 2;
  return transpose(x, perm);
}

/** A tangent of a promoted operand, with singleton batch axes so the tangent axis lines up with the output's. */
function promotedTangent(ctx: JvpContext, t: Tensor, shape2: readonly number[], out2: readonly number[]): Tensor {
  if (ctx.batch === null) return reshape(t, shape2);
  return reshape(t, [ctx.batch, ...new Array<number>(out2.length - shape2.length).fill(1), ...shape2]);
}

/** d(A B) = dA B + A dB;  A̅ = C̅ Bᵀ, B̅ = Aᵀ C̅ (summed over broadcast batch axes) */
export const matmulOp: OpDef<NoParams> = {
  name: "matmul",
  impl: ([a, b]) => core.matmul(a as core.NDArray, b as core.NDArray),
  jvp: (ctx, [a, b], [ta, tb]) => {
    const s = matmulShapes(shapeOf(a!), shapeOf(b!));
    const termA = ta ? matmul(promotedTangent(ctx, ta, s.a2, s.out2), reshape(b!, s.b2)) : null;
    const termB = tb ? matmul(reshape(a!, s.a2), promotedTangent(ctx, tb, s.b2, s.out2)) : null;
    const sum2 = addTangents(termA, termB);
    return sum2 === null ? null : reshape(sum2, ctx.tangentShape(s.out));
  },
  vjp: (ct, [a, b], _out, _p, wants) => {
    const aShape = shapeOf(a!);
    const bShape = shapeOf(b!);
    const s = matmulShapes(aShape, bShape);
    const ct2 = reshape(ct, s.out2);
    return [
      wants[0] ? reshape(sumTo(matmul(ct2, swapLast(reshape(b!, s.b2))), s.a2), aShape) : null,
      wants[1] ? reshape(sumTo(matmul(swapLast(reshape(a!, s.a2)), ct2), s.b2), bShape) : null,
    ];
  },
};

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted (and the promoted axis removed),
 * leading axes are batch axes and broadcast.
 * @example
 * ```ts
 * import { matmul, tensor } from "@ostl/autodiff";
 * console.log(matmul(tensor([[1, 2], [3, 4]]), tensor([1, 1])).toNested()); // [3, 7]
 * ```
 */
export function matmul(a: TensorLike, b: TensorLike): Tensor {
  const s = matmulShapes(shapeOf(a), shapeOf(b));
  const m = s.a2[s.a2.length - 1]!;
  if (s.b2[s.b2.length - 2] !== m) {
    throw new ShapeError("matmul", `inner dimensions differ: [${shapeOf(a).join(",")}] @ [${shapeOf(b).join(",")}]`);
  }
  return bind(matmulOp, [a, b], NO_PARAMS);
}

/**
 * Outer product of two vectors: `out[i, j] = a[i] b[j]`.
 * @example
 * ```ts
 * import { outer, tensor } from "@ostl/autodiff";
 * console.log(outer(tensor([1, 2]), tensor([3, 4])).toNested()); // [[3, 4], [6, 8]]
 * ```
 */
export function outer(a: TensorLike, b: TensorLike): Tensor {
  const n = shapeOf(a);
  const m = shapeOf(b);
  if (n.length !== 1 || m.length !== 1) throw new ShapeError("outer", `needs two vectors, got [${n.join(",")}] and [${m.join(",")}]`);
  return mul(reshape(a, [n[0]!, 1]), reshape(b, [1, m[0]!]));
}
