/**
 * Float64 matrix-vector products of compiled programs as WebAssembly SIMD kernels, for matrices
 * that stay the same from call to call (arguments a caller declares fixed, and constants): the
 * matrix is copied once into the program's WebAssembly memory, in the layout its kernel reads,
 * and copied again only when a call brings a different array. Each product's result equals the
 * JavaScript kernel's bit for bit: every sum is taken in the same order, with separate multiplies
 * and adds (WebAssembly has no fused multiply-add).
 *
 * Measured on a 600 x 238 product (Node 20, 2-core VM): the JavaScript kernel takes about
 * 1.0-1.3 ns per multiply-add, these kernels about 0.25-0.3 ns.
 *
 * @module
 */
import { FunctionBuilder, valueType, WasmKernels } from "@ostl/core";

const { i32, v128 } = valueType;

/**
 * `rows(a, b, out, pairs, k)`: out[i] = Σ_p A[i, p] b[p] for an n x k matrix stored as row pairs
 * interleaved (pair q holds A[2q, p], A[2q + 1, p] side by side for p = 0..k-1), so one f64x2
 * lane pair is two rows: four pairs (eight rows) at a time, then one pair at a time. Each row's
 * sum runs over p in order from 0, as the JavaScript kernel's.
 */
function rowsFunction(): FunctionBuilder {
  const [a, b, out, pairs, k] = [0, 1, 2, 3, 4];
  const f = new FunctionBuilder([i32, i32, i32, i32, i32]);
  const [q, quads, pairBytes, pb, end, o] = [i32, i32, i32, i32, i32, i32].map(() => f.local(i32)) as [number, number, number, number, number, number];
  const pa = [0, 1, 2, 3].map(() => f.local(i32));
  const s = [0, 1, 2, 3].map(() => f.local(v128));
  const x = f.local(v128);
  f.get(k).i32(16).mul().set(pairBytes);
  f.get(b).get(k).i32(8).mul().add().set(end);
  f.get(pairs).i32(-4).and().set(quads);
  f.i32(0).set(q);
  f.get(a).set(pa[0]!);
  f.get(out).set(o);
  const sumOver = (lanes: number) =>
    f.block(() =>
      f.loop(() => {
        f.get(pb).get(end).geU().brIf(1);
        f.get(pb).f64x2LoadSplat().set(x);
        for (let r = 0; r < lanes; r++) {
          // s_r ← s_r + A·x, as the JavaScript kernel's `s += a * x`
          f.get(s[r]!).get(pa[r]!).v128Load().get(x).f64x2Mul().f64x2Add().set(s[r]!);
          f.get(pa[r]!).i32(16).add().set(pa[r]!);
        }
        f.get(pb).i32(8).add().set(pb);
        f.br(0);
      }),
    );
  // four pairs at a time
  f.block(() =>
    f.loop(() => {
      f.get(q).get(quads).geU().brIf(1);
      for (let r = 1; r < 4; r++) f.get(pa[r - 1]!).get(pairBytes).add().set(pa[r]!);
      for (const sr of s) f.v128Zero().set(sr);
      f.get(b).set(pb);
      sumOver(4);
      s.forEach((sr, r) => f.get(o).get(sr).v128Store(16 * r));
      // pa[3] ends where pair q + 4 begins
      f.get(pa[3]!).set(pa[0]!);
      f.get(o).i32(64).add().set(o);
      f.get(q).i32(4).add().set(q);
      f.br(0);
    }),
  );
  // the remaining pairs one at a time
  f.block(() =>
    f.loop(() => {
      f.get(q).get(pairs).geU().brIf(1);
      f.v128Zero().set(s[0]!);
      f.get(b).set(pb);
      sumOver(1);
      f.get(o).get(s[0]!).v128Store();
      f.get(o).i32(16).add().set(o);
      f.get(q).i32(1).add().set(q);
      f.br(0);
    }),
  );
  return f;
}

/**
 * `columns(w, b, out, n, k)`: out[i] = Σ_p W[p, i] b[p] (out = Wᵀ b) for a k x n row-major W,
 * two outputs per f64x2 lane pair: four rows of W at a time,
 * out[i] ← out[i] + (((b_p W[p, i] + b_{p+1} W[p+1, i]) + b_{p+2} W[p+2, i]) + b_{p+3} W[p+3, i]),
 * then the remaining rows one at a time, the JavaScript kernel's order. With n odd the last lane
 * pair reads one element past a row (the buffer holds one more) into an output slot past n.
 */
