import * as core from "@ostl/core";
import { type NoParams, NO_PARAMS, type OpDef, zeroDerivative } from "../op.js";
import { bind, shapeOf, type Tensor, type TensorLike } from "../tracer.js";
import { alignTangent } from "./structure.js";

type Partial = (a: TensorLike, b: TensorLike, out: Tensor) => TensorLike;

/** `t * p`, skipping the product when the partial derivative is the constant 1 or -1. */
function scaleBy(t: Tensor, p: TensorLike): Tensor {
  if (p === 1) return t;
  if (p === -1) return neg(t);
  return mul(t, p);
}

/**
 * Sum of tangents where `null` means zero.
 *
 * @example
 * ```ts
 * import { addTangents, tensor } from "@ostl/autodiff";
 * console.log(addTangents(null, tensor([1, 2]))?.toNested()); // [1, 2]
 * console.log(addTangents(null, null)); // null
 * ```
 */
export function addTangents(a: Tensor | null, b: Tensor | null): Tensor | null {
  if (a === null) return b;
  if (b === null) return a;
  return add(a, b);
}

/**
 * An elementwise unary op from its kernel and its derivative: `d f(x) = f'(x) dx`.
 *
 * @example
 * ```ts
 * import { bind, elementwise, grad, mul, NO_PARAMS, sub, tensor, type Tensor } from "@ostl/autodiff";
 * import * as core from "@ostl/core";
 * const myTanhOp = elementwise("myTanh", core.tanh, (_x, y) => sub(1, mul(y, y)));
 * const myTanh = (x: Tensor) => bind(myTanhOp, [x], NO_PARAMS);
 * console.log(grad(myTanh)(tensor(0)).toNested()); // 1
 * ```
 */
export function elementwise(name: string, kernel: (x: core.NDArray) => core.NDArray, derivative: (x: TensorLike, out: Tensor) => TensorLike): OpDef<NoParams> {
  return {
    name,
    impl: ([x]) => kernel(x as core.NDArray),
    jvp: (_ctx, [x], [t], out) => (t === null || t === undefined ? null : scaleBy(t, derivative(x!, out))),
    vjp: (ct, [x], out) => [scaleBy(ct, derivative(x!, out))],
    partials: ([x], out) => [derivative(x!, out)],
  };
}

/**
 * A broadcasting elementwise binary op from its kernel and its two partial derivatives:
 * `d f(a, b) = ∂f/∂a da + ∂f/∂b db`.
 *
 * @example
 * ```ts
 * import { bind, binaryElementwise, grad, NO_PARAMS, tensor, type Tensor } from "@ostl/autodiff";
 * import * as core from "@ostl/core";
 * const plusOp = binaryElementwise("plus", core.add, () => 1, () => 1);
 * const plus = (a: Tensor, b: Tensor) => bind(plusOp, [a, b], NO_PARAMS);
 * const [da, db] = grad(plus, { argnums: [0, 1] })(tensor(2), tensor(3));
 * console.log(da.toNested(), db.toNested()); // 1 1
 * ```
 */
export function binaryElementwise(name: string, kernel: (a: core.NDArray | number, b: core.NDArray | number) => core.NDArray, partialA: Partial, partialB: Partial): OpDef<NoParams> {
  return {
    name,
    impl: ([a, b]) => kernel(a!, b!),
    jvp: (ctx, [a, b], [ta, tb], out) => {
      const outShape = out.shape;
      const termA = ta ? scaleBy(alignTangent(ctx, ta, shapeOf(a!), outShape), partialA(a!, b!, out)) : null;
      const termB = tb ? scaleBy(alignTangent(ctx, tb, shapeOf(b!), outShape), partialB(a!, b!, out)) : null;
      return addTangents(termA, termB);
    },
    vjp: (ct, [a, b], out, _params, wants) => [
      wants[0] ? scaleBy(ct, partialA(a!, b!, out)) : null,
      wants[1] ? scaleBy(ct, partialB(a!, b!, out)) : null,
    ],
    partials: ([a, b], out) => [partialA(a!, b!, out), partialB(a!, b!, out)],
  };
}


// Broadcasting binary ops. Rules: d f(a, b) = ∂f/∂a da + ∂f/∂b db.

