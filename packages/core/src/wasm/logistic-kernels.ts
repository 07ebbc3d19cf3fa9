/**
 * The logistic function and softplus over float64 arrays as WebAssembly SIMD kernels, two entries
 * per instruction, equal bit for bit to {@link sigmoidScalar} and {@link softplusScalar}, whose
 * `Math.exp` and `Math.log1p` are V8's ports of fdlibm's: the kernels follow fdlibm's
 * `__ieee754_exp` (for the argument -|x| ≤ 0) and `log1p` (for an argument in [0, 1]) operation
 * by operation, their branches taken as lane masks. Ports of both in JavaScript matched `Math.exp`
 * and `Math.log1p` on 10⁷ random arguments each with no difference; the tests compare the kernels
 * with the scalar functions at the edges of every branch and at random arguments of every scale.
 *
 * Measured on 88 and 150 entries (Node 20, 2-core VM, copies in and out of the kernels' memory
 * included): the sigmoid 13–18 ns per entry where `sigmoidScalar` takes 17–26, softplus 31–35
 * where `softplusScalar` takes 36–45 (every lane computes each branch of log1p, three divisions
 * among them).
 *
 * @module
 */
import { FunctionBuilder, valueType } from "./assembler.js";
import { WasmKernels } from "./runtime.js";

const { i32, v128 } = valueType;

/** The double whose bits are `bits`. */
const fromBits = (bits: bigint): number => new Float64Array(new BigUint64Array([bits]).buffer)[0]!;

// fdlibm's constants (e_exp.c)
const INVLN2 = 1.442695040888963387;
const LN2HI = 6.9314718036912381649e-1;
const LN2LO = 1.90821492927058770002e-10;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.6533902205465251539e-6;
const P5 = 4.13813679705723846039e-8;
/** Below this, exp underflows to 0. */
const U_THRESHOLD = -7.4513321910194110842e2;
/** |a| below this (high word 0x3fd62e43): no reduction, k = 0. */
const SMALL = fromBits(0x3fd62e4300000000n);
/** |a| below 2^-28: exp(a) = 1 + a. */
const TINY = 2 ** -28;
/** 1.5 · 2^52: k + ROUND holds k in the low bits of its significand. */
const ROUND = 6755399441055744;
/** The bits of ROUND less the bias that makes k the exponent field of 2^(k + 600). */
const EXPONENT_OFFSET = new BigInt64Array(new Float64Array([ROUND]).buffer)[0]! - 1623n;

/** fdlibm's log1p constants (s_log1p.c). */
const LP = [6.66666666666673513e-1, 3.999999999940941908e-1, 2.857142874366239149e-1, 2.222219843214978396e-1, 1.818357216161805012e-1, 1.531383769920937332e-1, 1.479819860511658591e-1];
/** Thresholds of log1p's branches on high words, as the doubles where those words start (for x: 0x3e200000, 0x3c900000, 0x3fda827a; for u = 1 + x: 0x3ff6a09e, 0x3ffffffd). */
const [LOG1P_TINY, LOG1P_TINIER, LOG1P_SMALL, SQRT2_HU, NEAR_TWO] = [0x3e20000000000000n, 0x3c90000000000000n, 0x3fda827a00000000n, 0x3ff6a09e00000000n, 0x3ffffffd00000000n].map(fromBits) as [number, number, number, number, number];

/** A function builder with its v128 constants in locals, set where the body is made (before its loop). */
class KernelBody {
  private readonly constants = new Map<number, number>();

  constructor(
    readonly f: FunctionBuilder,
    values: readonly number[],
  ) {
    for (const value of values) {
      const local = this.f.local(v128);
      this.f.f64x2Const(value).set(local);
      this.constants.set(value, local);
    }
  }

  /** Pushes the constant `value` (both lanes). */
  c(value: number): FunctionBuilder {
    return this.f.get(this.constants.get(value)!);
  }

  /** A new v128 local. */
  local(): number {
    return this.f.local(v128);
  }
}

