import type { TypedArray } from "@ostl/core";
import { TypedKernels } from "./typed-kernels.js";

/**
 * The fused OSTL update for one row-structured parameter W (n x m) whose immediate term factors as
 * an outer product, I^a[i, k] = c^a_i u_k (W enters the step once, as `W u`). In one pass over the
 * traces, from the old traces ε^b_{t-1}:
 *   g[i, k]   += L_i (Σ_b Dy^b_i ε^b[i, k] + cy_i u_k)          (gradient, e_t = dy_t/dW)
 *   ε^a[i, k]  = Σ_b D^{ab}_i ε^b[i, k] + c^a_i u_k              (traces, in place)
 * Layouts: D[(a c + b) n + i], Dy[b n + i], cs[a n + i]; traces row-major n x m.
 *
 * @example
 * ```ts
 * import { rowTraceUpdate } from "@ostl/ostl";
 * const n = 1, m = 2;
 * const eps = [new Float64Array([1, 2])];
 * const g = new Float64Array(2);
 * rowTraceUpdate(n, m, eps, new Float64Array([0.5]), new Float64Array([1]), new Float64Array([3]), new Float64Array([2]), new Float64Array([1, 1]), new Float64Array([1]), g);
 * // g = L (Dy ε + cy u) = [1 + 2, 2 + 2]; ε = D ε + c u = [0.5 + 3, 1 + 3]
 * console.log([...g], [...eps[0]!]); // [3, 4] [3.5, 4]
 * ```
 */
export function rowTraceUpdate(
  n: number,
  m: number,
  eps: readonly TypedArray[],
  D: TypedArray,
  Dy: TypedArray,
  cs: TypedArray,
  cy: TypedArray,
  u: TypedArray,
  L: TypedArray,
  g: TypedArray,
): void {
  const c = eps.length;
  if (c === 1) rowUpdate1(n, m, eps[0]!, D, Dy, cs, cy, u, L, g);
  else if (c === 2) rowUpdate2(n, m, eps[0]!, eps[1]!, D, Dy, cs, cy, u, L, g);
  else rowUpdateAny(n, m, eps, D, Dy, cs, cy, u, L, g);
}

function rowUpdate1(n: number, m: number, e0: TypedArray, D: TypedArray, Dy: TypedArray, cs: TypedArray, cy: TypedArray, u: TypedArray, L: TypedArray, g: TypedArray): void {
  for (let i = 0; i < n; i++) {
    const d = D[i]!;
    const y = Dy[i]!;
    const c0 = cs[i]!;
    const li = L[i]!;
    const ly = li * y;
    const lc = li * cy[i]!;
    const row = i * m;
    for (let k = 0; k < m; k++) {
      const o = e0[row + k]!;
      const uk = u[k]!;
      g[row + k]! += ly * o + lc * uk;
      e0[row + k] = d * o + c0 * uk;
    }
  }
}

function rowUpdate2(n: number, m: number, e0: TypedArray, e1: TypedArray, D: TypedArray, Dy: TypedArray, cs: TypedArray, cy: TypedArray, u: TypedArray, L: TypedArray, g: TypedArray): void {
  for (let i = 0; i < n; i++) {
    const d00 = D[i]!;
    const d01 = D[n + i]!;
    const d10 = D[2 * n + i]!;
    const d11 = D[3 * n + i]!;
    const li = L[i]!;
    const l0 = li * Dy[i]!;
    const l1 = li * Dy[n + i]!;
    const lc = li * cy[i]!;
    const c0 = cs[i]!;
    const c1 = cs[n + i]!;
    const row = i * m;
    for (let k = 0; k < m; k++) {
      const o0 = e0[row + k]!;
      const o1 = e1[row + k]!;
      const uk = u[k]!;
      g[row + k]! += l0 * o0 + l1 * o1 + lc * uk;
      e0[row + k] = d00 * o0 + d01 * o1 + c0 * uk;
      e1[row + k] = d10 * o0 + d11 * o1 + c1 * uk;
    }
  }
}

