/**
 * Kernel benchmark: ours vs hand-written loops over the same Float64Arrays, measured in one run.
 *
 *   npx -y pnpm@12.4.2 bench:core
 *
 * Every timed function takes its arrays as parameters (V8 can specialize loops over module
 * constants and make them look faster than they are). Each case is warmed up, then timed as the
 * median of several repetitions. Prints PASS/MISS per target; never fails the process.
 */
import ndarray from "ndarray";
import ops from "ndarray-ops";
import { PRNG, fromTyped, kernels, type NDArray } from "@ostl/core";

/**
 * Median seconds per call of each function, after warm-up. Repetitions alternate between the
 * functions so that both see the same machine load; each repetition runs `inner` calls.
 */
function timeAll(fns: (() => void)[], inner: number, reps = 9, warmup = 3): number[] {
  for (const fn of fns) for (let i = 0; i < warmup * inner; i++) fn();
  const samples: number[][] = fns.map(() => []);
  for (let r = 0; r < reps; r++) {
    fns.forEach((fn, j) => {
      const t0 = performance.now();
      for (let i = 0; i < inner; i++) fn();
      samples[j].push((performance.now() - t0) / 1000 / inner);
    });
  }
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(reps / 2)]);
}

function randomData(rng: PRNG, n: number): Float64Array {
  return rng.uniform([n], -1, 1).data as Float64Array;
}

// ---- matrix product -------------------------------------------------------------------------

/** The naive i-j-k triple loop, row-major n x n. */
function naiveMatmul(c: Float64Array, a: Float64Array, b: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += a[i * n + p] * b[p * n + j];
      c[i * n + j] = s;
    }
  }
}

function oursMatmul(c: NDArray, a: NDArray, b: NDArray): void {
  kernels.matmul(c, a, b);
}

const rng = new PRNG(2024);
const rows: string[][] = [];
let matmulPass = false;
for (const n of [64, 128, 256, 512]) {
  const a = randomData(rng, n * n);
  const b = randomData(rng, n * n);
  const c1 = new Float64Array(n * n);
  const c2 = new Float64Array(n * n);
  const [A, B, C] = [fromTyped(a, [n, n]), fromTyped(b, [n, n]), fromTyped(c2, [n, n])];
  const inner = Math.max(1, Math.round(2e7 / n ** 3));
  const [tNaive, tOurs] = timeAll([() => naiveMatmul(c1, a, b, n), () => oursMatmul(C, A, B)], inner, 7, 1);
  let err = 0;
  for (let i = 0; i < n * n; i++) err = Math.max(err, Math.abs(c1[i] - c2[i]));
  const gf = (t: number) => (2 * n ** 3) / t / 1e9;
  const ratio = tNaive / tOurs;
  const target = n === 256 ? (ratio >= 3 ? "PASS (>= 3x)" : "MISS (< 3x)") : "";
  if (n === 256) matmulPass = ratio >= 3;
  rows.push([String(n), gf(tOurs).toFixed(2), gf(tNaive).toFixed(2), ratio.toFixed(2) + "x", err.toExponential(1), target]);
}
printTable("matmul float64 (GFLOP/s; kernels.matmul vs naive i-j-k)", ["n", "tiled", "naive", "tiled/naive", "max |diff|", "target n=256"], rows);

// Matrix-vector products (RNN steps with batch 1): not a target, reported for the design notes.
/** One dot product per row, row-major n x n. */
function simpleMatvec(o: Float64Array, a: Float64Array, x: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let p = 0; p < n; p++) s += a[i * n + p] * x[p];
    o[i] = s;
  }
}
const mvRows: string[][] = [];
for (const n of [64, 256, 512]) {
  const a = randomData(rng, n * n);
  const x = randomData(rng, n);
  const o = new Float64Array(n);
  const [A, X, O, XT] = [fromTyped(a, [n, n]), fromTyped(x, [n, 1]), fromTyped(new Float64Array(n), [n, 1]), fromTyped(x, [1, n])];
  const OT = fromTyped(new Float64Array(n), [1, n]);
  const inner = Math.max(1, Math.round(2e6 / n ** 2));
  const [tSimple, tOurs, tOursT] = timeAll(
    [() => simpleMatvec(o, a, x, n), () => oursMatmul(O, A, X), () => oursMatmul(OT, XT, A)],
    inner,
    7,
  );
  const gf = (t: number) => ((2 * n * n) / t / 1e9).toFixed(2);
  mvRows.push([String(n), gf(tOurs), gf(tOursT), gf(tSimple)]);
}
printTable("matrix-vector float64 (GFLOP/s; not a target)", ["n", "A @ x (4 rows/pass)", "x^T @ A (4 rows of A per pass)", "simple dot loop"], mvRows);

// ---- elementwise ----------------------------------------------------------------------------

const N = 1_000_000;
const x = randomData(rng, N);
const y = randomData(rng, N);
const z = randomData(rng, N);
const w = randomData(rng, N);
const out = new Float64Array(N);
const [X, Y, Z, W, OUT] = [fromTyped(x, [N]), fromTyped(y, [N]), fromTyped(z, [N]), fromTyped(w, [N]), fromTyped(out, [N])];