/** e = exp(a) for a ≤ 0 in the local `a`, as fdlibm's __ieee754_exp computes it, into the local `e`. */
function emitExp(k: KernelBody, a: number, e: number): void {
  const f = k.f;
  const [kk, hi, lo, r, t, c, y, small] = Array.from({ length: 8 }, () => k.local());
  // k = trunc(a / ln 2 - 0.5), or 0 for |a| < SMALL (no reduction)
  f.get(a).f64x2Abs();
  k.c(SMALL).f64x2Lt().set(small);
  f.v128Zero();
  k.c(INVLN2).get(a).f64x2Mul();
  k.c(0.5).f64x2Sub().f64x2Trunc().get(small).bitselect().set(kk);
  // hi = a - k ln2_hi, lo = k ln2_lo, r = hi - lo
  f.get(a).get(kk);
  k.c(LN2HI).f64x2Mul().f64x2Sub().set(hi);
  f.get(kk);
  k.c(LN2LO).f64x2Mul().set(lo);
  f.get(hi).get(lo).f64x2Sub().set(r);
  // c = r - t (P1 + t (P2 + t (P3 + t (P4 + t P5)))), t = r²
  f.get(r).get(r).f64x2Mul().set(t);
  f.get(t);
  k.c(P5).f64x2Mul();
  k.c(P4).f64x2Add().get(t).f64x2Mul();
  k.c(P3).f64x2Add().get(t).f64x2Mul();
  k.c(P2).f64x2Add().get(t).f64x2Mul();
  k.c(P1).f64x2Add().get(t).f64x2Mul().set(c);
  f.get(r).get(c).f64x2Sub().set(c);
  // y = 1 - ((lo - r c / (2 - c)) - hi)
  k.c(1).get(lo).get(r).get(c).f64x2Mul();
  k.c(2).get(c).f64x2Sub().f64x2Div().f64x2Sub().get(hi).f64x2Sub().f64x2Sub().set(y);
  // e = (y · 2^(k + 600)) · 2^-600, 2^(k + 600) made from k's bits in k + ROUND
  f.get(y).get(kk);
  k.c(ROUND).f64x2Add().i64x2Const(EXPONENT_OFFSET).i64x2Sub().i32(52).i64x2Shl().f64x2Mul();
  k.c(2 ** -600).f64x2Mul().set(e);
  // |a| < 2^-28: 1 + a; a < U_THRESHOLD: 0
  k.c(1).get(a).f64x2Add().get(e).get(a).f64x2Abs();
  k.c(TINY).f64x2Lt().bitselect().set(e);
  f.v128Zero().get(e).get(a);
  k.c(U_THRESHOLD).f64x2Lt().bitselect().set(e);
}

/**
 * l = log1p(x) for x in [0, 1] in the local `x`, as fdlibm's log1p computes it, into the local
 * `l`. Its branches on the high words of x and of u = 1 + x become comparisons of doubles
 * (monotonic in the high word for positive numbers): x < 2^-29 (x, or x - x²/2 above 2^-54);
 * x < 0.41422 (k = 0, f = x); else k and f from u, halved above sqrt(2)'s high word, with the
 * correction c = (x - (u - 1)) / u, or (1 - (u - x)) / u when u = 2, and the short form where the
 * high word of f's remainder is 0 (u = 2, or u within 2^-18 below 2).
 */
function emitLog1p(k: KernelBody, x: number, l: number): void {
  const f = k.f;
  const [u, isTwo, big, kk, c, fr, hfsq, s, z, r, main, special] = Array.from({ length: 12 }, () => k.local());
  f.get(x);
  k.c(1).f64x2Add().set(u);
  f.get(u);
  k.c(2).f64x2Ge().set(isTwo);
  // big: u's high word at or above sqrt(2)'s (and u < 2): u is halved and k is 1
  f.get(u);
  k.c(SQRT2_HU).f64x2Ge().get(isTwo).v128Not().v128And().set(big);
  // k = 1 where big or u = 2, else 0 (as a double)
  k.c(1).f64x2Const(0).get(big).get(isTwo).v128Or().bitselect().set(kk);
  // c = (u = 2 ? 1 - (u - x) : x - (u - 1)) / u
  k.c(1).get(u).get(x).f64x2Sub().f64x2Sub();
  f.get(x).get(u);
  k.c(1).f64x2Sub().f64x2Sub().get(isTwo).bitselect().get(u).f64x2Div().set(c);
  // f = x below 0.41422, else u' - 1 with u' = u / 2 where big, 1 where u = 2, else u
  f.get(x).get(u);
  k.c(0.5).f64x2Mul();
  k.c(1).get(u).get(isTwo).bitselect().get(big).bitselect();
  k.c(1).f64x2Sub().get(x);
  k.c(LOG1P_SMALL).f64x2Lt().bitselect().set(fr);
  // where x < 0.41422: k = 0 (and c unused)
  f.v128Zero().get(kk).get(x);
  k.c(LOG1P_SMALL).f64x2Lt().bitselect().set(kk);
  f.get(fr);
  k.c(0.5).f64x2Mul().get(fr).f64x2Mul().set(hfsq);
  // the general form: s = f / (2 + f), R = z (Lp1 + z (... + z Lp7)), z = s²
  f.get(fr);
  k.c(2).get(fr).f64x2Add().f64x2Div().set(s);
  f.get(s).get(s).f64x2Mul().set(z);
  f.get(z);
  k.c(LP[6]!).f64x2Mul();
  for (let j = 5; j >= 0; j--) {
    k.c(LP[j]!).f64x2Add();
    if (j > 0) f.get(z).f64x2Mul();
  }
  f.get(z).f64x2Mul().set(r);
  // k = 0: f - (hfsq - s (hfsq + R)); else k ln2_hi - ((hfsq - (s (hfsq + R) + (k ln2_lo + c))) - f)
  f.get(fr).get(hfsq).get(s).get(hfsq).get(r).f64x2Add().f64x2Mul().f64x2Sub().f64x2Sub();
  f.get(kk);
  k.c(LN2HI).f64x2Mul().get(hfsq).get(s).get(hfsq).get(r).f64x2Add().f64x2Mul().get(kk);
  k.c(LN2LO).f64x2Mul().get(c).f64x2Add().f64x2Add().f64x2Sub().get(fr).f64x2Sub().f64x2Sub();
  f.get(kk).v128Zero().f64x2Eq().bitselect().set(main);
  // the short form (k = 1 there): f = 0: ln2_hi + (c + ln2_lo); else ln2_hi - ((R' - (ln2_lo + c)) - f), R' = hfsq (1 - 0.666... f)
  f.get(kk);
  k.c(LN2HI).f64x2Mul().get(c).get(kk);
  k.c(LN2LO).f64x2Mul().f64x2Add().f64x2Add();
  f.get(kk);
  k.c(LN2HI).f64x2Mul().get(hfsq);
  k.c(1);
  k.c(0.66666666666666666).get(fr).f64x2Mul().f64x2Sub().f64x2Mul().get(kk);
  k.c(LN2LO).f64x2Mul().get(c).f64x2Add().f64x2Sub().get(fr).f64x2Sub().f64x2Sub();
  f.get(fr).v128Zero().f64x2Eq().bitselect().set(special);
  // which form: the short one where u = 2, or u is big and within 2^-18 below 2
  f.get(special).get(main).get(isTwo).get(big).get(u);
  k.c(NEAR_TWO).f64x2Ge().v128And().v128Or().bitselect().set(l);
  // x < 2^-29: x below 2^-54, else x - x x 0.5
  f.get(x).get(x).get(x).get(x).f64x2Mul();
  k.c(0.5).f64x2Mul().f64x2Sub().get(x);
  k.c(LOG1P_TINIER).f64x2Lt().bitselect().get(l).get(x);
  k.c(LOG1P_TINY).f64x2Lt().bitselect().set(l);
}

