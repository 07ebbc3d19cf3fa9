import type { Dense } from "./loops.js";

/**
 * One operand of a 2-D matrix product in generated code: element `[r, c]` is at
 * `data[offset + r * rowStride + c * colStride]`. A transposed operand is its source read with
 * the strides swapped, so a transpose feeding a product costs nothing.
 */
export interface MatrixOperand {
  readonly at: Dense;
  readonly rows: number;
  readonly cols: number;
  readonly rowStride: number;
  readonly colStride: number;
}

/** What a product needs from the program: views for the core GEMM kernel, made once where possible. */
export interface MatmulTarget {
  readonly out: Dense;
  /** Source of an `NDArray` view of an operand (made once at setup when its buffer is fixed). */
  view(operand: MatrixOperand): string;
  /** A float64 buffer of `size` elements, allocated once when the program is made. */
  scratch(size: number): Dense;
  /** Whether the product runs in float64 (the core GEMM kernel's type). */
  readonly float64: boolean;
}

const at = (m: MatrixOperand, row: string, col: string): string => {
  const term = (index: string, stride: number) => (stride === 0 || index === "0" ? "" : stride === 1 ? index : `${index} * ${stride}`);
  const terms = [m.at.offset === "0" ? "" : m.at.offset, term(row, m.rowStride), term(col, m.colStride)];
  const index = terms.filter((t) => t !== "").join(" + ");
  return `${m.at.data}[${index === "" ? "0" : index}]`;
};

/** out[i] = Σ_p A[i, p] b[p] for a row-major A: four rows at a time share each read of b. */
function matvecRows(a: MatrixOperand, b: MatrixOperand, out: Dense): string[] {
  const n = a.rows;
  const k = a.cols;
  const rows = [0, 1, 2, 3];
  const o = out.data;
  return [
    "{",
    "  let i = 0;",
    `  for (; i + 3 < ${n}; i += 4) {`,
    `    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;`,
    `    const r0 = ${a.at.offset} + i * ${a.rowStride};`,
    `    for (let p = 0; p < ${k}; p++) {`,
    `      const x = ${at(b, "p", "0")};`,
    ...rows.map((r) => `      s${r} += ${a.at.data}[${r === 0 ? "r0" : `r0 + ${r * a.rowStride}`} + p] * x;`),
    "    }",
    ...rows.map((r) => `    ${o}[i + ${r}] = s${r};`),
    "  }",
    `  for (; i < ${n}; i++) {`,
    "    let s = 0;",
    `    for (let p = 0; p < ${k}; p++) s += ${at(a, "i", "p")} * ${at(b, "p", "0")};`,
    `    ${o}[i] = s;`,
    "  }",
    "}",
  ];
}

/**
 * out[i] = Σ_p A[i, p] b[p] for a column-major A (a transposed matrix, as in a VJP's Wᵀ v): four
 * columns of A at a time, each read along its contiguous run, scaled and added into out.
 */
function matvecColumns(a: MatrixOperand, b: MatrixOperand, out: Dense): string[] {
  const [n, k, cs] = [a.rows, a.cols, a.colStride];
  const o = out.data;
  const d = a.at.data;
  const cols = [0, 1, 2, 3];
  return [
    "{",
    `  ${o}.fill(0, 0, ${n});`,
    "  let p = 0;",
    `  for (; p + 3 < ${k}; p += 4) {`,
    ...cols.map((c) => `    const x${c} = ${at(b, c === 0 ? "p" : `(p + ${c})`, "0")};`),
    `    const r0 = ${a.at.offset} + p * ${cs};`,
    `    for (let i = 0; i < ${n}; i++) ${o}[i] += ${cols.map((c) => `x${c} * ${d}[${c === 0 ? "r0" : `r0 + ${c * cs}`} + i]`).join(" + ")};`,
    "  }",
    `  for (; p < ${k}; p++) {`,
    `    const x = ${at(b, "p", "0")};`,
    `    const r = ${a.at.offset} + p * ${cs};`,
    `    for (let i = 0; i < ${n}; i++) ${o}[i] += x * ${d}[r + i];`,
    "  }",
    "}",
  ];
}

/** out[i, :] = Σ_p A[i, p] B[p, :], one scaled row of B at a time (streams B; A transposed or one row). */
function rowsByAxpy(a: MatrixOperand, b: MatrixOperand, out: Dense): string[] {
  const [n, k, m] = [a.rows, a.cols, b.cols];
  return [
    "{",
    `  ${out.data}.fill(0, 0, ${n * m});`,
    `  for (let i = 0; i < ${n}; i++) {`,
    `    for (let p = 0; p < ${k}; p++) {`,
    `      const x = ${at(a, "i", "p")};`,
    `      for (let j = 0; j < ${m}; j++) ${out.data}[i * ${m} + j] += x * ${at(b, "p", "j")};`,
    "    }",
    "  }",
    "}",
  ];
}

