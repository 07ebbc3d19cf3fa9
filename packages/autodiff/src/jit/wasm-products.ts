/**
 * Float64 matrix-vector products of compiled programs as WebAssembly SIMD kernels, for matrices
 * that stay the same from call to call (arguments a caller declares fixed, and constants): the
 * matrix is copied once into the program's WebAssembly memory, in the layout its kernel reads,
 * and copied again only when a call brings a different array. Each product's result equals the
 * JavaScript kernel's bit for bit: every sum is taken in the same order, with separate multiplies
 * and adds (WebAssembly has no fused multiply-add). A product read by rows whose vector is mostly
 * zeros (a binary input such as a piano roll, or spikes) skips the zero entries, with the same
 * sums wherever the matrix is finite.
 *
 * Measured on a 600 x 238 product (Node 20, 2-core VM): the JavaScript kernel takes about
 * 1.0-1.3 ns per multiply-add, these kernels about 0.25-0.3 ns.
 *
 * @module
 */
import { FunctionBuilder, valueType, WasmKernels } from "@ostl/core";

const { i32, v128 } = valueType;

/** Byte addresses of one product's operands in the program's memory. */
interface ProductAddresses {
  /** The matrix copy. */
  readonly a: number;
  /** The input vector b. */
  readonly b: number;
  /** The output vector. */
  readonly out: number;
  /** The byte offsets (8 p, as i32) of b's entries that are not zero. */
  readonly nonzero: number;
}

/**
 * The frame of the two kernels of a matrix stored as row pairs interleaved (pair q holds
 * A[2q, p], A[2q + 1, p] side by side for p = 0..k-1, so one f64x2 lane pair is two rows): four
 * pairs (eight rows) at a time, then one pair at a time, each pair's sums `sums[r]` started at
 * zero and stored into out. `terms(lanes)` appends the loop that adds the terms of the block that
 * starts at `pa`; the four pairs' loads are immediate offsets from it.
 */
function rowPairBlocks(f: FunctionBuilder, at: ProductAddresses, n: number, k: number, terms: (lanes: number, pa: number, sums: readonly number[]) => void): void {
  const [pa, o] = [f.local(i32), f.local(i32)];
  const sums = [0, 1, 2, 3].map(() => f.local(v128));
  const pairs = Math.ceil(n / 2);
  const blocks = [
    { lanes: 4, first: 0, last: pairs & ~3 },
    { lanes: 1, first: pairs & ~3, last: pairs },
  ];
  f.i32(at.a).set(pa);
  f.i32(at.out).set(o);
  for (const { lanes, first, last } of blocks) {
    if (first === last) continue;
    f.block(() =>
      f.loop(() => {
        f.get(o).i32(at.out + 16 * last).geU().brIf(1);
        for (let r = 0; r < lanes; r++) f.v128Zero().set(sums[r]!);
        terms(lanes, pa, sums);
        for (let r = 0; r < lanes; r++) f.get(o).get(sums[r]!).v128Store(16 * r);
        f.get(pa).i32(lanes * 16 * k).add().set(pa);
        f.get(o).i32(16 * lanes).add().set(o);
        f.br(0);
      }),
    );
  }
}

/**
 * `out[i] = Σ_p A[i, p] b[p]` for an n x k matrix stored as row pairs interleaved (see
 * rowPairBlocks). The sizes and addresses are constants of the function. Each row's sum runs over
 * p in order from 0, as the JavaScript kernel's.
 */
function rowsFunction(at: ProductAddresses, n: number, k: number): FunctionBuilder {
  const f = new FunctionBuilder([]);
  const [pc, pb] = [f.local(i32), f.local(i32)];
  const x = f.local(v128);
  rowPairBlocks(f, at, n, k, (lanes, pa, s) => {
    f.get(pa).set(pc);
    f.i32(at.b).set(pb);
    f.block(() =>
      f.loop(() => {
        f.get(pb).i32(at.b + 8 * k).geU().brIf(1);
        f.get(pb).f64x2LoadSplat().set(x);
        // s_r ← s_r + A·x, as the JavaScript kernel's `s += a * x`
        for (let r = 0; r < lanes; r++) f.get(s[r]!).get(pc).v128Load(r * 16 * k).get(x).f64x2Mul().f64x2Add().set(s[r]!);
        f.get(pc).i32(16).add().set(pc);
        f.get(pb).i32(8).add().set(pb);
        f.br(0);
      }),
    );
  });
  return f;
}

