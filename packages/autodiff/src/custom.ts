import * as core from "@ostl/core";
import { NDArray, OstlError, ShapeError, ValueError, formatShape, shapesEqual } from "@ostl/core";
import { jvp } from "./forward.js";
import type { OpDef } from "./op.js";
import { reshape, slice, stack } from "./ops/structure.js";
import { vjp } from "./reverse.js";
import { bind, shapeOf, Tracer, type Tensor, type TensorLike } from "./tracer.js";

type TensorFn = (...args: Tensor[]) => Tensor;

function concreteResult(name: string, value: Tensor): NDArray {
  if (!(value instanceof NDArray)) throw new OstlError(name, "the primal function must return a tensor");
  return value;
}

const asTensor = (x: TensorLike): Tensor => (typeof x === "number" ? core.tensor(x) : x);

/** What a value is, for an error message: `a number (3)`, `an array of length 2`, `null`. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "number") return `a number (${value})`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "no class"})`;
  return `a ${typeof value}`;
}

/** Whether `from` broadcasts to `to` (NumPy rules), so that a value of shape `to` sums back to `from`. */
function broadcastsTo(from: readonly number[], to: readonly number[]): boolean {
  const lead = to.length - from.length;
  return lead >= 0 && from.every((d, i) => d === 1 || d === to[lead + i]);
}

/**
 * A value returned by a user rule, checked where it is received, so that a faulty rule is reported
 * as such rather than deep inside the ops that consume it.
 *
 * @param name - the custom function's name, which the error names.
 * @param what - the value's role, e.g. "the customJvp rule's output tangent".
 * @param summable - also accept a shape that `expected` broadcasts to (a cotangent that reverse
 * mode sums back to its input's shape, as it does for every op).
 * @throws {@link ValueError} when `value` is not a tensor.
 * @throws {@link ShapeError} when its shape is not `expected`.
 */
function checkRuleValue(name: string, what: string, value: unknown, expected: readonly number[], summable = false): Tensor {
  const shape = formatShape(expected);
  if (!(value instanceof NDArray || value instanceof Tracer)) {
    throw new ValueError(name, `${what} is ${describeValue(value)}, expected a tensor of shape ${shape}`);
  }
  if (!(shapesEqual(value.shape, expected) || (summable && broadcastsTo(expected, value.shape)))) {
    const also = summable ? ` (or a shape that ${shape} broadcasts to, summed back)` : "";
    throw new ShapeError(name, `${what} has shape ${formatShape(value.shape)}, expected ${shape}${also}`);
  }
  return value;
}

/**
 * A function with a user-defined forward rule: `rule(primals, tangents, out)` returns the output
 * tangent, a tensor of the output's shape, and must be linear in `tangents` (a value of another
 * shape or type is a `ShapeError` or `ValueError` naming the function). Reverse mode uses the same rule, transposed
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
  const unbatchedRule = (primals: readonly TensorLike[], tangents: readonly Tensor[], out: Tensor) =>
    checkRuleValue(name, "the customJvp rule's output tangent", rule(primals.map(asTensor), [...tangents], out), out.shape);
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
 * `bwd(residuals, ct)` returns one cotangent per primal, of that primal's shape (or of a shape the
 * primal broadcasts to, which is summed back); anything else is an error naming the function. Forward mode differentiates `f` itself.
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
      const forward: unknown = fwd(...primals.map(asTensor));
      if (!Array.isArray(forward) || forward.length !== 2 || !Array.isArray(forward[1])) {
        throw new ValueError(name, `the customVjp forward function returned ${describeValue(forward)}, expected [output, residuals]`);
      }
      const cts: unknown = bwd(forward[1] as Tensor[], ct);
      if (!Array.isArray(cts) || cts.length !== primals.length) {
        throw new OstlError(name, `the customVjp backward rule returned ${describeValue(cts)}, expected an array of ${primals.length} cotangents (one per input)`);
      }
      return primals.map((p, i) => {
        const c = checkRuleValue(name, `the customVjp backward rule's cotangent for input ${i}`, cts[i], shapeOf(p), true);
        return wants[i] ? c : null;
      });
    },
  };
  return (...args) => bind(op, args, {});
}