/** The kernel loop: for byte offsets i < end, two entries at a time, `body(x, y)` writes the local y from the local x. */
function elementwiseFunction(constants: readonly number[], body: (k: KernelBody, x: number, y: number) => void): FunctionBuilder {
  const k = new KernelBody(new FunctionBuilder([i32, i32, i32]), constants);
  const f = k.f;
  const [input, output, end] = [0, 1, 2];
  const i = f.local(i32);
  const [x, y] = [k.local(), k.local()];
  f.i32(0).set(i);
  f.block(() =>
    f.loop(() => {
      f.get(i).get(end).geU().brIf(1);
      f.get(i).get(input).add().v128Load().set(x);
      body(k, x, y);
      f.get(i).get(output).add().get(y).v128Store();
      f.get(i).i32(16).add().set(i);
      f.br(0);
    }),
  );
  return f;
}

const EXP_CONSTANTS = [SMALL, INVLN2, 0.5, LN2HI, LN2LO, P1, P2, P3, P4, P5, 1, 2, ROUND, 2 ** -600, TINY, U_THRESHOLD];
const SOFTPLUS_CONSTANTS = [...EXP_CONSTANTS, ...LP, LOG1P_TINY, LOG1P_TINIER, LOG1P_SMALL, SQRT2_HU, NEAR_TWO, 0.66666666666666666];

/** y = (x >= 0 ? 1 : e) / (1 + e), e = exp(-|x|): one division, its numerator chosen first. */
function emitSigmoid(k: KernelBody, x: number, y: number): void {
  const [a, e] = [k.local(), k.local()];
  k.f.get(x).f64x2Abs().f64x2Neg().set(a);
  emitExp(k, a, e);
  k.c(1).get(e).get(x).v128Zero().f64x2Ge().bitselect();
  k.c(1).get(e).f64x2Add().f64x2Div().set(y);
}

/** y = max(x, 0) + log1p(exp(-|x|)), as softplusScalar. */
function emitSoftplus(k: KernelBody, x: number, y: number): void {
  const [a, e, l] = [k.local(), k.local(), k.local()];
  k.f.get(x).f64x2Abs().f64x2Neg().set(a);
  emitExp(k, a, e);
  emitLog1p(k, e, l);
  k.f.get(x).v128Zero().f64x2Max().get(l).f64x2Add().set(y);
}

const sigmoidFunction = () => elementwiseFunction(EXP_CONSTANTS, emitSigmoid);
const softplusFunction = () => elementwiseFunction(SOFTPLUS_CONSTANTS, emitSoftplus);

