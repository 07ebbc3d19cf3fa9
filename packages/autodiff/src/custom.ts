import * as core from "@ostl/core";
import { NDArray, OstlError } from "@ostl/core";
import { jvp } from "./forward.js";
import type { OpDef } from "./op.js";
import { reshape, slice, stack } from "./ops/structure.js";
import { vjp } from "./reverse.js";
import { bind, shapeOf, type Tensor, type TensorLike } from "./tracer.js";

type TensorFn = (...args: Tensor[]) => Tensor;

function concreteResult(name: string, value: Tensor): NDArray {
  if (!(value instanceof NDArray)) throw new OstlError(name, "the primal function must return a tensor");
  return value;
}

const asTensor = (x: TensorLike): Tensor => (typeof x === "number" ? core.tensor(x) : x);

/**
 * A function with a user-defined forward rule: `rule(primals, tangents, out)` returns the output
 * tangent and must be linear in `tangents`. Reverse mode uses the same rule, transposed
 * automatically (reverse mode over the rule with respect to the tangents), so one rule serves both
 * modes. Under batched forward mode the rule is applied once per direction.
 *
 * @example
 * ```ts
 * import { customJvp, exp, grad, mul, sum, tensor } from "@ostl/autodiff";
 * // exp with an explicitly written rule
 * const myExp = customJvp((x) => exp(x), ([_x], [t], out) => mul(t, out));
 * console.log(grad((x) => sum(myExp(x)))(tensor([0])).toNested()); // [1]
 * ```
 */
export function customJvp(f: TensorFn, rule: (primals: Tensor[], tangents: Tensor[], out: Tensor) => Tensor, name = f.name || "customJvp"): TensorFn {
  const unbatchedRule = (primals: readonly TensorLike[], tangents: readonly Tensor[], out: Tensor) => rule(primals.map(asTensor), [...tangents], out);
  const op: OpDef<Record<string, never>> = {
    name,
    impl: (args) => concreteResult(name, f(...args.map(asTensor))),
    jvp: (ctx, primals, tangents, out) => {
      const filled = tangents.map((t, i) => t ?? core.zeros(ctx.tangentShape(shapeOf(primals[i]!)), out.dtype));
      if (ctx.batch === null) return unbatchedRule(primals, filled, out);
      const k = ctx.batch;
      const perDirection = Array.from({ length: k }, (_, j) =>
        unbatchedRule(primals, filled.map((t) => reshape(slice(t, [j, ...t.shape.slice(1).map(() => 0)], [j + 1, ...t.shape.slice(1)]), t.shape.slice(1))), out),
      );
      return stack(perDirection);
    },
    vjp: (ct, primals, out, _p, wants) => {
      const zeros = primals.map((p) => core.zeros(shapeOf(p), out.dtype));
      const [, pullback] = vjp((...ts: Tensor[]) => unbatchedRule(primals, ts, out), ...zeros);
      const cts = pullback(ct);
      return cts.map((c, i) => (wants[i] ? c : null));
    },
  };
  return (...args) => bind(op, args, {});
}

/**
 * A function with a user-defined reverse rule: `fwd(...primals)` returns `[out, residuals]` and
 * `bwd(residuals, ct)` returns one cotangent per primal. Forward mode differentiates `f` itself.
 *
 * @example
 * ```ts
 * import { customVjp, grad, mul, sum, tanh, sub, tensor } from "@ostl/autodiff";
 * // tanh whose reverse rule reuses the output
 * const myTanh = customVjp(
 *   (x) => tanh(x),
 *   (x) => { const y = tanh(x); return [y, [y]]; },
 *   ([y], ct) => [mul(ct, sub(1, mul(y!, y!)))],
 * );
 * console.log(grad((x) => sum(myTanh(x)))(tensor([0])).toNested()); // [1]
 * ```
 */
export function customVjp(
  f: TensorFn,
  fwd: (...primals: Tensor[]) => [Tensor, Tensor[]],
  bwd: (residuals: Tensor[], ct: Tensor) => Tensor[],
  name = f.name || "customVjp",
): TensorFn {
  const op: OpDef<Record<string, never>> = {
    name,
    impl: (args) => concreteResult(name, f(...args.map(asTensor))),
    jvp: (ctx, primals, tangents, out) => {
      const filled = tangents.map((t, i) => t ?? core.zeros(ctx.tangentShape(shapeOf(primals[i]!)), out.dtype));
      const options = ctx.batch === null ? {} : { batch: ctx.batch };
      return jvp((...xs: Tensor[]) => f(...xs), primals.map(asTensor), filled, options)[1];
    },
    vjp: (ct, primals, _out, _p, wants) => {
      const [, residuals] = fwd(...primals.map(asTensor));
      const cts = bwd(residuals, ct);
      if (cts.length !== primals.length) throw new OstlError(name, `backward rule returned ${cts.length} cotangents for ${primals.length} inputs`);
      return cts.map((c, i) => (wants[i] ? c : null));
    },
  };
  return (...args) => bind(op, args, {});
}
