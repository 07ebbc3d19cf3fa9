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
  eps: readonly Float64Array[],
  D: Float64Array,
  Dy: Float64Array,
  cs: Float64Array,
  cy: Float64Array,
  u: Float64Array,
  L: Float64Array,
  g: Float64Array,
): void {
  const c = eps.length;
  if (c === 1) rowUpdate1(n, m, eps[0]!, D, Dy, cs, cy, u, L, g);
  else if (c === 2) rowUpdate2(n, m, eps[0]!, eps[1]!, D, Dy, cs, cy, u, L, g);
  else rowUpdateAny(n, m, eps, D, Dy, cs, cy, u, L, g);
}

function rowUpdate1(n: number, m: number, e0: Float64Array, D: Float64Array, Dy: Float64Array, cs: Float64Array, cy: Float64Array, u: Float64Array, L: Float64Array, g: Float64Array): void {
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

function rowUpdate2(n: number, m: number, e0: Float64Array, e1: Float64Array, D: Float64Array, Dy: Float64Array, cs: Float64Array, cy: Float64Array, u: Float64Array, L: Float64Array, g: Float64Array): void {
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

function rowUpdateAny(n: number, m: number, eps: readonly Float64Array[], D: Float64Array, Dy: Float64Array, cs: Float64Array, cy: Float64Array, u: Float64Array, L: Float64Array, g: Float64Array): void {
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
 * functions of one field's new value, see `findSinglePrimary`). In one pass:
 *   ε[i, k]  = D_i ε[i, k] + c_i u_k          (the primary field's trace, in place)
 *   g[i, k] += L_i q_i ε[i, k]                (e_t = q ⊙ ε_t with q = ∂y_t/∂p_t)
 *
 * @example
 * ```ts
 * import { singleTraceUpdate } from "@ostl/ostl";
 * const eps = new Float64Array([1, 2]);
 * const g = new Float64Array(2);
 * singleTraceUpdate(1, 2, eps, new Float64Array([0.5]), new Float64Array([3]), new Float64Array([2]), new Float64Array([1, 1]), new Float64Array([1]), g);
 * console.log([...eps], [...g]); // [3.5, 4] [7, 8]
 * ```
 */
export function singleTraceUpdate(n: number, m: number, eps: Float64Array, D: Float64Array, cs: Float64Array, q: Float64Array, u: Float64Array, L: Float64Array, g: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const d = D[i]!;
    const ci = cs[i]!;
    const lq = L[i]! * q[i]!;
    const row = i * m;
    for (let k = 0; k < m; k++) {
      const v = d * eps[row + k]! + ci * u[k]!;
      eps[row + k] = v;
      g[row + k]! += lq * v;
    }
  }
}