/**
 * {@link rowsFunction} over the entries of b that are not zero only: the function's argument is
 * the address where the list of their byte offsets (8 p, in increasing p) ends. Each row's sum
 * takes the same terms in the same order less those whose b[p] is zero, which add ±0 and leave
 * it as it is: the results are the dense kernel's bit for bit wherever A is finite. A binary
 * input such as a piano roll (4 notes of 88 at a step) or a layer's spikes needs a few terms per
 * row instead of k.
 */
function sparseRowsFunction(at: ProductAddresses, n: number, k: number): FunctionBuilder {
  const f = new FunctionBuilder([i32]);
  const end = 0;
  const [pi, offset] = [f.local(i32), f.local(i32)];
  const x = f.local(v128);
  rowPairBlocks(f, at, n, k, (lanes, pa, s) => {
    f.i32(at.nonzero).set(pi);
    f.block(() =>
      f.loop(() => {
        f.get(pi).get(end).geU().brIf(1);
        f.get(pi).i32Load().set(offset);
        f.get(offset).f64x2LoadSplat(at.b).set(x);
        // column p of the pair block starts 16 p = 2 · (8 p) bytes into it
        for (let r = 0; r < lanes; r++) f.get(s[r]!).get(pa).get(offset).add().get(offset).add().v128Load(r * 16 * k).get(x).f64x2Mul().f64x2Add().set(s[r]!);
        f.get(pi).i32(4).add().set(pi);
        f.br(0);
      }),
    );
  });
  return f;
}

/**
 * `out[i] = Σ_p W[p, i] b[p]` (out = Wᵀ b) for a k x n row-major W, two outputs per f64x2 lane
 * pair: four rows of W at a time,
 * out[i] ← out[i] + (((b_p W[p, i] + b_{p+1} W[p+1, i]) + b_{p+2} W[p+2, i]) + b_{p+3} W[p+3, i]),
 * then the remaining rows one at a time, the JavaScript kernel's order. With n odd the last lane
 * pair reads one element past a row (the copy holds one more) into an output slot past n. Sizes
 * and addresses are constants of the function.
 */
function columnsFunction(at: ProductAddresses, n: number, k: number): FunctionBuilder {
  const f = new FunctionBuilder([]);
  const [r, pb, c] = [f.local(i32), f.local(i32), f.local(i32)];
  const xs = [0, 1, 2, 3].map(() => f.local(v128));
  const rowBytes = 8 * n;
  const outBytes = 16 * Math.ceil(n / 2);
  /** `body` for each output lane pair: c runs over the byte offsets 0, 16, ... within out and a row of W. */
  const overOutputs = (body: () => void) => {
    f.i32(0).set(c);
    f.block(() =>
      f.loop(() => {
        f.get(c).i32(outBytes).geU().brIf(1);
        body();
        f.get(c).i32(16).add().set(c);
        f.br(0);
      }),
    );
  };
  overOutputs(() => f.get(c).v128Zero().v128Store(at.out));
  f.i32(at.a).set(r);
  f.i32(at.b).set(pb);
  const blocks = [
    { rows: 4, last: k & ~3 },
    { rows: 1, last: k },
  ];
  for (const { rows, last } of blocks) {
    f.block(() =>
      f.loop(() => {
        f.get(pb).i32(at.b + 8 * last).geU().brIf(1);
        for (let j = 0; j < rows; j++) f.get(pb).f64x2LoadSplat(8 * j).set(xs[j]!);
        overOutputs(() => {
          f.get(c).get(c).v128Load(at.out);
          for (let j = 0; j < rows; j++) {
            f.get(xs[j]!).get(r).get(c).add().v128Load(j * rowBytes).f64x2Mul();
            if (j > 0) f.f64x2Add();
          }
          f.f64x2Add().v128Store(at.out);
        });
        f.get(r).i32(rows * rowBytes).add().set(r);
        f.get(pb).i32(8 * rows).add().set(pb);
        f.br(0);
      }),
    );
  }
  return f;
}

/**
 * Copies a rows x cols row-major matrix from `staging` into the row-pair layout at `copy` (see
 * rowPairBlocks): for each pair of rows, two columns at a time, [A[2q, p], A[2q, p+1]] and
 * [A[2q+1, p], A[2q+1, p+1]] are shuffled into [A[2q, p], A[2q+1, p]] and [A[2q, p+1],
 * A[2q+1, p+1]]; an odd last column, and an odd last row (whose partner lanes stay 0), one entry
 * at a time. Sizes and addresses are constants of the function.
 */