function columnsFunction(): FunctionBuilder {
  const [w, b, out, n, k] = [0, 1, 2, 3, 4];
  const f = new FunctionBuilder([i32, i32, i32, i32, i32]);
  const [p, quads, rowBytes, outEnd, pb, i, c] = [i32, i32, i32, i32, i32, i32, i32].map(() => f.local(i32)) as [number, number, number, number, number, number, number];
  const r = [0, 1, 2, 3].map(() => f.local(i32));
  const xs = [0, 1, 2, 3].map(() => f.local(v128));
  f.get(n).i32(8).mul().set(rowBytes);
  // out holds n rounded up to even
  f.get(n).i32(1).add().i32(-2).and().i32(8).mul().get(out).add().set(outEnd);
  f.get(k).i32(-4).and().set(quads);
  const overOutputs = (body: () => void) => {
    f.get(out).set(i);
    f.i32(0).set(c);
    f.block(() =>
      f.loop(() => {
        f.get(i).get(outEnd).geU().brIf(1);
        body();
        f.get(i).i32(16).add().set(i);
        f.get(c).i32(16).add().set(c);
        f.br(0);
      }),
    );
  };
  const load = (row: number) => f.get(row).get(c).add().v128Load();
  overOutputs(() => f.get(i).v128Zero().v128Store());
  f.i32(0).set(p);
  f.get(w).set(r[0]!);
  f.get(b).set(pb);
  f.block(() =>
    f.loop(() => {
      f.get(p).get(quads).geU().brIf(1);
      xs.forEach((x, j) => f.get(pb).f64x2LoadSplat(8 * j).set(x));
      for (let j = 1; j < 4; j++) f.get(r[j - 1]!).get(rowBytes).add().set(r[j]!);
      overOutputs(() => {
        f.get(i).get(i).v128Load();
        f.get(xs[0]!);
        load(r[0]!).f64x2Mul();
        for (let j = 1; j < 4; j++) {
          f.get(xs[j]!);
          load(r[j]!).f64x2Mul().f64x2Add();
        }
        f.f64x2Add().v128Store();
      });
      f.get(r[3]!).get(rowBytes).add().set(r[0]!);
      f.get(pb).i32(32).add().set(pb);
      f.get(p).i32(4).add().set(p);
      f.br(0);
    }),
  );
  f.block(() =>
    f.loop(() => {
      f.get(p).get(k).geU().brIf(1);
      f.get(pb).f64x2LoadSplat().set(xs[0]!);
      overOutputs(() => {
        f.get(i).get(i).v128Load().get(xs[0]!);
        load(r[0]!).f64x2Mul().f64x2Add().v128Store();
      });
      f.get(r[0]!).get(rowBytes).add().set(r[0]!);
      f.get(pb).i32(8).add().set(pb);
      f.get(p).i32(1).add().set(p);
      f.br(0);
    }),
  );
  return f;
}

const productKernels = new WasmKernels(() => ({ functions: [rowsFunction(), columnsFunction()], names: ["rows", "columns"] }));

/**
 * Whether compiled programs can run their fixed matrices' products as WebAssembly SIMD kernels
 * here.
 *
 * @example
 * ```ts
 * import { wasmProductsAvailable } from "@ostl/autodiff";
 * console.log(wasmProductsAvailable()); // true
 * ```
 */
export function wasmProductsAvailable(): boolean {
  return productKernels.module() !== null;
}

/**
 * One matrix-vector product of a program: `rows` for out = A b with A n x k read row by row,
 * `columns` for out = Wᵀ b with W k x n stored row-major (a transposed operand), `matrix` naming
 * the program's copy of the matrix (products of one matrix in one layout share it).
 *
 * @example
 * ```ts
 * import { type ProductSpec } from "@ostl/autodiff";
 * // out = Wᵀ b for a stored 3 x 5 W: 5 outputs, 3 inner terms each
 * const spec: ProductSpec = { layout: "columns", n: 5, k: 3, matrix: 0 };
 * console.log(spec.n * spec.k); // 15
 * ```
 */
export interface ProductSpec {
  readonly layout: "rows" | "columns";
  /** Output length n. */
  readonly n: number;
  /** Inner length k. */
  readonly k: number;
  readonly matrix: number;
}

/**
 * A program's copy of one fixed matrix in its WebAssembly memory, in the layout its products
 * read. `hold(argument, data, offset)` copies the matrix from `data` (row-major from `offset`)
 * unless the previous call held the same array at the same offset; `argument` is the array the
 * caller passed, so that a copy made by the program of a non-contiguous argument (a buffer whose
 * contents change from call to call) is always copied.
 *
 * @example
 * ```ts
 * import { ProgramProducts } from "@ostl/autodiff";
 * const products = ProgramProducts.create([{ layout: "columns", n: 2, k: 2, matrix: 0 }], [{ layout: "columns", rows: 2, cols: 2 }])!;
 * const W = new Float64Array([1, 2, 3, 4]);
 * const out = new Float64Array(2);
 * products.matrix(0).hold(W, W, 0);
 * W[0] = 100; // the same array again: the copy is kept
 * products.matrix(0).hold(W, W, 0);
 * products.product(0)(new Float64Array([1, 1]), 0, out, 0);
 * console.log([...out]); // [4, 6]
 * ```
 */