function handAdd(o: Float64Array, a: Float64Array, b: Float64Array): void {
  for (let i = 0; i < o.length; i++) o[i] = a[i] + b[i];
}
function handMul(o: Float64Array, a: Float64Array, b: Float64Array): void {
  for (let i = 0; i < o.length; i++) o[i] = a[i] * b[i];
}
function handTanh(o: Float64Array, a: Float64Array): void {
  for (let i = 0; i < o.length; i++) o[i] = Math.tanh(a[i]);
}
/** The same stable formula as `sigmoid`, written inline. */
function handSigmoid(o: Float64Array, a: Float64Array): void {
  for (let i = 0; i < o.length; i++) {
    const v = a[i];
    if (v >= 0) o[i] = 1 / (1 + Math.exp(-v));
    else {
      const e = Math.exp(v);
      o[i] = e / (1 + e);
    }
  }
}
function handMulAddMul(o: Float64Array, a: Float64Array, b: Float64Array, c: Float64Array, d: Float64Array): void {
  for (let i = 0; i < o.length; i++) o[i] = a[i] * b[i] + c[i] * d[i];
}
function oursBinary(k: (o: NDArray, a: NDArray, b: NDArray) => NDArray, o: NDArray, a: NDArray, b: NDArray): void {
  k(o, a, b);
}
function oursUnary(k: (o: NDArray, a: NDArray) => NDArray, o: NDArray, a: NDArray): void {
  k(o, a);
}
function oursFused(o: NDArray, a: NDArray, b: NDArray, c: NDArray, d: NDArray): void {
  kernels.mulAddMul(o, a, b, c, d);
}
/** The same chain without fusion: three passes and a temporary. */
function oursUnfused(o: NDArray, t: NDArray, a: NDArray, b: NDArray, c: NDArray, d: NDArray): void {
  kernels.mul(o, a, b);
  kernels.mul(t, c, d);
  kernels.add(o, o, t);
}
const TMP = fromTyped(new Float64Array(N), [N]);
const nd = (d: Float64Array) => ndarray(d, [d.length]);
const [nx, ny, nout] = [nd(x), nd(y), nd(out)];

const cases: { name: string; ours: () => void; hand: () => void; peer?: () => void }[] = [
  { name: "add", ours: () => oursBinary(kernels.add, OUT, X, Y), hand: () => handAdd(out, x, y), peer: () => ops.add(nout, nx, ny) },
  { name: "mul", ours: () => oursBinary(kernels.mul, OUT, X, Y), hand: () => handMul(out, x, y), peer: () => ops.mul(nout, nx, ny) },
  { name: "tanh", ours: () => oursUnary(kernels.tanh, OUT, X), hand: () => handTanh(out, x) },
  { name: "sigmoid", ours: () => oursUnary(kernels.sigmoid, OUT, X), hand: () => handSigmoid(out, x) },
  { name: "mulAddMul (fused a*b+c*d)", ours: () => oursFused(OUT, X, Y, Z, W), hand: () => handMulAddMul(out, x, y, z, w) },
];
const ewRows: string[][] = [];
let ewPass = true;
for (const c of cases) {
  const [tHand, tOurs, tPeer] = timeAll(c.peer ? [c.hand, c.ours, c.peer] : [c.hand, c.ours], 5, 11);
  const ratio = tOurs / tHand;
  ewPass &&= ratio <= 1.3;
  const peer = tPeer === undefined ? "n/a" : (tPeer / tHand).toFixed(2);
  ewRows.push([c.name, (tOurs * 1e3).toFixed(2), (tHand * 1e3).toFixed(2), ratio.toFixed(2), peer, ratio <= 1.3 ? "PASS" : "MISS"]);
}
const [tFused, tUnfused] = timeAll([() => oursFused(OUT, X, Y, Z, W), () => oursUnfused(OUT, TMP, X, Y, Z, W)], 5, 11);
printTable(
  `elementwise float64, n = 1e6 (ms per call; target ours/hand <= 1.3)`,
  ["kernel", "ours ms", "hand ms", "ours/hand", "ndarray-ops/hand", "target"],
  ewRows,
);
console.log(`fusion: mulAddMul ${(tFused * 1e3).toFixed(2)} ms vs mul, mul, add ${(tUnfused * 1e3).toFixed(2)} ms (${(tUnfused / tFused).toFixed(2)}x)\n`);

// Small arrays: the fixed cost of validation and dispatch, reported, not a target.
const small = 64;
const [sx, sy, so] = [randomData(rng, small), randomData(rng, small), new Float64Array(small)];
const [SX, SY, SO] = [fromTyped(sx, [small]), fromTyped(sy, [small]), fromTyped(so, [small])];
const [tSmallHand, tSmallOurs] = timeAll([() => handAdd(so, sx, sy), () => oursBinary(kernels.add, SO, SX, SY)], 100_000);
console.log(`per-call cost at n = ${small}: kernels.add ${(tSmallOurs * 1e9).toFixed(0)} ns vs hand ${(tSmallHand * 1e9).toFixed(0)} ns (not a target)\n`);

console.log(`targets: matmul tiled >= 3x naive at n = 256: ${matmulPass ? "PASS" : "MISS"}; elementwise within 1.3x of hand: ${ewPass ? "PASS" : "MISS"}`);

function printTable(title: string, header: string[], body: string[][]): void {
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(title);
  console.log(line(header));
  console.log(widths.map((wd) => "-".repeat(wd)).join("  "));
  for (const r of body) console.log(line(r));
  console.log();
}
