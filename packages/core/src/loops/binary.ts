/**
 * Float64 row loops with two or more inputs (see {@link Loop2} in `strided.ts`).
 *
 * Every op is its own loop so V8 compiles each with its arithmetic inlined; a shared loop calling
 * an op function is polymorphic and was measured 5x slower. Each loop has a unit-stride branch
 * (indices move together, the common dense case) and a general strided branch (broadcast,
 * transposed and stepped operands).
 *
 * @module
 */
import type { Loop2, Loop3, Loop4 } from "../strided.js";

/** o = a + b */
export const add: Loop2 = (n, o, io, so, a, ia, sa, b, ib, sb) => {
  if (so === 1 && sa === 1 && sb === 1) for (let k = io, e = io + n, da = ia - io, db = ib - io; k < e; k++) o[k] = a[k + da] + b[k + db];
  else for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) o[io] = a[ia] + b[ib];
};

/** o = a - b */
export const sub: Loop2 = (n, o, io, so, a, ia, sa, b, ib, sb) => {
  if (so === 1 && sa === 1 && sb === 1) for (let k = io, e = io + n, da = ia - io, db = ib - io; k < e; k++) o[k] = a[k + da] - b[k + db];
  else for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) o[io] = a[ia] - b[ib];
};

/** o = a * b */
export const mul: Loop2 = (n, o, io, so, a, ia, sa, b, ib, sb) => {
  if (so === 1 && sa === 1 && sb === 1) for (let k = io, e = io + n, da = ia - io, db = ib - io; k < e; k++) o[k] = a[k + da] * b[k + db];
  else for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) o[io] = a[ia] * b[ib];
};

/** o = a / b */
export const div: Loop2 = (n, o, io, so, a, ia, sa, b, ib, sb) => {
  if (so === 1 && sa === 1 && sb === 1) for (let k = io, e = io + n, da = ia - io, db = ib - io; k < e; k++) o[k] = a[k + da] / b[k + db];
  else for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) o[io] = a[ia] / b[ib];
};

/** o = a ** b */
export const pow: Loop2 = (n, o, io, so, a, ia, sa, b, ib, sb) => {
  if (so === 1 && sa === 1 && sb === 1) for (let k = io, e = io + n, da = ia - io, db = ib - io; k < e; k++) o[k] = a[k + da] ** b[k + db];
  else for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) o[io] = a[ia] ** b[ib];
};

/** o = max(a, b), NaN if either is NaN */
export const maximum: Loop2 = (n, o, io, so, a, ia, sa, b, ib, sb) => {
  if (so === 1 && sa === 1 && sb === 1) for (let k = io, e = io + n, da = ia - io, db = ib - io; k < e; k++) o[k] = Math.max(a[k + da], b[k + db]);
  else for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) o[io] = Math.max(a[ia], b[ib]);
};

/** o = min(a, b), NaN if either is NaN */
export const minimum: Loop2 = (n, o, io, so, a, ia, sa, b, ib, sb) => {
  if (so === 1 && sa === 1 && sb === 1) for (let k = io, e = io + n, da = ia - io, db = ib - io; k < e; k++) o[k] = Math.min(a[k + da], b[k + db]);
  else for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) o[io] = Math.min(a[ia], b[ib]);
};

/** o = a > b ? 1 : 0 */
export const greater: Loop2 = (n, o, io, so, a, ia, sa, b, ib, sb) => {
  if (so === 1 && sa === 1 && sb === 1) for (let k = io, e = io + n, da = ia - io, db = ib - io; k < e; k++) o[k] = a[k + da] > b[k + db] ? 1 : 0;
  else for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) o[io] = a[ia] > b[ib] ? 1 : 0;
};

/** o = a >= b ? 1 : 0 */
export const greaterEqual: Loop2 = (n, o, io, so, a, ia, sa, b, ib, sb) => {
  if (so === 1 && sa === 1 && sb === 1) for (let k = io, e = io + n, da = ia - io, db = ib - io; k < e; k++) o[k] = a[k + da] >= b[k + db] ? 1 : 0;
  else for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) o[io] = a[ia] >= b[ib] ? 1 : 0;
};

/** o = a < b ? 1 : 0 */
export const less: Loop2 = (n, o, io, so, a, ia, sa, b, ib, sb) => {
  if (so === 1 && sa === 1 && sb === 1) for (let k = io, e = io + n, da = ia - io, db = ib - io; k < e; k++) o[k] = a[k + da] < b[k + db] ? 1 : 0;
  else for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) o[io] = a[ia] < b[ib] ? 1 : 0;
};

/** o = a <= b ? 1 : 0 */
export const lessEqual: Loop2 = (n, o, io, so, a, ia, sa, b, ib, sb) => {
  if (so === 1 && sa === 1 && sb === 1) for (let k = io, e = io + n, da = ia - io, db = ib - io; k < e; k++) o[k] = a[k + da] <= b[k + db] ? 1 : 0;
  else for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) o[io] = a[ia] <= b[ib] ? 1 : 0;
};

/** o = a === b ? 1 : 0 */
export const equal: Loop2 = (n, o, io, so, a, ia, sa, b, ib, sb) => {
  if (so === 1 && sa === 1 && sb === 1) for (let k = io, e = io + n, da = ia - io, db = ib - io; k < e; k++) o[k] = a[k + da] === b[k + db] ? 1 : 0;
  else for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) o[io] = a[ia] === b[ib] ? 1 : 0;
};

/** o = a !== b ? 1 : 0 */
export const notEqual: Loop2 = (n, o, io, so, a, ia, sa, b, ib, sb) => {
  if (so === 1 && sa === 1 && sb === 1) for (let k = io, e = io + n, da = ia - io, db = ib - io; k < e; k++) o[k] = a[k + da] !== b[k + db] ? 1 : 0;
  else for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) o[io] = a[ia] !== b[ib] ? 1 : 0;
};

/** o = a + c * b (axpy when o and a are the same array) */
export const addScaled: Loop2 = (n, o, io, so, a, ia, sa, b, ib, sb, c) => {
  if (so === 1 && sa === 1 && sb === 1) for (let k = io, e = io + n, da = ia - io, db = ib - io; k < e; k++) o[k] = a[k + da] + c * b[k + db];
  else for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) o[io] = a[ia] + c * b[ib];
};

/** o = a !== 0 ? b : e (NaN in `a` counts as nonzero, as in NumPy) */
export const where: Loop3 = (n, o, io, so, a, ia, sa, b, ib, sb, e, ie, se) => {
  if (so === 1 && sa === 1 && sb === 1 && se === 1) {
    for (let k = io, end = io + n, da = ia - io, db = ib - io, de = ie - io; k < end; k++) o[k] = a[k + da] !== 0 ? b[k + db] : e[k + de];
  } else {
    for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb, ie += se) o[io] = a[ia] !== 0 ? b[ib] : e[ie];
  }
};

/** o = a * b + e * f, the fused LSTM cell update `f * c + i * g` */
export const mulAddMul: Loop4 = (n, o, io, so, a, ia, sa, b, ib, sb, e, ie, se, f, jf, sf) => {
  if (so === 1 && sa === 1 && sb === 1 && se === 1 && sf === 1) {
    for (let k = io, end = io + n, da = ia - io, db = ib - io, de = ie - io, df = jf - io; k < end; k++) {
      o[k] = a[k + da] * b[k + db] + e[k + de] * f[k + df];
    }
  } else {
    for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb, ie += se, jf += sf) o[io] = a[ia] * b[ib] + e[ie] * f[jf];
  }
};