/** d(a + b) = da + db */
export const addOp = binaryElementwise("add", core.add, () => 1, () => 1);
/** d(a - b) = da - db */
export const subOp = binaryElementwise("sub", core.sub, () => 1, () => -1);
/** d(a b) = b da + a db */
export const mulOp = binaryElementwise("mul", core.mul, (_a, b) => b, (a) => a);
/** d(a / b) = da / b - (a / b^2) db = da / b - out / b db */
export const divOp = binaryElementwise("div", core.div, (_a, b) => div(1, b), (_a, b, out) => neg(div(out, b)));
/** d(a^b) = b a^(b-1) da + a^b log(a) db */
export const powOp = binaryElementwise("pow", core.pow, (a, b) => mul(b, pow(a, sub(b, 1))), (a, _b, out) => mul(out, log(a)));
/** d max(a, b) = [a > b] da + [a < b] db, ties split evenly */
export const maximumOp = binaryElementwise("maximum", core.maximum, (a, b) => add(greater(a, b), mul(0.5, equal(a, b))), (a, b) => add(less(a, b), mul(0.5, equal(a, b))));
/** d min(a, b) = [a < b] da + [a > b] db, ties split evenly */
export const minimumOp = binaryElementwise("minimum", core.minimum, (a, b) => add(less(a, b), mul(0.5, equal(a, b))), (a, b) => add(greater(a, b), mul(0.5, equal(a, b))));

// Elementwise unary ops. Rules: d f(x) = f'(x) dx.

/** d(-x) = -dx */
export const negOp = elementwise("neg", core.neg, () => -1);
/** d exp(x) = exp(x) dx */
export const expOp = elementwise("exp", core.exp, (_x, y) => y);
/** d log(x) = dx / x */
export const logOp = elementwise("log", core.log, (x) => div(1, x));
/** d log1p(x) = dx / (1 + x) */
export const log1pOp = elementwise("log1p", core.log1p, (x) => div(1, add(1, x)));
/** d tanh(x) = (1 - tanh(x)^2) dx */
export const tanhOp = elementwise("tanh", core.tanh, (_x, y) => sub(1, mul(y, y)));
/** d σ(x) = σ(x) (1 - σ(x)) dx */
export const sigmoidOp = elementwise("sigmoid", core.sigmoid, (_x, y) => mul(y, sub(1, y)));
/** d softplus(x) = σ(x) dx */
export const softplusOp = elementwise("softplus", core.softplus, (x) => sigmoid(x));
/** d relu(x) = [x > 0] dx  (relu'(0) := 0) */
export const reluOp = elementwise("relu", core.relu, (x) => greater(x, 0));
/** d |x| = sign(x) dx  (|.|'(0) := 0) */
export const absOp = elementwise("abs", core.abs, (x) => sign(x));
/** d sqrt(x) = dx / (2 sqrt(x)) */
export const sqrtOp = elementwise("sqrt", core.sqrt, (_x, y) => div(0.5, y));

// Piecewise-constant ops: derivative zero.

/** d [a > b] = 0 */
export const greaterOp = zeroDerivative<NoParams>("greater", ([a, b]) => core.greater(a!, b!));
/** d [a >= b] = 0 */
export const greaterEqualOp = zeroDerivative<NoParams>("greaterEqual", ([a, b]) => core.greaterEqual(a!, b!));
/** d [a < b] = 0 */
export const lessOp = zeroDerivative<NoParams>("less", ([a, b]) => core.less(a!, b!));
/** d [a <= b] = 0 */
export const lessEqualOp = zeroDerivative<NoParams>("lessEqual", ([a, b]) => core.lessEqual(a!, b!));
/** d [a == b] = 0 */
export const equalOp = zeroDerivative<NoParams>("equal", ([a, b]) => core.equal(a!, b!));
/** d [a != b] = 0 */
export const notEqualOp = zeroDerivative<NoParams>("notEqual", ([a, b]) => core.notEqual(a!, b!));
/** d sign(x) = 0 */
export const signOp = zeroDerivative<NoParams>("sign", ([x]) => core.sign(x as core.NDArray));
/** d stopGradient(x) := 0 (by definition: the value passes, the derivative does not) */
export const stopGradientOp = zeroDerivative<NoParams>("stopGradient", ([x]) => (typeof x === "number" ? core.tensor(x) : x!));

