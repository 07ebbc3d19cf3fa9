/**
 * The product and sum of the influence recurrence, [M_t; e_t] = [J; J_y] M_{t-1} + [I; I_y] (see
 * {@link CompiledInfluence}): a WebAssembly SIMD kernel for float64, a compiled program otherwise.
 *
 * @module
 */
import * as core from "@ostl/core";
import { FunctionBuilder, type DType, type NDArray, type TypedArray, valueType, WasmKernels } from "@ostl/core";
import { type Jitted, type Tensor, add, jit, matmul, transpose } from "@ostl/autodiff";

/**
 * The rows of the recurrence and how to advance them: R rows ([M_t; e_t], the first S being
 * M_t), each of P entries, row r at `r · stride` in `rows()` and in `immediate`.
 *
 * @example
 * ```ts
 * import { influenceUpdate } from "@ostl/ostl";
 * import { tensor } from "@ostl/core";
 * // R = S = 1, P = 3: M_t = 2 M_{t-1} + I
 * const update = influenceUpdate(1, 1, 3, "float64");
 * update.immediate.set([1, 2, 3]);
 * update.apply(tensor([[2]]));
 * update.apply(tensor([[2]]));
 * console.log([...update.rows().subarray(0, 3)]); // [3, 6, 9]
 * ```
 */
export interface InfluenceUpdate {
  /** Entries from one row to the next (P, or P rounded up to even for the kernel's lanes). */
  readonly stride: number;
  /** [M_t; e_t] after the last `apply` (zero before the first). */
  rows(): TypedArray;
  /** [I; I_y] of the step, written by the caller before `apply`. */
  readonly immediate: TypedArray;
  /** [M_t; e_t] = [J; J_y] M_{t-1} + [I; I_y], given `jacobianT` = [J; J_y]ᵀ, `[S, R]`. */
  apply(jacobianT: NDArray): void;
  /** M = 0, as at the start of a sequence. */
  zero(): void;
}

/**
 * The update of R rows of P entries, S of them the influence: the WebAssembly kernel for float64
 * where WebAssembly SIMD runs, the compiled program otherwise.
 *
 * @example
 * ```ts
 * import { influenceUpdate } from "@ostl/ostl";
 * console.log(influenceUpdate(4, 3, 5, "float64").stride, influenceUpdate(4, 3, 5, "float32").stride); // 6 5
 * ```
 */
export function influenceUpdate(R: number, S: number, P: number, dtype: DType): InfluenceUpdate {
  return (dtype === "float64" ? WasmInfluenceUpdate.make(R, S, P) : null) ?? new ProgramInfluenceUpdate(R, S, P, dtype);
}

/** The compiled program `[J; J_y] M + [I; I_y]` (the core GEMM kernel), its result copied into the rows. */
class ProgramInfluenceUpdate implements InfluenceUpdate {
  private static readonly program: Jitted<[Tensor, Tensor, Tensor], Tensor> = jit((jacobianT: Tensor, influence: Tensor, immediate: Tensor) => add(matmul(transpose(jacobianT), influence), immediate), {
    reuseOutputs: true,
  });
  readonly stride: number;
  readonly immediate: TypedArray;
  private readonly all: NDArray;
  private readonly immediateArray: NDArray;
  private readonly influence: NDArray;

  constructor(R: number, S: number, P: number, dtype: DType) {
    this.stride = P;
    this.all = core.zeros([R, P], dtype);
    this.immediateArray = core.zeros([R, P], dtype);
    this.immediate = this.immediateArray.data;
    this.influence = core.fromTyped(this.all.data.subarray(0, S * P), [S, P]);
  }

  rows(): TypedArray {
    return this.all.data;
  }

  apply(jacobianT: NDArray): void {
    this.all.data.set((ProgramInfluenceUpdate.program(jacobianT, this.influence, this.immediateArray) as NDArray).data);
  }

  zero(): void {
    this.all.data.fill(0);
  }
}

/** Column pairs per chunk: the chunk of M_{t-1} (S rows of it) that every block of rows reads stays in cache. */
const CHUNK_PAIRS = 32;

/**
 * `update(previous, out)`: out[r] = Σ_b J[r, b] previous[b] + I[r] for the R rows, two columns at
 * a time in f64x2 lanes, four rows at a time (then one), over chunks of CHUNK_PAIRS column pairs;
 * per entry ((J[r,0] M[0] + J[r,1] M[1]) + ...) + I[r]. The sizes and the addresses of Jᵀ and I are
 * constants of the function (one module per shape); the rows swap between two buffers, so that
 * nothing is copied.
 */