/**
 * The logistic function and softplus of two float64 lanes, for other kernels' loops, with the
 * values of {@link WasmLogistic}'s kernels (and so of `sigmoidScalar` and `softplusScalar`) bit
 * for bit. Made before the loop (its constants go into locals of `f` there); inside it,
 * `sigmoid(x, y)` and `softplus(x, y)` write the v128 local `y` from the v128 local `x`.
 *
 * @example
 * ```ts
 * import { FunctionBuilder, LogisticLanes, sigmoidScalar, valueType, wasmModule } from "@ostl/core";
 * // (address): the two f64 there become their sigmoids
 * const f = new FunctionBuilder([valueType.i32]);
 * const lanes = new LogisticLanes(f);
 * const [x, y] = [f.local(valueType.v128), f.local(valueType.v128)];
 * f.get(0).v128Load().set(x);
 * lanes.sigmoid(x, y);
 * f.get(0).get(y).v128Store();
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * const { run } = new WebAssembly.Instance(new WebAssembly.Module(wasmModule([f], ["run"])), { env: { memory } }).exports as { run(at: number): void };
 * const values = new Float64Array(memory.buffer, 0, 2);
 * values.set([-3, 0.5]);
 * run(0);
 * console.log(Object.is(values[0], sigmoidScalar(-3)), Object.is(values[1], sigmoidScalar(0.5))); // true true
 * ```
 */
export class LogisticLanes {
  private readonly body: KernelBody;

  constructor(f: FunctionBuilder) {
    this.body = new KernelBody(f, SOFTPLUS_CONSTANTS);
  }

  sigmoid(x: number, y: number): void {
    emitSigmoid(this.body, x, y);
  }

  softplus(x: number, y: number): void {
    emitSoftplus(this.body, x, y);
  }
}

const kernels = new WasmKernels(() => ({ functions: [sigmoidFunction(), softplusFunction()], names: ["sigmoid", "softplus"] }));

/**
 * The logistic function and softplus over float64 arrays in WebAssembly memory: `sigmoid(x,
 * xOffset, out, outOffset, n)` and `softplus(...)` copy n entries of x in, apply the kernel and
 * copy them out, with {@link sigmoidScalar}'s and {@link softplusScalar}'s values bit for bit. The
 * memory grows to the longest array seen. `create()` is null where WebAssembly SIMD is missing.
 *
 * @example
 * ```ts
 * import { sigmoidScalar, softplusScalar, WasmLogistic } from "@ostl/core";
 * const x = new Float64Array([-800, -1, 0, 2, NaN]);
 * const [s, p] = [new Float64Array(5), new Float64Array(5)];
 * const kernels = WasmLogistic.create()!;
 * kernels.sigmoid(x, 0, s, 0, 5);
 * kernels.softplus(x, 0, p, 0, 5);
 * console.log([...s].every((v, i) => Object.is(v, sigmoidScalar(x[i]!))), [...p].every((v, i) => Object.is(v, softplusScalar(x[i]!)))); // true true
 * ```
 */
export class WasmLogistic {
  private capacity = 0;
  private input: Float64Array = new Float64Array(0);
  private output: Float64Array = new Float64Array(0);
  private kernels: { readonly sigmoid: Kernel; readonly softplus: Kernel } | null = null;

  private constructor() {}

  static create(): WasmLogistic | null {
    return kernels.module() === null ? null : new WasmLogistic();
  }

  sigmoid(x: Float64Array, xOffset: number, out: Float64Array, outOffset: number, n: number): void {
    this.run("sigmoid", x, xOffset, out, outOffset, n);
  }

  softplus(x: Float64Array, xOffset: number, out: Float64Array, outOffset: number, n: number): void {
    this.run("softplus", x, xOffset, out, outOffset, n);
  }

  private run(kernel: "sigmoid" | "softplus", x: Float64Array, xOffset: number, out: Float64Array, outOffset: number, n: number): void {
    if (n > this.capacity) this.grow(n);
    const [input, output] = [this.input, this.output];
    for (let k = 0; k < n; k++) input[k] = x[xOffset + k]!;
    this.kernels![kernel](input.byteOffset, output.byteOffset, 16 * Math.ceil(n / 2));
    for (let k = 0; k < n; k++) out[outOffset + k] = output[k]!;
  }

  private grow(n: number): void {
    const capacity = 2 * Math.ceil(n / 2);
    const made = kernels.instantiate([capacity, capacity])!;
    this.capacity = capacity;
    [this.input, this.output] = made.views as [Float64Array, Float64Array];
    this.kernels = { sigmoid: made.exports.sigmoid as Kernel, softplus: made.exports.softplus as Kernel };
  }
}

/** A kernel's signature: (input address, output address, end in bytes). */
type Kernel = (input: number, output: number, end: number) => void;