/**
 * The fused OSTL update of two traces when y is one of the two state fields (an LSTM's h): then
 * e_t = ε^a_t, the new trace of that field, so the gradient takes L ⊙ ε^a_t from the value just
 * computed instead of its own combination of the old traces (a fifth fewer operations than
 * `rowTraceUpdate`, the same numbers):
 *   ε^b[i, k] = Σ_q D^{bq}_i ε^q[i, k] + c^b_i u_k,   g[i, k] += L_i ε^a[i, k]
 * Layouts as in `rowTraceUpdate`; `alias` is a (0 or 1).
 *
 * @example
 * ```ts
 * import { rowTraceUpdateAliased } from "@ostl/ostl";
 * const eps = [new Float64Array([1]), new Float64Array([2])];
 * const g = new Float64Array(1);
 * // D = [[0.5, 0], [0, 1]], c = [3, 0], u = [1], L = [2]; y is field 0
 * rowTraceUpdateAliased(1, 1, eps, new Float64Array([0.5, 0, 0, 1]), new Float64Array([3, 0]), new Float64Array([1]), new Float64Array([2]), g, 0);
 * console.log([...eps[0]!], [...eps[1]!], [...g]); // [3.5] [2] [7]
 * ```
 */
export function rowTraceUpdateAliased(n: number, m: number, eps: readonly TypedArray[], D: TypedArray, cs: TypedArray, u: TypedArray, L: TypedArray, g: TypedArray, alias: number): void {
  const [a, b] = alias === 0 ? [0, 1] : [1, 0];
  const ea = eps[a]!;
  const eb = eps[b]!;
  for (let i = 0; i < n; i++) {
    const daa = D[(a * 2 + a) * n + i]!;
    const dab = D[(a * 2 + b) * n + i]!;
    const dba = D[(b * 2 + a) * n + i]!;
    const dbb = D[(b * 2 + b) * n + i]!;
    const ca = cs[a * n + i]!;
    const cb = cs[b * n + i]!;
    const li = L[i]!;
    const row = i * m;
    for (let k = 0; k < m; k++) {
      const oa = ea[row + k]!;
      const ob = eb[row + k]!;
      const uk = u[k]!;
      const na = daa * oa + dab * ob + ca * uk;
      g[row + k]! += li * na;
      ea[row + k] = na;
      eb[row + k] = dba * oa + dbb * ob + cb * uk;
    }
  }
}

function rowUpdateAny(n: number, m: number, eps: readonly TypedArray[], D: TypedArray, Dy: TypedArray, cs: TypedArray, cy: TypedArray, u: TypedArray, L: TypedArray, g: TypedArray): void {
  const c = eps.length;
  const old = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const li = L[i]!;
    const row = i * m;
    for (let k = 0; k < m; k++) {
      const uk = u[k]!;
      let e = cy[i]! * uk;
      for (let b = 0; b < c; b++) {
        old[b] = eps[b]![row + k]!;
        e += Dy[b * n + i]! * old[b]!;
      }
      g[row + k]! += li * e;
      for (let a = 0; a < c; a++) {
        let v = cs[a * n + i]! * uk;
        for (let b = 0; b < c; b++) v += D[(a * c + b) * n + i]! * old[b]!;
        eps[a]![row + k] = v;
      }
    }
  }
}