function updateFunction(R: number, S: number, rowBytes: number, at: { readonly jacobianT: number; readonly immediate: number }): FunctionBuilder {
  const { i32, v128 } = valueType;
  const [previous, out] = [0, 1];
  const f = new FunctionBuilder([i32, i32]);
  const [c0, cEnd, r, c, b, pm, pj, base] = [i32, i32, i32, i32, i32, i32, i32, i32].map((t) => f.local(t)) as [number, number, number, number, number, number, number, number];
  const sums = [0, 1, 2, 3].map(() => f.local(v128));
  const v = f.local(v128);
  const rowBlocks = (lanes: number, first: number, last: number) => {
    if (first === last) return;
    f.i32(first).set(r);
    f.block(() =>
      f.loop(() => {
        f.get(r).i32(last).geU().brIf(1);
        f.get(c0).set(c);
        f.block(() =>
          f.loop(() => {
            f.get(c).get(cEnd).geU().brIf(1);
            for (let k = 0; k < lanes; k++) f.v128Zero().set(sums[k]!);
            f.get(previous).get(c).add().set(pm);
            f.get(r).i32(8).mul().i32(at.jacobianT).add().set(pj);
            f.i32(0).set(b);
            f.block(() =>
              f.loop(() => {
                f.get(b).i32(S).geU().brIf(1);
                f.get(pm).v128Load().set(v);
                for (let k = 0; k < lanes; k++) f.get(sums[k]!).get(pj).f64x2LoadSplat(8 * k).get(v).f64x2Mul().f64x2Add().set(sums[k]!);
                f.get(pm).i32(rowBytes).add().set(pm);
                f.get(pj).i32(8 * R).add().set(pj);
                f.get(b).i32(1).add().set(b);
                f.br(0);
              }),
            );
            // row r's entries c, c + 1, at byte r·rowBytes + c of `out` and of I
            f.get(r).i32(rowBytes).mul().get(c).add().set(base);
            for (let k = 0; k < lanes; k++) {
              f.get(out).get(base).add().get(sums[k]!).get(base).i32(at.immediate).add().v128Load(k * rowBytes).f64x2Add().v128Store(k * rowBytes);
            }
            f.get(c).i32(16).add().set(c);
            f.br(0);
          }),
        );
        f.get(r).i32(lanes).add().set(r);
        f.br(0);
      }),
    );
  };
  f.i32(0).set(c0);
  f.block(() =>
    f.loop(() => {
      f.get(c0).i32(rowBytes).geU().brIf(1);
      f.get(c0).i32(16 * CHUNK_PAIRS).add().set(cEnd);
      f.block(() => {
        f.get(cEnd).i32(rowBytes).ltU().brIf(0);
        f.i32(rowBytes).set(cEnd);
      });
      rowBlocks(4, 0, R & ~3);
      rowBlocks(1, R & ~3, R);
      f.get(cEnd).set(c0);
      f.br(0);
    }),
  );
  return f;
}

/** The update's modules by shape (R, S, P). */
const modules = new Map<string, WasmKernels>();

/**
 * The kernel's update: Jᵀ, I and the two row buffers in one WebAssembly memory; rows of an even
 * stride (P rounded up), so that every row starts at a 16-byte boundary.
 *
 * Measured at R = S = 64, P = 8,320 (a one-layer LSTM, n = m = 32; Node 20, 2-core VM, best of 7
 * rounds of 10): 7.3 ms per update, 0.21 ns per multiply-add, where the compiled program (the core
 * GEMM kernel, then a copy) took about 25 ms. Chunks of 8 column pairs took 11.2 ms; of 128 or
 * unchunked, 7.2 and 7.5 ms.
 */
class WasmInfluenceUpdate implements InfluenceUpdate {
  readonly stride: number;
  readonly immediate: Float64Array;
  private readonly jacobianT: Float64Array;
  private readonly buffers: readonly [Float64Array, Float64Array];
  private readonly addresses: readonly [number, number];
  private readonly run: (previous: number, out: number) => void;
  private current = 0;

  private constructor(
    made: { readonly views: Float64Array[]; readonly addresses: number[]; readonly exports: Record<string, unknown> },
    stride: number,
  ) {
    this.stride = stride;
    const [jacobianT, immediate, first, second] = made.views as [Float64Array, Float64Array, Float64Array, Float64Array];
    [this.jacobianT, this.immediate, this.buffers] = [jacobianT, immediate, [first, second]];
    this.addresses = [made.addresses[2]!, made.addresses[3]!];
    this.run = made.exports.update as (previous: number, out: number) => void;
  }

  /** The update for this shape, or null where WebAssembly SIMD does not run. */
  static make(R: number, S: number, P: number): WasmInfluenceUpdate | null {
    const stride = P + (P & 1);
    const sizes = [S * R, R * stride, R * stride, R * stride];
    const at = WasmKernels.layout(sizes).addresses;
    const key = `${R}x${S}x${P}`;
    let kernels = modules.get(key);
    if (kernels === undefined) {
      modules.set(key, (kernels = new WasmKernels(() => ({ functions: [updateFunction(R, S, 8 * stride, { jacobianT: at[0]!, immediate: at[1]! })], names: ["update"] }))));
    }
    const made = kernels.instantiate(sizes);
    return made === null ? null : new WasmInfluenceUpdate(made, stride);
  }

  rows(): Float64Array {
    return this.buffers[this.current]!;
  }

  apply(jacobianT: NDArray): void {
    this.jacobianT.set(jacobianT.data.subarray(jacobianT.offset, jacobianT.offset + jacobianT.size));
    const next = 1 - this.current;
    this.run(this.addresses[this.current]!, this.addresses[next]!);
    this.current = next;
  }

  zero(): void {
    this.buffers[this.current]!.fill(0);
  }
}