function interleaveFunction(staging: number, copy: number, rows: number, cols: number): FunctionBuilder {
  const f = new FunctionBuilder([]);
  const [a, b] = [f.local(v128), f.local(v128)];
  const [row, src, dst, end] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  const rowBytes = 8 * cols;
  const evenCols = cols & ~1;
  const bytes = (n: number) => Array.from({ length: 8 }, (_, j) => n + j);
  // row: the byte offset of row 2q in the staging buffer and of pair q in the copy (both 2q · rowBytes)
  f.i32(0).set(row);
  f.block(() =>
    f.loop(() => {
      f.get(row).i32(2 * rowBytes * (rows >> 1)).geU().brIf(1);
      f.get(row).i32(staging).add().set(src);
      f.get(row).i32(copy).add().set(dst);
      f.get(src).i32(8 * evenCols).add().set(end);
      f.block(() =>
        f.loop(() => {
          f.get(src).get(end).geU().brIf(1);
          f.get(src).v128Load().set(a);
          f.get(src).v128Load(rowBytes).set(b);
          f.get(dst).get(a).get(b).i8x16Shuffle([...bytes(0), ...bytes(16)]).v128Store();
          f.get(dst).get(a).get(b).i8x16Shuffle([...bytes(8), ...bytes(24)]).v128Store(16);
          f.get(src).i32(16).add().set(src);
          f.get(dst).i32(32).add().set(dst);
          f.br(0);
        }),
      );
      if (cols % 2 === 1) {
        // the last column: src and dst are there now
        f.get(dst).get(src).f64Load().f64Store();
        f.get(dst).get(src).f64Load(rowBytes).f64Store(8);
      }
      f.get(row).i32(2 * rowBytes).add().set(row);
      f.br(0);
    }),
  );
  if (rows % 2 === 1) {
    // the last row alone, in the even lanes of its pair
    const last = (rows - 1) * rowBytes;
    f.i32(staging + last).set(src);
    f.i32(copy + last).set(dst);
    f.i32(staging + last + rowBytes).set(end);
    f.block(() =>
      f.loop(() => {
        f.get(src).get(end).geU().brIf(1);
        f.get(dst).get(src).f64Load().f64Store();
        f.get(src).i32(8).add().set(src);
        f.get(dst).i32(16).add().set(dst);
        f.br(0);
      }),
    );
  }
  return f;
}

