import { type DType, OstlError, type TypedArray, zeros } from "@ostl/core";
import { traceKernels } from "./trace-kernel.js";
import { HeldSteps } from "./held-steps.js";
import { WasmPairTrace, wasmSimdAvailable } from "./wasm/eight-step-kernel.js";

/**
 * Every row's coefficients of the closed form of eight steps of two coupled traces, 30 per row in
 * `co`: α (2 x 2, row-major), γ (2), then β_{t,0}, β_{t,1} per step, then δ_t per step. Step t
 * (t = 0..7) of row i holds D_t (2 x 2) at `D[t·4n + (a·2 + b)·n + i]`, c_t at `cs[t·2n + a·n + i]`
 * and L_t at `L[t·n + i]`; field `alias` is the one whose new trace is e_t (g += L_t ε^{alias}_t).
 * With P(s, t) = D_s ⋯ D_{t+1} (the identity for s = t):
 *   α = D_7 ⋯ D_0,   β_t = P(7, t) c_t,
 *   R_t = L_t e_alias + R_{t+1} D_{t+1} (a row vector, R_7 = L_7 e_alias),   δ_t = R_t · c_t,   γ = R_0 D_0,
 * so that over the block ε_8 = α ε_0 + Σ_t β_t u_t and Δg = γ · ε_0 + Σ_t δ_t u_t.
 *
 * @example
 * ```ts
 * import { pairBlockCoefficients } from "@ostl/ostl";
 * // one row; every step D = I, c = (1, 0), L = 1 on field 0
 * const D = new Float64Array(32), cs = new Float64Array(16), L = new Float64Array(8).fill(1);
 * for (let t = 0; t < 8; t++) [D[4 * t], D[4 * t + 3], cs[2 * t]] = [1, 1, 1];
 * const co = new Float64Array(30);
 * pairBlockCoefficients(1, 0, D, cs, L, co);
 * // α = I, γ = (8, 0): the old trace counts at every step; δ_t = 8 - t: u_t counts from step t on
 * console.log([...co.subarray(0, 6)], [...co.subarray(22)]); // [1, 0, 0, 1, 8, 0] [8, 7, 6, 5, 4, 3, 2, 1]
 * ```
 */
export function pairBlockCoefficients(n: number, alias: number, D: Float64Array, cs: Float64Array, L: Float64Array, co: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const o = 30 * i;
    // Q = P(7, t) (2 x 2) and R_t, from the last step back
    // scalar temporaries, no array destructuring: this loop runs for every unit of every block
    let q00 = 1;
    let q01 = 0;
    let q10 = 0;
    let q11 = 1;
    let r0 = 0;
    let r1 = 0;
    for (let t = 7; t >= 0; t--) {
      const d = t * 4 * n + i;
      const d00 = D[d]!;
      const d01 = D[d + n]!;
      const d10 = D[d + 2 * n]!;
      const d11 = D[d + 3 * n]!;
      const c0 = cs[t * 2 * n + i]!;
      const c1 = cs[t * 2 * n + n + i]!;
      const l = L[t * n + i]!;
      co[o + 6 + 2 * t] = q00 * c0 + q01 * c1;
      co[o + 6 + 2 * t + 1] = q10 * c0 + q11 * c1;
      r0 += alias === 0 ? l : 0;
      r1 += alias === 1 ? l : 0;
      co[o + 22 + t] = r0 * c0 + r1 * c1;
      // Q ← Q D_t, R ← R D_t (for the step before)
      const p00 = q00 * d00 + q01 * d10;
      const p01 = q00 * d01 + q01 * d11;
      const p10 = q10 * d00 + q11 * d10;
      const p11 = q10 * d01 + q11 * d11;
      const s0 = r0 * d00 + r1 * d10;
      const s1 = r0 * d01 + r1 * d11;
      q00 = p00;
      q01 = p01;
      q10 = p10;
      q11 = p11;
      r0 = s0;
      r1 = s1;
    }
    co[o] = q00;
    co[o + 1] = q01;
    co[o + 2] = q10;
    co[o + 3] = q11;
    co[o + 4] = r0;
    co[o + 5] = r1;
  }
}