/**
 * The fused OSTL update when one trace suffices (the other state fields and y are elementwise
 * functions of one field's new value, see `findSinglePrimary`), applied for `steps` consecutive
 * steps t:
 *   ε[i, k]  = D_t[i] ε[i, k] + c_t[i] u_t[k]      (the primary field's trace, in place)
 *   g[i, k] += w_t[i] ε[i, k]                      (w_t = L_t ⊙ q_t, since e_t = q_t ⊙ ε_t)
 * Step t's vectors start at t·n in `D`, `c`, `w` and at t·m in `u`.
 *
 * Eight steps at a time take one pass over the trace and the gradient, in closed form: per row,
 *   ε_8 = α ε_0 + Σ_t β_t u_t,   Δg = γ ε_0 + Σ_t δ_t u_t,
 * with P_t = Π_{s>t} D_s, R_t = w_t + D_{t+1} R_{t+1} (R_7 = w_7), α = Π_t D_t, β_t = c_t P_t,
 * γ = D_0 R_0, δ_t = c_t R_t: independent products and sums instead of a chain through ε, and a
 * sixteenth of the memory traffic. On a 256 x 256 trace a step then costs about a third of a
 * pass of its own. Other steps run one pass each.
 *
 * @example
 * ```ts
 * import { singleTraceUpdate } from "@ostl/ostl";
 * const eps = new Float64Array([1, 2]);
 * const g = new Float64Array(2);
 * // one row (n = 1), m = 2, two steps: D = 0.5 then 1, c = 3 then 0, w = 1 then 2, u = [1, 1] then [0, 0]
 * singleTraceUpdate(1, 2, 2, eps, new Float64Array([0.5, 1]), new Float64Array([3, 0]), new Float64Array([1, 2]), new Float64Array([1, 1, 0, 0]), g);
 * // after step 1: ε = [3.5, 4], g = [3.5, 4]; after step 2: ε unchanged, g += 2 ε
 * console.log([...eps], [...g]); // [3.5, 4] [10.5, 12]
 * ```
 */
export function singleTraceUpdate(n: number, m: number, steps: number, eps: TypedArray, D: TypedArray, c: TypedArray, w: TypedArray, u: TypedArray, g: TypedArray): void {
  let t = 0;
  if (steps >= 8) {
    const coefficients = new Float64Array(18);
    const quiet = new Uint8Array(m);
    for (; t + 8 <= steps; t += 8) {
      quietColumns(m, t, u, quiet);
      singleEightSteps(n, m, t, eps, D, c, w, u, g, coefficients, quiet);
    }
  }
  for (; t < steps; t++) singleOneStep(n, m, t, eps, D, c, w, u, g);
}

/**
 * Marks (1) the columns of the block of eight steps from `t` that no input reaches, by pairs
 * (2j, 2j + 1) as the WebAssembly kernel takes them: a pair is quiet when its sixteen inputs are all
 * zero. The last column of an odd m is never marked.
 */
function quietColumns(m: number, t: number, u: TypedArray, quiet: Uint8Array): void {
  for (let k = 0; k + 1 < m; k += 2) {
    let reached = false;
    for (let s = 0, x = t * m + k; s < 8 && !reached; s++, x += m) reached = u[x] !== 0 || u[x + 1] !== 0;
    quiet[k] = quiet[k + 1] = reached ? 0 : 1;
  }
  if (m % 2 === 1) quiet[m - 1] = 0;
}

function singleOneStep(n: number, m: number, t: number, eps: TypedArray, D: TypedArray, c: TypedArray, w: TypedArray, u: TypedArray, g: TypedArray): void {
  const at = t * n;
  const ut = t * m;
  for (let i = 0; i < n; i++) {
    const d = D[at + i]!;
    const ci = c[at + i]!;
    const wi = w[at + i]!;
    let p = i * m;
    for (let k = 0; k < m; k++, p++) {
      const v = d * eps[p]! + ci * u[ut + k]!;
      eps[p] = v;
      g[p]! += wi * v;
    }
  }
}

/**
 * The closed form's coefficients of row i for the block of eight steps whose vectors start at
 * `at` in D, c and w (n per step), written to co[o..o+17]: α, γ, then β_0..β_7, then δ_0..δ_7.
 */
