import { type DType, OstlError, type TypedArray, zeros } from "@ostl/core";
import { type outerSumUpdate, traceKernels } from "./trace-kernel.js";
import { WasmOuterSum } from "./wasm/eight-step-kernel.js";
import { HeldSteps } from "./held-steps.js";

/**
 * A sum of outer products G = Σ_t w_t u_tᵀ (n x m), with each step held back until a block of eight
 * is ready and then added in one pass over G (`outerSumUpdate`): OSTL's readout gradient
 * Σ_t ḡ_t y_tᵀ, which would otherwise cost a write and an add over the whole n x m matrix per step.
 * A partial block (the sum is read mid-block) is padded with zero weights. Blocks are used only when
 * the held floats are at most the sum's own (a readout of 10 outputs over 256 units holds 2,128
 * floats beside its 2,560); smaller sums add each step at once. A float64 sum in
 * blocks lives in WebAssembly memory and takes the SIMD kernel of {@link WasmOuterSum} where
 * WebAssembly SIMD is available, with the same results bit for bit.
 *
 * @example
 * ```ts
 * import { DeferredOuterSum } from "@ostl/ostl";
 * const g = new DeferredOuterSum(2, 2);
 * g.push([1, 2], [1, 0]);
 * g.push([0, 1], [3, 3]);
 * console.log([...g.values()], g.blockSteps); // [1, 0, 5, 3] 1
 * const total = new Float64Array([10, 10, 10, 10]);
 * g.addTo(total);
 * console.log([...total]); // [11, 10, 15, 13]
 * console.log(new DeferredOuterSum(88, 150).blockSteps); // 8
 * ```
 */
export class DeferredOuterSum extends HeldSteps {
  private readonly sum: TypedArray;
  private readonly weights: TypedArray;
  private readonly input: TypedArray;
  private readonly update: typeof outerSumUpdate;
  private readonly wasm: WasmOuterSum | null;

  constructor(
    readonly rows: number,
    readonly columns: number,
    readonly dtype: DType = "float64",
  ) {
    // blocks only when their buffers take at most as many floats as the sum
    super(rows + columns, rows * columns);
    this.wasm = dtype === "float64" && this.blockSteps > 1 ? WasmOuterSum.create(rows, columns) : null;
    this.sum = this.wasm?.sum ?? zeros([rows * columns], dtype).data;
    this.weights = this.wasm?.weights ?? zeros([this.blockSteps * rows], dtype).data;
    this.input = this.wasm?.input ?? zeros([this.blockSteps * columns], dtype).data;
    this.update = traceKernels.of(dtype).outerSumUpdate;
  }

  /**
   * Adds w uᵀ (held back until its block is complete).
   *
   * @throws {@link OstlError} when w is not of `rows` or u not of `columns` entries.
   */
  push(weight: ArrayLike<number>, input: ArrayLike<number>): void {
    if (weight.length !== this.rows || input.length !== this.columns) {
      throw new OstlError("DeferredOuterSum.push", `needs a weight of ${this.rows} rows and an input of ${this.columns} columns, got ${weight.length} and ${input.length}`);
    }
    this.weights.set(weight, this.held * this.rows);
    this.input.set(input, this.held * this.columns);
    this.stored();
  }

  /** Pads with zero weights. */
  protected pad(from: number): void {
    this.weights.fill(0, from * this.rows);
    this.input.fill(0, from * this.columns);
  }

  protected apply(steps: number): void {
    if (this.wasm !== null) this.wasm.run();
    else this.update(this.rows, this.columns, steps, this.weights, this.input, this.sum);
  }

  /** The sum of every step pushed (a copy, row-major). */
  values(): TypedArray {
    this.flush();
    return this.sum.slice();
  }

  /** Adds the sum of every step pushed into `target` from `offset` (row-major, without a copy). */
  addTo(target: TypedArray, offset = 0): void {
    this.flush();
    const sum = this.sum;
    for (let i = 0; i < sum.length; i++) target[offset + i]! += sum[i]!;
  }

  /** Drops the held steps and zeroes the sum. */
  clear(): void {
    this.held = 0;
    this.sum.fill(0);
  }
}