/**
 * The block coefficients of pair traces whose steps bring the same D, c and L (factors with the
 * same derivatives, see `sameDerivativeFactors`): the first trace to apply a block computes them,
 * the others copy them.
 *
 * @example
 * ```ts
 * import { DeferredPairTrace, SharedBlockCoefficients } from "@ostl/ostl";
 * const shared = new SharedBlockCoefficients();
 * const [a, b] = [new DeferredPairTrace(150, 88, 1, "float64", shared), new DeferredPairTrace(150, 150, 1, "float64", shared)];
 * console.log(a.blockSteps, b.blockSteps); // 8 8
 * ```
 */
export class SharedBlockCoefficients {
  /** The coefficients of the block last computed, and which block that was (-1: none). */
  values: Float64Array | null = null;
  block = -1;
}

/**
 * The two traces ε^0, ε^1 (n x m each) of a factored parameter of a layer with two state fields
 * coupled per unit (an LSTM's c and h under the diagonal approximation), and the gradient they
 * feed, when y is field `alias`'s new value:
 *   ε^f_t = Σ_b D^{fb}_t ⊙ ε^b_{t-1} + c^f_t ⊗ u_t,   g += L_t ⊙ ε^{alias}_t
 * (`rowTraceUpdateAliased`). With WebAssembly SIMD, a float64 pair holds eight steps back and
 * applies them in one pass over the traces and the gradient (`pairBlockCoefficients`, the kernel
 * of {@link WasmPairTrace}): a step then moves a sixteenth of the memory, and a column that no
 * input has reached since the traces were zeroed is skipped (its entries are zero). Elsewhere each step is
 * applied at once. Results agree with the step-by-step kernel to rounding (tested).
 *
 * @example
 * ```ts
 * import { DeferredPairTrace } from "@ostl/ostl";
 * const pair = new DeferredPairTrace(1, 1, 0);
 * // D = [[0.5, 0], [0, 1]], c = (3, 0), u = [1], L = 2: ε^0 = 3, g = 2·3
 * pair.push(new Float64Array([0.5, 0, 0, 1]), new Float64Array([3, 0]), new Float64Array([2]), new Float64Array([1]));
 * console.log([...pair.gradient()], pair.blockSteps); // [6] 1
 * console.log(new DeferredPairTrace(150, 88, 1).blockSteps); // 8
 * ```
 */
export class DeferredPairTrace extends HeldSteps {
  private readonly traces: [TypedArray, TypedArray];
  private readonly sum: TypedArray;
  private readonly decay: TypedArray;
  private readonly scale: TypedArray;
  private readonly signal: TypedArray;
  private readonly input: TypedArray;
  private readonly wasm: WasmPairTrace | null;

  /** Blocks applied since the last reset (the index of the next one). */
  private blocks = 0;

  constructor(
    readonly rows: number,
    readonly columns: number,
    readonly alias: number,
    readonly dtype: DType = "float64",
    /** Shared with the traces of factors that have this one's D, c and L at every step (pushed in step with it). */
    private readonly shared: SharedBlockCoefficients | null = null,
  ) {
    // blocks (float64, WebAssembly SIMD) only when their buffers take at most half the traces
    super(7 * rows + columns, dtype === "float64" && wasmSimdAvailable() ? rows * columns : 0);
    this.wasm = this.blockSteps > 1 ? WasmPairTrace.create(rows, columns) : null;
    // the traces start at zero: the kernel skips the column pairs no input has reached yet
    this.wasm?.zero();
    const size = rows * columns;
    this.traces = this.wasm === null ? [zeros([size], dtype).data, zeros([size], dtype).data] : [this.wasm.trace0, this.wasm.trace1];
    this.sum = this.wasm?.sum ?? zeros([size], dtype).data;
    this.decay = zeros([this.blockSteps * 4 * rows], dtype).data;
    this.scale = zeros([this.blockSteps * 2 * rows], dtype).data;
    this.signal = zeros([this.blockSteps * rows], dtype).data;
    this.input = this.wasm?.input ?? zeros([this.blockSteps * columns], dtype).data;
  }