/** d where(c, a, b) = where(c, da, db); the condition gets no derivative */
export const whereOp: OpDef<NoParams> = {
  name: "where",
  impl: ([c, a, b]) => core.where(c!, a!, b!),
  jvp: (ctx, [c, a, b], [, ta, tb], out) => {
    if (!ta && !tb) return null;
    const alignedA = ta ? alignTangent(ctx, ta, shapeOf(a!), out.shape) : 0;
    const alignedB = tb ? alignTangent(ctx, tb, shapeOf(b!), out.shape) : 0;
    return where(c!, alignedA, alignedB);
  },
  vjp: (ct, [c], _out, _params, wants) => [null, wants[1] ? where(c!, ct, 0) : null, wants[2] ? where(c!, 0, ct) : null],
  partials: ([c]) => [null, where(c!, 1, 0), where(c!, 0, 1)],
};

const binary = (op: OpDef<NoParams>) => (a: TensorLike, b: TensorLike): Tensor => bind(op, [a, b], NO_PARAMS);
const unary = (op: OpDef<NoParams>) => (x: TensorLike): Tensor => bind(op, [x], NO_PARAMS);

/**
 * Elementwise sum with NumPy broadcasting.
 * @example
 * ```ts
 * import { add, tensor } from "@ostl/autodiff";
 * console.log(add(tensor([[1], [2]]), tensor([10, 20])).toNested()); // [[11, 21], [12, 22]]
 * ```
 */
export const add = binary(addOp);
/**
 * Elementwise difference with broadcasting.
 *
 * @example
 * ```ts
 * import { sub, tensor } from "@ostl/autodiff";
 * console.log(sub(tensor([3, 4]), 1).toNested()); // [2, 3]
 * ```
 */
export const sub = binary(subOp);
/**
 * Elementwise product with broadcasting.
 *
 * @example
 * ```ts
 * import { mul, tensor } from "@ostl/autodiff";
 * console.log(mul(tensor([1, 2]), tensor([3, 4])).toNested()); // [3, 8]
 * ```
 */
export const mul = binary(mulOp);
/**
 * Elementwise quotient with broadcasting.
 *
 * @example
 * ```ts
 * import { div, tensor } from "@ostl/autodiff";
 * console.log(div(tensor([1, 2]), 2).toNested()); // [0.5, 1]
 * ```
 */
export const div = binary(divOp);
/**
 * Elementwise power `a^b` with broadcasting.
 *
 * @example
 * ```ts
 * import { pow, tensor } from "@ostl/autodiff";
 * console.log(pow(tensor([2, 3]), 2).toNested()); // [4, 9]
 * ```
 */
export const pow = binary(powOp);
/**
 * Elementwise maximum with broadcasting.
 *
 * @example
 * ```ts
 * import { maximum, tensor } from "@ostl/autodiff";
 * console.log(maximum(tensor([1, 5]), 3).toNested()); // [3, 5]
 * ```
 */
export const maximum = binary(maximumOp);
/**
 * Elementwise minimum with broadcasting.
 *
 * @example
 * ```ts
 * import { minimum, tensor } from "@ostl/autodiff";
 * console.log(minimum(tensor([1, 5]), 3).toNested()); // [1, 3]
 * ```
 */
export const minimum = binary(minimumOp);
/**
 * `[a > b]` as 1/0.
 *
 * @example
 * ```ts
 * import { greater, tensor } from "@ostl/autodiff";
 * console.log(greater(tensor([1, 5]), 3).toNested()); // [0, 1]
 * ```
 */
export const greater = binary(greaterOp);
/**
 * `[a >= b]` as 1/0.
 *
 * @example
 * ```ts
 * import { greaterEqual, tensor } from "@ostl/autodiff";
 * console.log(greaterEqual(tensor([3]), 3).toNested()); // [1]
 * ```
 */
export const greaterEqual = binary(greaterEqualOp);
/**
 * `[a < b]` as 1/0.
 *
 * @example
 * ```ts
 * import { less, tensor } from "@ostl/autodiff";
 * console.log(less(tensor([1, 5]), 3).toNested()); // [1, 0]
 * ```
 */
export const less = binary(lessOp);
/**
 * `[a <= b]` as 1/0.
 *
 * @example
 * ```ts
 * import { lessEqual, tensor } from "@ostl/autodiff";
 * console.log(lessEqual(tensor([3]), 3).toNested()); // [1]
 * ```
 */
export const lessEqual = binary(lessEqualOp);
/**
 * `[a == b]` as 1/0.
 *
 * @example
 * ```ts
 * import { equal, tensor } from "@ostl/autodiff";
 * console.log(equal(tensor([3, 4]), 3).toNested()); // [1, 0]
 * ```
 */
