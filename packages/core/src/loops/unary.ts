/**
 * Float64 row loops with one input (see {@link Loop1} in `strided.ts`) or none, and the scalar
 * functions they inline. One loop per op, each with a unit-stride and a strided branch, for the
 * reasons given in `binary.ts`.
 *
 * @module
 */
import type { Loop0, Loop1 } from "../strided.js";

/**
 * Logistic function `1 / (1 + exp(-x))`, evaluated without overflow for any `x`: for `x < 0`
 * it uses `exp(x) / (1 + exp(x))`, which keeps full relative precision in the left tail.
 *
 * @example
 * ```ts
 * import { sigmoidScalar } from "@ostl/core";
 * console.log(sigmoidScalar(0), sigmoidScalar(-800) > 0); // 0.5 false
 * ```
 */
export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * `log(1 + exp(x))`, evaluated as `max(x, 0) + log1p(exp(-|x|))` so it neither overflows for large
 * `x` nor loses the tail for very negative `x`.
 *
 * @example
 * ```ts
 * import { softplusScalar } from "@ostl/core";
 * console.log(softplusScalar(1000), softplusScalar(0)); // 1000 0.6931471805599453
 * ```
 */
export function softplusScalar(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** o = c */
export const fill: Loop0 = (n, o, io, so, c) => {
  if (so === 1) o.fill(c, io, io + n);
  else for (let k = 0; k < n; k++, io += so) o[io] = c;
};

/** o = x */
export const copy: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) o.set(x.subarray(ix, ix + n), io);
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = x[ix];
};

/** o = c * x */
export const scale: Loop1 = (n, o, io, so, x, ix, sx, c) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = c * x[k + dx];
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = c * x[ix];
};

/** o = -x */
export const neg: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = -x[k + dx];
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = -x[ix];
};

/** o = exp(x) */
export const exp: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = Math.exp(x[k + dx]);
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = Math.exp(x[ix]);
};

/** o = log(x) */
export const log: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = Math.log(x[k + dx]);
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = Math.log(x[ix]);
};

/** o = tanh(x) */
export const tanh: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = Math.tanh(x[k + dx]);
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = Math.tanh(x[ix]);
};

/** o = sigmoid(x) */
export const sigmoid: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = sigmoidScalar(x[k + dx]);
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = sigmoidScalar(x[ix]);
};

/** o = max(x, 0), NaN stays NaN */
export const relu: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = x[k + dx] < 0 ? 0 : x[k + dx];
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = x[ix] < 0 ? 0 : x[ix];
};

/** o = |x| */
export const abs: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = Math.abs(x[k + dx]);
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = Math.abs(x[ix]);
};

/** o = sqrt(x) */
export const sqrt: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = Math.sqrt(x[k + dx]);
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = Math.sqrt(x[ix]);
};

/** o = sign(x) in {-1, 0, 1}, NaN stays NaN */
export const sign: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = Math.sign(x[k + dx]);
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = Math.sign(x[ix]);
};

/** o = x * x */
export const square: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = x[k + dx] * x[k + dx];
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = x[ix] * x[ix];
};

/** o = 1 / x */
export const reciprocal: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = 1 / x[k + dx];
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = 1 / x[ix];
};

/** o = log(1 + x) */
export const log1p: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = Math.log1p(x[k + dx]);
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = Math.log1p(x[ix]);
};

/** o = exp(x) - 1 */
export const expm1: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = Math.expm1(x[k + dx]);
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = Math.expm1(x[ix]);
};

/** o = log(1 + exp(x)) */
export const softplus: Loop1 = (n, o, io, so, x, ix, sx) => {
  if (so === 1 && sx === 1) for (let k = io, e = io + n, dx = ix - io; k < e; k++) o[k] = softplusScalar(x[k + dx]);
  else for (let k = 0; k < n; k++, io += so, ix += sx) o[io] = softplusScalar(x[ix]);
};