  /**
   * Records one step: D_t (2 x 2 per row, `D[(a·2 + b)·n + i]`), c_t (`cs[a·n + i]`), the learning
   * signal L_t (per row) and the input u_t (per column).
   *
   * @throws {@link OstlError} when a vector's length does not match.
   */
  push(D: ArrayLike<number>, cs: ArrayLike<number>, L: ArrayLike<number>, u: ArrayLike<number>): void {
    const n = this.rows;
    if (D.length !== 4 * n || cs.length !== 2 * n || L.length !== n || u.length !== this.columns) {
      throw new OstlError("DeferredPairTrace.push", `needs D of ${4 * n}, c of ${2 * n}, L of ${n} and u of ${this.columns} entries, got ${D.length}, ${cs.length}, ${L.length} and ${u.length}`);
    }
    this.decay.set(D, this.held * 4 * n);
    this.scale.set(cs, this.held * 2 * n);
    this.signal.set(L, this.held * n);
    this.input.set(u, this.held * this.columns);
    this.stored();
  }

  /** Pads with D = I, c = 0, L = 0, u = 0. */
  protected pad(from: number): void {
    const n = this.rows;
    for (let t = from; t < this.blockSteps; t++) {
      const d = this.decay.subarray(t * 4 * n, (t + 1) * 4 * n);
      d.fill(0);
      d.fill(1, 0, n);
      d.fill(1, 3 * n, 4 * n);
    }
    this.scale.fill(0, from * 2 * n);
    this.signal.fill(0, from * n);
    this.input.fill(0, from * this.columns);
  }

  protected apply(): void {
    if (this.wasm !== null) {
      const own = this.wasm.coefficients;
      const shared = this.shared;
      // the first of a group to reach this block computes its coefficients, the others copy them
      if (shared !== null && shared.block === this.blocks && shared.values !== null) own.set(shared.values);
      else {
        pairBlockCoefficients(this.rows, this.alias, this.decay as Float64Array, this.scale as Float64Array, this.signal as Float64Array, own);
        if (shared !== null) {
          shared.values = shared.values?.length === own.length ? shared.values : new Float64Array(own.length);
          shared.values.set(own);
          shared.block = this.blocks;
        }
      }
      this.blocks++;
      this.wasm.run();
    } else {
      traceKernels.of(this.dtype).rowTraceUpdateAliased(this.rows, this.columns, this.traces, this.decay, this.scale, this.input, this.signal, this.sum, this.alias);
    }
  }

  /** The gradient accumulated so far, every step applied (a copy, row-major). */
  gradient(): TypedArray {
    this.flush();
    return this.sum.slice();
  }

  /** Applies the held steps, then zeroes the gradient. */
  clearGradient(): void {
    this.flush();
    this.sum.fill(0);
  }

  /** Drops the held steps and zeroes the traces and the gradient, as when new. */
  reset(): void {
    this.held = 0;
    this.blocks = 0;
    if (this.shared !== null) this.shared.block = -1;
    if (this.wasm !== null) this.wasm.zero();
    else {
      this.traces.forEach((t) => t.fill(0));
      this.sum.fill(0);
    }
  }

  /** Floats held: the two traces, and the block buffers when blocks are used. */
  floats(): number {
    const held = this.blockSteps > 1 ? this.decay.length + this.scale.length + this.signal.length + this.input.length : 0;
    return 2 * this.rows * this.columns + held;
  }
}