function eightStepCoefficients(n: number, at: number, i: number, D: TypedArray, c: TypedArray, w: TypedArray, co: TypedArray, o: number): void {
  let R = 0;
  let P = 1;
  for (let s = 7; s >= 0; s--) {
    const r = at + s * n + i;
    R = w[r]! + (s < 7 ? D[r + n]! * R : 0);
    co[o + 2 + s] = c[r]! * P;
    co[o + 10 + s] = c[r]! * R;
    P *= D[r]!;
  }
  co[o] = P;
  co[o + 1] = D[at + i]! * R;
}

/**
 * One block of eight steps; `co` holds one row's coefficients (see eightStepCoefficients). A quiet
 * column (see quietColumns) takes ε = α ε and g += γ ε_old only: the terms left out are ±0, so the
 * values are the whole sum's, up to the sign of a zero trace entry.
 */
function singleEightSteps(n: number, m: number, t: number, eps: TypedArray, D: TypedArray, c: TypedArray, w: TypedArray, u: TypedArray, g: TypedArray, co: Float64Array, quiet: Uint8Array): void {
  const at = t * n;
  const u0 = t * m;
  for (let i = 0; i < n; i++) {
    eightStepCoefficients(n, at, i, D, c, w, co, 0);
    const alpha = co[0]!, gamma = co[1]!;
    const b0 = co[2]!, b1 = co[3]!, b2 = co[4]!, b3 = co[5]!, b4 = co[6]!, b5 = co[7]!, b6 = co[8]!, b7 = co[9]!;
    const d0 = co[10]!, d1 = co[11]!, d2 = co[12]!, d3 = co[13]!, d4 = co[14]!, d5 = co[15]!, d6 = co[16]!, d7 = co[17]!;
    let p = i * m;
    for (let k = u0, end = u0 + m; k < end; k++, p++) {
      const v = eps[p]!;
      if (quiet[k - u0] === 1) {
        eps[p] = alpha * v;
        g[p]! += gamma * v;
        continue;
      }
      const x0 = u[k]!, x1 = u[k + m]!, x2 = u[k + 2 * m]!, x3 = u[k + 3 * m]!;
      const x4 = u[k + 4 * m]!, x5 = u[k + 5 * m]!, x6 = u[k + 6 * m]!, x7 = u[k + 7 * m]!;
      eps[p] = alpha * v + b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3 + b4 * x4 + b5 * x5 + b6 * x6 + b7 * x7;
      g[p]! += gamma * v + d0 * x0 + d1 * x1 + d2 * x2 + d3 * x3 + d4 * x4 + d5 * x5 + d6 * x6 + d7 * x7;
    }
  }
}

/**
 * Outer products added to g (n x m), for `steps` consecutive steps t: g[i, k] += w_t[i] u_t[k],
 * step t's vectors at t·n in `w` and t·m in `u` (OSTL's readout gradient Σ_t ḡ_t y_tᵀ). Eight steps
 * at a time take one pass over g, their eight products summed first in step order (the order of
 * the WebAssembly kernel of {@link DeferredOuterSum}); other steps one pass each.
 *
 * @example
 * ```ts
 * import { outerSumUpdate } from "@ostl/ostl";
 * const g = new Float64Array(4);
 * // two steps of a 2 x 2 sum: [1, 2] ⊗ [1, 0], then [0, 1] ⊗ [3, 3]
 * outerSumUpdate(2, 2, 2, new Float64Array([1, 2, 0, 1]), new Float64Array([1, 0, 3, 3]), g);
 * console.log([...g]); // [1, 0, 5, 3]
 * ```
 */
export function outerSumUpdate(n: number, m: number, steps: number, w: TypedArray, u: TypedArray, g: TypedArray): void {
  let t = 0;
  for (; t + 8 <= steps; t += 8) outerEightSteps(n, m, t, w, u, g);
  for (; t < steps; t++) {
    for (let i = 0; i < n; i++) {
      const wi = w[t * n + i]!;
      for (let k = 0, p = i * m, x = t * m; k < m; k++, p++, x++) g[p]! += wi * u[x]!;
    }
  }
}