export class ResidentMatrix {
  private source: Float64Array | null = null;
  private sourceOffset = -1;

  constructor(
    private readonly copy: Float64Array,
    private readonly layout: "rows" | "columns",
    /** Rows and columns of the matrix as the caller stores it (row-major). */
    private readonly rows: number,
    private readonly cols: number,
  ) {}

  hold(argument: Float64Array, data: Float64Array, offset: number): void {
    if (data === this.source && offset === this.sourceOffset) return;
    const [copy, rows, cols] = [this.copy, this.rows, this.cols];
    if (this.layout === "columns") {
      for (let e = 0; e < rows * cols; e++) copy[e] = data[offset + e]!;
    } else {
      // rows 2q and 2q + 1 side by side; a missing last row of an odd count reads as 0
      for (let i = 0; i < rows; i++) {
        const at = (i >> 1) * 2 * cols + (i & 1);
        for (let p = 0; p < cols; p++) copy[at + 2 * p] = data[offset + i * cols + p]!;
      }
    }
    this.source = argument === data ? data : null;
    this.sourceOffset = offset;
  }
}

/**
 * The WebAssembly side of a compiled program: one memory holding its fixed matrices, in their
 * products' layouts, and an input and an output vector shared by its products. `product(j)`
 * returns product j's `run(b, bOffset, out, outOffset)`, which copies b in, runs the kernel and
 * copies the result out. Made with {@link ProgramProducts.create}, null where WebAssembly SIMD is
 * missing.
 *
 * @example
 * ```ts
 * import { ProgramProducts } from "@ostl/autodiff";
 * const products = ProgramProducts.create([{ layout: "rows", n: 2, k: 3, matrix: 0 }], [{ layout: "rows", rows: 2, cols: 3 }])!;
 * const A = new Float64Array([1, 2, 3, 4, 5, 6]);
 * products.matrix(0).hold(A, A, 0);
 * const out = new Float64Array(2);
 * products.product(0)(new Float64Array([1, 0, -1]), 0, out, 0);
 * console.log([...out]); // [-2, -2]
 * ```
 */
export class ProgramProducts {
  private constructor(
    private readonly matrices: readonly ResidentMatrix[],
    private readonly products: readonly ((b: Float64Array, bOffset: number, out: Float64Array, outOffset: number) => void)[],
  ) {}

  static create(
    specs: readonly ProductSpec[],
    matrices: readonly { readonly layout: "rows" | "columns"; readonly rows: number; readonly cols: number }[],
  ): ProgramProducts | null {
    const matrixSizes = matrices.map((m) => (m.layout === "rows" ? 2 * Math.ceil(m.rows / 2) * m.cols : m.rows * m.cols + 1));
    const inputSize = Math.max(...specs.map((s) => s.k));
    const outputSize = Math.max(...specs.map((s) => 2 * Math.ceil(s.n / 2)));
    const made = productKernels.instantiate([...matrixSizes, inputSize, outputSize]);
    if (made === null) return null;
    const { views, addresses, exports } = made;
    const [input, output] = views.slice(matrices.length) as [Float64Array, Float64Array];
    const [inputAt, outputAt] = addresses.slice(matrices.length) as [number, number];
    const rows = exports.rows as (a: number, b: number, out: number, pairs: number, k: number) => void;
    const columns = exports.columns as (w: number, b: number, out: number, n: number, k: number) => void;
    const products = specs.map(({ layout, n, k, matrix }) => {
      const at = addresses[matrix]!;
      const pairs = Math.ceil(n / 2);
      return (b: Float64Array, bOffset: number, out: Float64Array, outOffset: number) => {
        for (let p = 0; p < k; p++) input[p] = b[bOffset + p]!;
        if (layout === "rows") rows(at, inputAt, outputAt, pairs, k);
        else columns(at, inputAt, outputAt, n, k);
        for (let i = 0; i < n; i++) out[outOffset + i] = output[i]!;
      };
    });
    return new ProgramProducts(
      matrices.map((m, j) => new ResidentMatrix(views[j]!, m.layout, m.rows, m.cols)),
      products,
    );
  }

  /** The program's copy of matrix `j`. */
  matrix(j: number): ResidentMatrix {
    return this.matrices[j]!;
  }

  /** Product `j`: copies b (k values from `bOffset`) in, multiplies, writes n values into `out` from `outOffset`. */
  product(j: number): (b: Float64Array, bOffset: number, out: Float64Array, outOffset: number) => void {
    return this.products[j]!;
  }
}
