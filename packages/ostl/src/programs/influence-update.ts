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
 * per entry ((J[r,0] M[0] + J[r,1] M[1]) + ...) + I[r], the sum running over the b of the block's
 * list only (see {@link blockColumns}): list k holds `count[k]` entries of two i32, b·rowBytes and
 * b·8R. The sizes and the addresses of Jᵀ, I and the lists are constants of the function (one
 * module per shape); the rows swap between two buffers, so that nothing is copied.
 */
function updateFunction(R: number, S: number, rowBytes: number, at: { readonly jacobianT: number; readonly immediate: number; readonly lists: number; readonly counts: number }): FunctionBuilder {
  const { i32, v128 } = valueType;
  const [previous, out] = [0, 1];
  const f = new FunctionBuilder([i32, i32]);
  const [c0, cEnd, r, c, pl, plEnd, pm, pj, base, block] = [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32].map((t) => f.local(t)) as [number, number, number, number, number, number, number, number, number, number];
  const sums = [0, 1, 2, 3].map(() => f.local(v128));
  const v = f.local(v128);
  const rowBlocks = (lanes: number, first: number, last: number, firstBlock: number) => {
    if (first === last) return;
    f.i32(first).set(r);
    f.i32(firstBlock).set(block);
    f.block(() =>
      f.loop(() => {
        f.get(r).i32(last).geU().brIf(1);
        f.get(c0).set(c);
        f.block(() =>
          f.loop(() => {
            f.get(c).get(cEnd).geU().brIf(1);
            for (let k = 0; k < lanes; k++) f.v128Zero().set(sums[k]!);
            f.get(block).i32(8 * S).mul().i32(at.lists).add().set(pl);
            f.get(block).i32(4).mul().i32(at.counts).add().i32Load().i32(8).mul().get(pl).add().set(plEnd);
            f.block(() =>
              f.loop(() => {
                f.get(pl).get(plEnd).geU().brIf(1);
                f.get(previous).get(c).add().get(pl).i32Load().add().set(pm);
                f.get(r).i32(8).mul().i32(at.jacobianT).add().get(pl).i32Load(4).add().set(pj);
                f.get(pm).v128Load().set(v);
                for (let k = 0; k < lanes; k++) f.get(sums[k]!).get(pj).f64x2LoadSplat(8 * k).get(v).f64x2Mul().f64x2Add().set(sums[k]!);
                f.get(pl).i32(8).add().set(pl);
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
        f.get(block).i32(1).add().set(block);
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
      rowBlocks(4, 0, R & ~3, 0);
      rowBlocks(1, R & ~3, R, R >> 2);
      f.get(cEnd).set(c0);
      f.br(0);
    }),
  );
  return f;
}

/** Row blocks of the kernel: R/4 blocks of four rows, then one per remaining row. */
function blockCount(R: number): number {
  return (R >> 2) + (R & 3);
}

/**
 * Writes, for each row block of the kernel, the list of columns b of J that are not zero in any of
 * the block's rows (b·rowBytes and b·8R, two i32 an entry, S entries reserved per block) and its
 * length. A column left out contributes J[r, b] M[b] = 0 to every row of the block, so the sum is
 * the same, except that a non-finite M[b] is not spread by a zero J[r, b]. A cell's structure
 * makes many such zeros: the diagonal blocks of an LSTM's ∂c_t/∂c_{t-1} and ∂h_t/∂c_{t-1}, and the
 * upper blocks of a stack's J (no layer reads the one above). A NaN in J is kept (NaN !== 0).
 */
function blockColumns(jacobianT: Float64Array, R: number, S: number, rowBytes: number, lists: Int32Array, counts: Int32Array): void {
  for (let k = 0; k < blockCount(R); k++) {
    const [first, lanes] = k < R >> 2 ? [4 * k, 4] : [(R & ~3) + (k - (R >> 2)), 1];
    let entry = 2 * S * k;
    for (let b = 0; b < S; b++) {
      const at = b * R + first;
      let reached = false;
      for (let i = 0; i < lanes; i++) reached ||= jacobianT[at + i] !== 0;
      if (reached) {
        lists[entry] = b * rowBytes;
        lists[entry + 1] = 8 * R * b;
        entry += 2;
      }
    }
    counts[k] = (entry - 2 * S * k) / 2;
  }
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
  private readonly lists: Int32Array;
  private readonly counts: Int32Array;
  private readonly buffers: readonly [Float64Array, Float64Array];
  private readonly addresses: readonly [number, number];
  private readonly run: (previous: number, out: number) => void;
  private current = 0;

  private constructor(
    made: { readonly views: Float64Array[]; readonly addresses: number[]; readonly exports: Record<string, unknown> },
    private readonly shape: { readonly R: number; readonly S: number },
    stride: number,
  ) {
    this.stride = stride;
    const [jacobianT, immediate, lists, counts, first, second] = made.views as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    [this.jacobianT, this.immediate, this.buffers] = [jacobianT, immediate, [first, second]];
    this.lists = new Int32Array(lists.buffer, lists.byteOffset, 2 * lists.length);
    this.counts = new Int32Array(counts.buffer, counts.byteOffset, 2 * counts.length);
    this.addresses = [made.addresses[4]!, made.addresses[5]!];
    this.run = made.exports.update as (previous: number, out: number) => void;
  }

  /** The update for this shape, or null where WebAssembly SIMD does not run. */
  static make(R: number, S: number, P: number): WasmInfluenceUpdate | null {
    const stride = P + (P & 1);
    const blocks = blockCount(R);
    const sizes = [S * R, R * stride, blocks * S, Math.ceil(blocks / 2), R * stride, R * stride];
    const at = WasmKernels.layout(sizes).addresses;
    const key = `${R}x${S}x${P}`;
    let kernels = modules.get(key);
    if (kernels === undefined) {
      modules.set(key, (kernels = new WasmKernels(() => ({ functions: [updateFunction(R, S, 8 * stride, { jacobianT: at[0]!, immediate: at[1]!, lists: at[2]!, counts: at[3]! })], names: ["update"] }))));
    }
    const made = kernels.instantiate(sizes);
    return made === null ? null : new WasmInfluenceUpdate(made, { R, S }, stride);
  }

  rows(): Float64Array {
    return this.buffers[this.current]!;
  }

  apply(jacobianT: NDArray): void {
    this.jacobianT.set(jacobianT.data.subarray(jacobianT.offset, jacobianT.offset + jacobianT.size));
    blockColumns(this.jacobianT, this.shape.R, this.shape.S, 8 * this.stride, this.lists, this.counts);
    const next = 1 - this.current;
    this.run(this.addresses[this.current]!, this.addresses[next]!);
    this.current = next;
  }

  zero(): void {
    this.buffers[this.current]!.fill(0);
  }
}