/** The probe behind `wasmProductsAvailable`: a module with one SIMD instruction. */
const simdProbe = new WasmKernels(() => {
  const f = new FunctionBuilder([]);
  f.v128Zero().set(f.local(v128));
  return { functions: [f], names: ["probe"] };
});

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
  return simdProbe.module() !== null;
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
 * contents change from call to call) is always copied. The copy is one block copy, then, for the
 * row-pair layout, a SIMD kernel that lays the pairs out (150 x 150: 0.5 ns per entry where a
 * JavaScript loop took 3.0; the transposed layout, a block copy alone: 0.2 instead of 2.7).
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
    /** For the rows layout in WebAssembly: the staging buffer the matrix is copied into as it is, and the kernel that lays it out from there. */
    private readonly interleave: { readonly staging: Float64Array; readonly run: () => void } | null = null,
  ) {}

  hold(argument: Float64Array, data: Float64Array, offset: number): void {
    if (data === this.source && offset === this.sourceOffset) return;
    const [copy, rows, cols] = [this.copy, this.rows, this.cols];
    const whole = offset === 0 && data.length === rows * cols ? data : data.subarray(offset, offset + rows * cols);
    if (this.layout === "columns") {
      // the layout is the caller's: one block copy (about 0.3 ns per entry where a loop took 2.7)
      copy.set(whole);
    } else if (this.interleave !== null) {
      // a block copy, then the row pairs laid out by a SIMD kernel
      this.interleave.staging.set(whole);
      this.interleave.run();
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
 * products' layouts, and an input and an output vector shared by its products, with one kernel
 * per product whose sizes and addresses are constants of its code (a module made for the
 * program). `product(j)` returns product j's `run(b, bOffset, out, outOffset)`, which copies b
 * in, runs the kernel and copies the result out; a rows product whose b has at most 60 % of its
 * entries not zero runs its sparse kernel over those entries only. Where the module cannot be compiled (no
 * WebAssembly SIMD, or a browser's main thread refusing a module over 4 KB), the same sums run as
 * JavaScript loops over the same copies, with the same results bit for bit.
 *
 * Measured against kernels that take their sizes and addresses as parameters (Node 20, 2-core
 * VM, copies of b and the output included in both): a 150 x 88 product took 0.24–0.31 ns per
 * multiply-add instead of 0.36–0.40, 150 x 150 0.20–0.26 instead of 0.30–0.36.
 *
 * @example
 * ```ts
 * import { ProgramProducts } from "@ostl/autodiff";
 * const products = ProgramProducts.create([{ layout: "rows", n: 2, k: 3, matrix: 0 }], [{ layout: "rows", rows: 2, cols: 3 }]);
 * const A = new Float64Array([1, 2, 3, 4, 5, 6]);
 * products.matrix(0).hold(A, A, 0);
 * const out = new Float64Array(2);
 * products.product(0)(new Float64Array([1, 0, -1]), 0, out, 0);
 * console.log([...out], products.webAssembly); // [-2, -2] true
 * ```
 */
export class ProgramProducts {
  private constructor(
    private readonly matrices: readonly ResidentMatrix[],
    private readonly products: readonly ((b: Float64Array, bOffset: number, out: Float64Array, outOffset: number) => void)[],
    /** Whether the products run as WebAssembly kernels (else as JavaScript loops). */
    readonly webAssembly: boolean,
  ) {}

  /** The products `specs` over the matrices `matrices` (as the caller stores them, row-major); `options.webAssembly: false` runs the JavaScript loops. */
  static create(
    specs: readonly ProductSpec[],
    matrices: readonly { readonly layout: "rows" | "columns"; readonly rows: number; readonly cols: number }[],
    options: { readonly webAssembly?: boolean } = {},
  ): ProgramProducts {
    const matrixSizes = matrices.map((m) => (m.layout === "rows" ? 2 * Math.ceil(m.rows / 2) * m.cols : m.rows * m.cols + 1));
    const inputSize = Math.max(...specs.map((s) => s.k));
    const outputSize = Math.max(...specs.map((s) => 2 * Math.ceil(s.n / 2)));
    // the staging buffer of the rows-layout matrices' copies (one at a time)
    const stagingSize = Math.max(0, ...matrices.map((m) => (m.layout === "rows" ? m.rows * m.cols : 0)));
    // the nonzero list: inputSize i32 offsets, in float64 units
    const sizes = [...matrixSizes, inputSize, outputSize, Math.ceil(inputSize / 2), stagingSize];
    const { addresses, bytes } = WasmKernels.layout(sizes);
    const [inputAt, outputAt, nonzeroAt, stagingAt] = addresses.slice(matrices.length) as [number, number, number, number];
    const rowMatrices = matrices.flatMap((m, j) => (m.layout === "rows" ? [j] : []));
    const at = (spec: ProductSpec): ProductAddresses => ({ a: addresses[spec.matrix]!, b: inputAt, out: outputAt, nonzero: nonzeroAt });
    const rows = specs.flatMap((spec, j) => (spec.layout === "rows" ? [j] : []));
    const kernels = new WasmKernels(() => ({
      functions: [
        ...specs.map((spec) => (spec.layout === "rows" ? rowsFunction : columnsFunction)(at(spec), spec.n, spec.k)),
        ...rows.map((j) => sparseRowsFunction(at(specs[j]!), specs[j]!.n, specs[j]!.k)),
        ...rowMatrices.map((j) => interleaveFunction(stagingAt, addresses[j]!, matrices[j]!.rows, matrices[j]!.cols)),
      ],
      names: [...specs.map((_, j) => `p${j}`), ...rows.map((j) => `s${j}`), ...rowMatrices.map((j) => `i${j}`)],
    }));
    const made = options.webAssembly === false ? null : kernels.instantiate(sizes);
    const buffer = made === null ? new ArrayBuffer(bytes) : null;
    const views = made?.views ?? sizes.map((size, j) => new Float64Array(buffer!, addresses[j]!, size));
    const [input, output, nonzeroView, staging] = views.slice(matrices.length) as [Float64Array, Float64Array, Float64Array, Float64Array];
    const nonzero = new Int32Array(nonzeroView.buffer, nonzeroView.byteOffset, inputSize);
    const products = specs.map((spec, j) => {
      const { n, k } = spec;
      const copy = views[spec.matrix]!;
      const kernel = made === null ? javascriptKernel(spec, copy, input, output) : (made.exports[`p${j}`] as () => void);
      // the vectors move by block copies (TypedArray.prototype.set), b's read where it lies when it is a whole array
      const [inputView, outputView] = [input.subarray(0, k), output.subarray(0, n)];
      const copyIn = (b: Float64Array, bOffset: number) => copyRunInto(inputView, b, bOffset);
      if (spec.layout === "columns") {
        return (b: Float64Array, bOffset: number, out: Float64Array, outOffset: number) => {
          copyIn(b, bOffset);
          kernel();
          out.set(outputView, outOffset);
        };
      }
      const sparse = made === null ? javascriptSparseRows(spec, copy, input, output, nonzero, nonzeroAt) : (made.exports[`s${j}`] as (end: number) => void);
      return (b: Float64Array, bOffset: number, out: Float64Array, outOffset: number) => {
        copyIn(b, bOffset);
        let count = 0;
        for (let p = 0; p < k; p++) if (input[p] !== 0) nonzero[count++] = 8 * p;
        if (count <= SPARSE_SHARE * k) sparse(nonzeroAt + 4 * count);
        else kernel();
        out.set(outputView, outOffset);
      };
    });
    return new ProgramProducts(
      matrices.map((m, j) => new ResidentMatrix(views[j]!, m.layout, m.rows, m.cols, made !== null && m.layout === "rows" ? { staging, run: made.exports[`i${j}`] as () => void } : null)),
      products,
      made !== null,
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

/** Copies `target.length` entries of `data` from `offset` on into `target` by one block copy (no view made when `data` is exactly that run). */
export function copyRunInto(target: Float64Array, data: Float64Array, offset: number): void {
  target.set(offset === 0 && data.length === target.length ? data : data.subarray(offset, offset + target.length));
}

/**
 * A rows product runs its sparse kernel when at most this share of b's entries are not zero.
 * Measured per call (copies included, Node 20, 2-core VM), in ns per entry of A: 150 x 88 with 4,
 * 22, 44 and 66 of 88 entries not zero took 0.04, 0.13, 0.15 and 0.25 sparse, 0.27, 0.20, 0.23
 * and 0.27 dense; 600 x 88 with 4 took 0.06 instead of 0.28.
 */
const SPARSE_SHARE = 0.6;

/** The sums of one rows product's sparse kernel over the nonzero list (ending at byte address `end`), as a JavaScript loop over the same copy. */
function javascriptSparseRows({ n, k }: ProductSpec, copy: Float64Array, input: Float64Array, output: Float64Array, nonzero: Int32Array, nonzeroAt: number): (end: number) => void {
  return (end) => {
    const count = (end - nonzeroAt) / 4;
    for (let i = 0; i < n; i++) {
      const at = (i >> 1) * 2 * k + (i & 1);
      let s = 0;
      for (let j = 0; j < count; j++) {
        const p = nonzero[j]! >> 3;
        s += copy[at + 2 * p]! * input[p]!;
      }
      output[i] = s;
    }
  };
}

/** The sums of one product's kernel, in the kernel's order, as a JavaScript loop over the same copy. */
function javascriptKernel({ layout, n, k }: ProductSpec, copy: Float64Array, input: Float64Array, output: Float64Array): () => void {
  if (layout === "rows") {
    return () => {
      for (let i = 0; i < n; i++) {
        const at = (i >> 1) * 2 * k + (i & 1);
        let s = 0;
        for (let p = 0; p < k; p++) s += copy[at + 2 * p]! * input[p]!;
        output[i] = s;
      }
    };
  }
  return () => {
    output.fill(0, 0, n);
    let p = 0;
    for (; p + 3 < k; p += 4) {
      const [x0, x1, x2, x3] = [input[p]!, input[p + 1]!, input[p + 2]!, input[p + 3]!];
      const r = p * n;
      for (let i = 0; i < n; i++) output[i] = output[i]! + (x0 * copy[r + i]! + x1 * copy[r + n + i]! + x2 * copy[r + 2 * n + i]! + x3 * copy[r + 3 * n + i]!);
    }
    for (; p < k; p++) {
      const x = input[p]!;
      for (let i = 0; i < n; i++) output[i] = output[i]! + x * copy[p * n + i]!;
    }
  };
}