function outerEightSteps(n: number, m: number, t: number, w: TypedArray, u: TypedArray, g: TypedArray): void {
  const at = t * n;
  const u0 = t * m;
  for (let i = 0; i < n; i++) {
    const w0 = w[at + i]!, w1 = w[at + n + i]!, w2 = w[at + 2 * n + i]!, w3 = w[at + 3 * n + i]!;
    const w4 = w[at + 4 * n + i]!, w5 = w[at + 5 * n + i]!, w6 = w[at + 6 * n + i]!, w7 = w[at + 7 * n + i]!;
    let p = i * m;
    for (let k = u0, end = u0 + m; k < end; k++, p++) {
      g[p]! += w0 * u[k]! + w1 * u[k + m]! + w2 * u[k + 2 * m]! + w3 * u[k + 3 * m]! + w4 * u[k + 4 * m]! + w5 * u[k + 5 * m]! + w6 * u[k + 6 * m]! + w7 * u[k + 7 * m]!;
    }
  }
}

/**
 * The OSTL update of a parameter whose immediate terms are materialized, in place, for traces
 * laid out `[outer, n, inner]` with the unit axis in the middle (a diag-structured parameter:
 * `[1, n, 1]`; row-structured n x m: `[1, n, m]`; any other, P entries: `[P, n, 1]`). With
 * r = (o, i, k) and the old traces ε^b:
 *   e[r]    = Σ_b Dy^b_i ε^b[r] + I^y[r]                (e_t = dy_t/dθ)
 *   g      += L_i e[r], at r, or at o when `sumUnits`   (L_t · e_t; a [P, n] trace sums over units)
 *   ε^a[r]  = Σ_b D^{ab}_i ε^b[r] + I^a[r]
 * Layouts: D[(a c + b) n + i], Dy[b n + i]; I[a] and Iy in the traces' layout.
 *
 * @example
 * ```ts
 * import { materializedTraceUpdate } from "@ostl/ostl";
 * // a diag-structured parameter of 2 units, one state field: D = [0.5, 1], Dy = [1, 1]
 * const eps = [new Float64Array([2, 4])];
 * const g = new Float64Array(2);
 * materializedTraceUpdate(1, 2, 1, eps, new Float64Array([0.5, 1]), new Float64Array([1, 1]), [new Float64Array([1, 1])], new Float64Array([0, 1]), new Float64Array([1, 2]), g, false);
 * // e = ε + I^y = [2, 5], g = L e = [2, 10]; ε = D ε + I = [2, 5]
 * console.log([...g], [...eps[0]!]); // [2, 10] [2, 5]
 * ```
 */
export function materializedTraceUpdate(
  outer: number,
  n: number,
  inner: number,
  eps: readonly TypedArray[],
  D: TypedArray,
  Dy: TypedArray,
  I: readonly ArrayLike<number>[],
  Iy: ArrayLike<number>,
  L: ArrayLike<number>,
  g: TypedArray,
  sumUnits: boolean,
): void {
  const c = eps.length;
  if (c === 2) {
    materializedTwoFields(outer, n, inner, eps[0]!, eps[1]!, D, Dy, I[0]!, I[1]!, Iy, L, g, sumUnits);
    return;
  }
  const old = new Float64Array(c);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const li = L[i]!;
      for (let k = 0, r = (o * n + i) * inner; k < inner; k++, r++) {
        let e = Iy[r]!;
        for (let b = 0; b < c; b++) {
          old[b] = eps[b]![r]!;
          e += Dy[b * n + i]! * old[b]!;
        }
        g[sumUnits ? o : r]! += li * e;
        for (let a = 0; a < c; a++) {
          let v = I[a]![r]!;
          for (let b = 0; b < c; b++) v += D[(a * c + b) * n + i]! * old[b]!;
          eps[a]![r] = v;
        }
      }
    }
  }
}

