import { type DType, OstlError, type TypedArray, zeros } from "@ostl/core";
import { eightStepBlockCoefficients, type singleTraceUpdate, traceKernels } from "./trace-kernel.js";
import { WasmEightStepTrace } from "./wasm/eight-step-kernel.js";
import { HeldSteps } from "./held-steps.js";

/**
 * The single trace ε (n x m) of one factored parameter and the gradient it feeds, with each step's
 * update held back until a block of eight steps is ready. A step only needs four vectors: the decay
 * D_t and input scale c_t per row, the readout weight w_t = L_t ⊙ q_t per row and the input u_t;
 * the trace itself is read by nothing else, so the update
 *   ε_t = D_t ⊙ ε_{t-1} + c_t ⊗ u_t,   g += w_t ⊙ ε_t
 * can run for several steps in one pass over ε and g (`singleTraceUpdate`), which is what the
 * kernel's time is spent on. A column that no input of the block reaches (a binary input such as a
 * piano roll leaves most of them so: about 32 of JSB's 44 column pairs per block of eight steps)
 * only decays, ε = α ε and g += γ ε, two multiplies per entry instead of eighteen, and a column
 * that no input has reached since the trace was zeroed is left out altogether (its entries are
 * zero). The held steps are applied before the gradient is read. Memory stays
 * constant in T: n·m trace floats plus 8·(3n + m) held floats. A partial block (the gradient is
 * read mid-block) is padded with steps that change nothing (D = 1, c = 0, w = 0) and applied in
 * the same closed form. Every buffer is of the trace's dtype (float64 by default, or float32),
 * updated by that dtype's kernel (see traceKernels). A float64 trace in blocks lives in WebAssembly
 * memory and takes the SIMD kernel of {@link WasmEightStepTrace} where WebAssembly SIMD is
 * available, with the same results bit for bit.
 *
 * Blocks are used only when the held floats are at most half the trace, so that they never
 * dominate the memory OSTL holds; smaller layers apply each step at once.
 *
 * @example
 * ```ts
 * import { DeferredTrace } from "@ostl/ostl";
 * const trace = new DeferredTrace(1, 2);
 * trace.push([0.5], [3], [1], [1, 1]); // ε = 0.5·0 + 3·[1, 1] = [3, 3]; g += 1·ε
 * trace.push([1], [0], [2], [0, 0]); // ε unchanged; g += 2·ε
 * console.log([...trace.gradient()], [...trace.values()]); // [9, 9] [3, 3]
 * console.log(trace.floats()); // 2
 * const big = new DeferredTrace(256, 256);
 * console.log(big.blockSteps, big.floats()); // 8 73728
 * console.log(new DeferredTrace(1, 2, "float32").values()); // Float32Array(2) [0, 0]
 * ```
 */
export class DeferredTrace extends HeldSteps {
  private readonly trace: TypedArray;
  private readonly sum: TypedArray;
  private readonly decay: TypedArray;
  private readonly scale: TypedArray;
  private readonly weight: TypedArray;
  private readonly input: TypedArray;
  private readonly update: typeof singleTraceUpdate;
  /** The float64 trace's WebAssembly buffers and kernel, when it runs in blocks there. */
  private readonly wasm: WasmEightStepTrace | null;

  constructor(
    readonly rows: number,
    readonly columns: number,
    readonly dtype: DType = "float64",
  ) {
    // blocks only when their buffers take at most half the trace
    super(3 * rows + columns, (rows * columns) / 2);
    this.wasm = dtype === "float64" && this.blockSteps > 1 ? WasmEightStepTrace.create(rows, columns) : null;
    // the trace starts at zero: the kernel skips the column pairs no input has reached yet
    this.wasm?.zero();
    this.trace = this.wasm?.trace ?? zeros([rows * columns], dtype).data;
    this.sum = this.wasm?.sum ?? zeros([rows * columns], dtype).data;
    this.decay = zeros([this.blockSteps * rows], dtype).data;
    this.scale = zeros([this.blockSteps * rows], dtype).data;
    this.weight = zeros([this.blockSteps * rows], dtype).data;
    this.input = this.wasm?.input ?? zeros([this.blockSteps * columns], dtype).data;
    this.update = traceKernels.of(dtype).singleTraceUpdate;
  }

  /**
   * Records one step: decay D_t and input scale c_t (per row), readout weight w_t (per row), input u_t (per column).
   *
   * @throws {@link OstlError} when a vector's length is not the trace's rows (or columns for the input).
   */
  push(decay: ArrayLike<number>, scale: ArrayLike<number>, weight: ArrayLike<number>, input: ArrayLike<number>): void {
    if (decay.length !== this.rows || scale.length !== this.rows || weight.length !== this.rows || input.length !== this.columns) {
      throw new OstlError("DeferredTrace.push", `needs decay, scale and weight of ${this.rows} rows and an input of ${this.columns} columns, got ${decay.length}, ${scale.length}, ${weight.length} and ${input.length}`);
    }
    const at = this.held * this.rows;
    this.decay.set(decay, at);
    this.scale.set(scale, at);
    this.weight.set(weight, at);
    this.input.set(input, this.held * this.columns);
    this.stored();
  }

  /** Pads with D = 1, c = 0, w = 0. */
  protected pad(from: number): void {
    this.decay.fill(1, from * this.rows);
    this.scale.fill(0, from * this.rows);
    this.weight.fill(0, from * this.rows);
    this.input.fill(0, from * this.columns);
  }

  protected apply(steps: number): void {
    if (this.wasm !== null) {
      eightStepBlockCoefficients(this.rows, this.decay as Float64Array, this.scale as Float64Array, this.weight as Float64Array, this.wasm.coefficients);
      this.wasm.run();
    } else {
      this.update(this.rows, this.columns, steps, this.trace, this.decay, this.scale, this.weight, this.input, this.sum);
    }
  }

  /** The gradient accumulated so far, every step applied (a copy, row-major). */
  gradient(): TypedArray {
    this.flush();
    return this.sum.slice();
  }

  /** The trace ε after every step pushed (a copy, row-major). */
  values(): TypedArray {
    this.flush();
    return this.trace.slice();
  }

  /** Applies the held steps to the trace, then zeroes the gradient. */
  clearGradient(): void {
    this.flush();
    this.sum.fill(0);
  }

  /** Drops the held steps and zeroes the trace and the gradient, as when new. */
  reset(): void {
    this.held = 0;
    if (this.wasm !== null) this.wasm.zero();
    else {
      this.trace.fill(0);
      this.sum.fill(0);
    }
  }

  /** Floats held: the trace, and the block buffer when blocks are used. */
  floats(): number {
    return this.trace.length + (this.blockSteps > 1 ? this.decay.length + this.scale.length + this.weight.length + this.input.length : 0);
  }
}