export const equal = binary(equalOp);
/**
 * `[a != b]` as 1/0.
 *
 * @example
 * ```ts
 * import { notEqual, tensor } from "@ostl/autodiff";
 * console.log(notEqual(tensor([3, 4]), 3).toNested()); // [0, 1]
 * ```
 */
export const notEqual = binary(notEqualOp);
/**
 * Elementwise negation.
 *
 * @example
 * ```ts
 * import { neg, tensor } from "@ostl/autodiff";
 * console.log(neg(tensor([1, -2])).toNested()); // [-1, 2]
 * ```
 */
export const neg = unary(negOp);
/**
 * Elementwise `e^x`.
 *
 * @example
 * ```ts
 * import { exp, tensor } from "@ostl/autodiff";
 * console.log(exp(tensor([0])).toNested()); // [1]
 * ```
 */
export const exp = unary(expOp);
/**
 * Elementwise natural logarithm.
 *
 * @example
 * ```ts
 * import { log, tensor } from "@ostl/autodiff";
 * console.log(log(tensor([1])).toNested()); // [0]
 * ```
 */
export const log = unary(logOp);
/**
 * Elementwise `log(1 + x)`, accurate near 0.
 *
 * @example
 * ```ts
 * import { log1p, tensor } from "@ostl/autodiff";
 * console.log(log1p(tensor([0])).toNested()); // [0]
 * ```
 */
export const log1p = unary(log1pOp);
/**
 * Elementwise hyperbolic tangent.
 *
 * @example
 * ```ts
 * import { tanh, tensor } from "@ostl/autodiff";
 * console.log(tanh(tensor([0])).toNested()); // [0]
 * ```
 */
export const tanh = unary(tanhOp);
/**
 * Elementwise logistic sigmoid, stable for large |x|.
 *
 * @example
 * ```ts
 * import { sigmoid, tensor } from "@ostl/autodiff";
 * console.log(sigmoid(tensor([0])).toNested()); // [0.5]
 * ```
 */
export const sigmoid = unary(sigmoidOp);
/**
 * Elementwise `log(1 + e^x)`, stable for large |x|.
 *
 * @example
 * ```ts
 * import { softplus, tensor } from "@ostl/autodiff";
 * console.log(softplus(tensor([0])).toNested()); // [0.6931471805599453]
 * ```
 */
export const softplus = unary(softplusOp);
/**
 * Elementwise `max(x, 0)`; its derivative at 0 is 0.
 *
 * @example
 * ```ts
 * import { relu, tensor } from "@ostl/autodiff";
 * console.log(relu(tensor([-1, 2])).toNested()); // [0, 2]
 * ```
 */
export const relu = unary(reluOp);
/**
 * Elementwise absolute value.
 *
 * @example
 * ```ts
 * import { abs, tensor } from "@ostl/autodiff";
 * console.log(abs(tensor([-1, 2])).toNested()); // [1, 2]
 * ```
 */
export const abs = unary(absOp);
/**
 * Elementwise square root.
 *
 * @example
 * ```ts
 * import { sqrt, tensor } from "@ostl/autodiff";
 * console.log(sqrt(tensor([4])).toNested()); // [2]
 * ```
 */
export const sqrt = unary(sqrtOp);
/**
 * Elementwise sign (-1, 0, 1); derivative zero.
 *
 * @example
 * ```ts
 * import { sign, tensor } from "@ostl/autodiff";
 * console.log(sign(tensor([-3, 0, 2])).toNested()); // [-1, 0, 1]
 * ```
 */
export const sign = unary(signOp);
/**
 * The value of `x` with a zero derivative: gradients do not flow through it.
 * @example
 * ```ts
 * import { grad, mul, stopGradient, tensor } from "@ostl/autodiff";
 * // the second factor is a constant: the derivative of x·x would be 6
 * console.log(grad((x) => mul(x, stopGradient(x)))(tensor(3)).toNested()); // 3
 * ```
 */
export const stopGradient = unary(stopGradientOp);

/**
 * Elementwise choice: `a` where `cond` is nonzero, else `b` (broadcasting all three).
 * @example
 * ```ts
 * import { where, tensor } from "@ostl/autodiff";
 * console.log(where(tensor([1, 0]), tensor([1, 2]), tensor([3, 4])).toNested()); // [1, 4]
 * ```
 */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  return bind(whereOp, [cond, a, b], NO_PARAMS);
}