/** `materializedTraceUpdate` for two state fields (SNUs: s and y), with the field loops unrolled. */
function materializedTwoFields(
  outer: number,
  n: number,
  inner: number,
  e0: TypedArray,
  e1: TypedArray,
  D: TypedArray,
  Dy: TypedArray,
  I0: ArrayLike<number>,
  I1: ArrayLike<number>,
  Iy: ArrayLike<number>,
  L: ArrayLike<number>,
  g: TypedArray,
  sumUnits: boolean,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const li = L[i]!;
      const y0 = Dy[i]!, y1 = Dy[n + i]!;
      const d00 = D[i]!, d01 = D[n + i]!, d10 = D[2 * n + i]!, d11 = D[3 * n + i]!;
      for (let k = 0, r = (o * n + i) * inner; k < inner; k++, r++) {
        const o0 = e0[r]!;
        const o1 = e1[r]!;
        g[sumUnits ? o : r]! += li * (Iy[r]! + y0 * o0 + y1 * o1);
        e0[r] = I0[r]! + d00 * o0 + d01 * o1;
        e1[r] = I1[r]! + d10 * o0 + d11 * o1;
      }
    }
  }
}

/**
 * The trace kernels for one element type: `traceKernels.of(dtype)` gives `rowTraceUpdate`,
 * `rowTraceUpdateAliased`, `singleTraceUpdate`, `outerSumUpdate` and `materializedTraceUpdate` for traces and vectors that are all
 * Float64Array (`"float64"`) or all Float32Array (`"float32"`), each copy fed one array type only
 * (see {@link TypedKernels}). Sums are formed in double precision either way; float32 traces
 * round what they store.
 *
 * @example
 * ```ts
 * import { traceKernels } from "@ostl/ostl";
 * const { singleTraceUpdate } = traceKernels.of("float32");
 * const eps = new Float32Array([1, 2]);
 * const g = new Float32Array(2);
 * // one row, one step: ε = 0.5 ε + 0.1 u, g += 1 · ε
 * singleTraceUpdate(1, 2, 1, eps, new Float32Array([0.5]), new Float32Array([0.1]), new Float32Array([1]), new Float32Array([1, 1]), g);
 * console.log([...eps].map((v) => v.toFixed(6)), g[1] === eps[1]); // ["0.600000", "1.100000"] true
 * ```
 */
export const traceKernels = new TypedKernels({ rowTraceUpdate, rowTraceUpdateAliased, singleTraceUpdate, outerSumUpdate, materializedTraceUpdate }, [
  rowUpdate1,
  rowUpdate2,
  rowUpdateAny,
  singleOneStep,
  eightStepCoefficients,
  singleEightSteps,
  quietColumns,
  outerEightSteps,
  materializedTwoFields,
]);

/**
 * Every row's coefficients of the closed form of `singleTraceUpdate` for one block of eight steps
 * (vectors from index 0 of D, c and w), 18 per row in `co`: α, γ, β_0..β_7, δ_0..δ_7. The WebAssembly
 * kernel of {@link DeferredTrace} reads them.
 *
 * @example
 * ```ts
 * import { eightStepBlockCoefficients } from "@ostl/ostl";
 * // one row, D = 1 and c = 1 at every step, w = 1 at the last step only
 * const ones = new Float64Array(8).fill(1);
 * const co = new Float64Array(18);
 * eightStepBlockCoefficients(1, ones, ones, new Float64Array([0, 0, 0, 0, 0, 0, 0, 1]), co);
 * console.log(co[0], co[1], co[2], co[10]); // 1 1 1 1
 * ```
 */
export function eightStepBlockCoefficients(n: number, D: Float64Array, c: Float64Array, w: Float64Array, co: Float64Array): void {
  for (let i = 0; i < n; i++) eightStepCoefficients(n, 0, i, D, c, w, co, 18 * i);
}