/** out[i, j] = A[i, 0] B[0, j]: an outer product (k = 1), each element written once. */
function outerProduct(a: MatrixOperand, b: MatrixOperand, out: Dense): string[] {
  const m = b.cols;
  return [
    "{",
    `  for (let i = 0; i < ${a.rows}; i++) {`,
    `    const x = ${at(a, "i", "0")};`,
    `    for (let j = 0; j < ${m}; j++) ${out.data}[i * ${m} + j] = x * ${at(b, "0", "j")};`,
    "  }",
    "}",
  ];
}

/** out[i, j] = Σ_p A[i, p] B[p, j], each sum in a float64 local and rounded to the output's type once (as the core kernel does). */
function dotProducts(a: MatrixOperand, b: MatrixOperand, out: Dense): string[] {
  const [n, k, m] = [a.rows, a.cols, b.cols];
  return [
    "{",
    `  for (let i = 0; i < ${n}; i++) {`,
    `    for (let j = 0; j < ${m}; j++) {`,
    "      let s = 0;",
    `      for (let p = 0; p < ${k}; p++) s += ${at(a, "i", "p")} * ${at(b, "p", "j")};`,
    `      ${out.data}[i * ${m} + j] = s;`,
    "    }",
    "  }",
    "}",
  ];
}

/**
 * A float32 matrix-matrix product through the float64 GEMM kernel, as the interpreter computes it:
 * A and B widened into float64 buffers of the program, multiplied, and each element rounded into
 * the output once.
 */
function widenedGemm(a: MatrixOperand, b: MatrixOperand, target: MatmulTarget): string[] {
  const [n, k, m] = [a.rows, a.cols, b.cols];
  const dense = (at: Dense, rows: number, cols: number): MatrixOperand => ({ at, rows, cols, rowStride: cols, colStride: 1 });
  const [wa, wb, wo] = [dense(target.scratch(n * k), n, k), dense(target.scratch(k * m), k, m), dense(target.scratch(n * m), n, m)];
  const widen = (from: MatrixOperand, to: MatrixOperand) => [
    `  for (let r = 0; r < ${from.rows}; r++) for (let c = 0; c < ${from.cols}; c++) ${to.at.data}[r * ${from.cols} + c] = ${at(from, "r", "c")};`,
  ];
  return [
    "{",
    ...widen(a, wa),
    ...widen(b, wb),
    `  kernels.matmul(${target.view(wo)}, ${target.view(wa)}, ${target.view(wb)});`,
    `  for (let q = 0; q < ${n * m}; q++) ${target.out.data}[q] = ${wo.at.data}[q];`,
    "}",
  ];
}

/**
 * Source lines for `out = A B` (A is n x k, B is k x m, out dense n x m):
 * - an outer product (k = 1): one loop writing each element once;
 * - a matrix-vector product (m = 1) with a row-major A: four rows at a time;
 * - a float64 matrix-vector product with a column-major A (a transpose): four columns at a time;
 * - a float64 product with n, m > 1: the core register-tiled GEMM kernel (`kernels.matmul`);
 * - another float64 product (A transposed, or one row): rows of B scaled and added, streaming B;
 * - a float32 product with n, m > 1: A and B widened into float64 buffers, the core GEMM kernel,
 *   each element rounded to float32 once, as the interpreter computes it;
 * - another float32 product (one row or one column): dot products accumulated in float64, each
 *   element rounded to float32 once.
 */
export function emitMatmul(a: MatrixOperand, b: MatrixOperand, target: MatmulTarget): string[] {
  if (a.cols === 1) return outerProduct(a, b, target.out);
  if (b.cols === 1 && a.colStride === 1 && a.rows >= 4) return matvecRows(a, b, target.out);
  if (target.float64 && b.cols === 1 && a.rowStride === 1 && a.cols >= 4) return matvecColumns(a, b, target.out);
  if (target.float64 && a.rows > 1 && b.cols > 1) {
    const out: MatrixOperand = { at: target.out, rows: a.rows, cols: b.cols, rowStride: b.cols, colStride: 1 };
    return [`kernels.matmul(${target.view(out)}, ${target.view(a)}, ${target.view(b)});`];
  }
  if (!target.float64 && a.rows > 1 && b.cols > 1 && a.cols > 1) return widenedGemm(a, b, target);
  return target.float64 ? rowsByAxpy(a, b, target.out) : dotProducts(a, b, target.out);
}
