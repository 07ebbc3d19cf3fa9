/**
 * Seeded pseudo-random numbers: xoshiro128** over four 32-bit words, pure integer arithmetic
 * (`Math.imul`, shifts), so a seed gives the same uniform stream on every machine. Library code
 * never calls `Math.random`.
 *
 * @module
 */
import { allocate, checkDType, type DType } from "./dtype.js";
import { ValueError } from "./errors.js";
import { view, type NDArray } from "./ndarray.js";
import { checkCount, checkShape, contiguousStrides } from "./shape.js";

const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

/** MurmurHash3 32-bit finalizer: a bijective mixer of one 32-bit word. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Fills `state` from two 32-bit words with a SplitMix-style sequence (never all zero). */
function seedState(state: Uint32Array, lo: number, hi: number): void {
  let x = lo;
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) | 0;
    state[i] = fmix32(x ^ fmix32((hi + i) | 0));
  }
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
}

/**
 * A seeded generator (xoshiro128**). The same seed yields the same numbers on every machine;
 * {@link PRNG.split} derives independent child streams deterministically. Normal samples use
 * `Math.log`/`Math.cos`/`Math.sin`, which V8 implements in software (fdlibm), so they too repeat
 * across machines running the same engine.
 *
 * @example
 * ```ts
 * import { PRNG } from "@ostl/core";
 * const rng = new PRNG(42);
 * const w = rng.normal([3, 2], 0, 0.1);
 * const child = rng.split();
 * const saved = rng.getState();
 * console.log(w.shape, child.next() < 1, rng.next() === PRNG.fromState(saved).next()); // [3, 2] true true
 * ```
 */
export class PRNG {
  private readonly s = new Uint32Array(4);

  /**
   * @param seed - any safe integer (negative allowed).
   * @throws {@link ValueError} naming the seed when it is non-finite, fractional or beyond 2^53.
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new ValueError("PRNG", `seed must be a finite safe integer, got ${seed}`);
    }
    const lo = ((seed % TWO_32) + TWO_32) % TWO_32;
    seedState(this.s, lo, Math.floor(seed / TWO_32) | 0);
  }

  /**
   * A generator continuing from a state saved with {@link PRNG.getState} (four 32-bit words,
   * not all zero).
   * @throws {@link ValueError} naming the words when they are not a valid state.
   */
  static fromState(words: readonly number[]): PRNG {
    const valid = words.length === 4 && words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_32) && words.some((w) => w !== 0);
    if (!valid) throw new ValueError("PRNG.fromState", `need four 32-bit unsigned integers, not all zero, got [${words.join(",")}]`);
    const g = new PRNG(0);
    g.s.set(words);
    return g;
  }

  /** The current state (four 32-bit words), to checkpoint and later resume with {@link PRNG.fromState}. */
  getState(): number[] {
    return Array.from(this.s);
  }

  /** Next raw 32-bit output (unsigned). */
  private next32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }

  /** A uniform integer in [0, 2^53). */
  private next53(): number {
    return (this.next32() >>> 5) * 67108864 + (this.next32() >>> 6);
  }

  /**
   * A child generator seeded from this one's next four outputs (advancing this stream).
   * Children of the same parent state are always the same.
   */
  split(): PRNG {
    const child = new PRNG(0);
    const lo = this.next32() ^ this.next32();
    seedState(child.s, lo, this.next32() ^ fmix32(this.next32()));
    return child;
  }

  /** A uniform number in [0, 1) with 53 random bits. */
  next(): number {
    return this.next53() / TWO_53;
  }

  /**
   * A new array of uniform samples in [low, high).
   * @throws {@link ValueError} unless `low < high`, both finite.
   */
  uniform(shape: readonly number[], low = 0, high = 1, dtype: DType = "float64"): NDArray {
    if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
      throw new ValueError("uniform", `need finite low < high, got low ${low}, high ${high}`);
    }
    const f32 = checkDType("uniform", dtype) === "float32";
    const values = allocate("uniform", "float64", checkShape("uniform", shape)) as Float64Array;
    const span = high - low;
    for (let i = 0; i < values.length; i++) {
      let v: number;
      // Rounding (to float64, or to float32 below) can reach `high`; redraw those rare values.
      do v = low + span * this.next();
      while (v >= high || (f32 && Math.fround(v) >= high));
      values[i] = v;
    }
    return wrap("uniform", values, shape, dtype);
  }

  /**
   * A new array of normal samples (Box-Muller).
   * @throws {@link ValueError} unless `mean` is finite and `std` finite and non-negative.
   */
  normal(shape: readonly number[], mean = 0, std = 1, dtype: DType = "float64"): NDArray {
    if (!(Number.isFinite(mean) && Number.isFinite(std) && std >= 0)) {
      throw new ValueError("normal", `need finite mean and std >= 0, got mean ${mean}, std ${std}`);
    }
    checkDType("normal", dtype);
    const values = allocate("normal", "float64", checkShape("normal", shape)) as Float64Array;
    for (let i = 0; i < values.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - this.next()));
      const theta = 2 * Math.PI * this.next();
      values[i] = mean + std * r * Math.cos(theta);
      if (i + 1 < values.length) values[i + 1] = mean + std * r * Math.sin(theta);
    }
    return wrap("normal", values, shape, dtype);
  }

  /**
   * A uniform integer in [0, n), without modulo bias.
   * @throws {@link ValueError} unless `n` is a positive integer up to 2^53.
   */
  integers(n: number): number {
    if (!(Number.isInteger(n) && n >= 1 && n <= TWO_53)) {
      throw new ValueError("integers", `n must be an integer in [1, 2^53], got ${n}`);
    }
    const limit = TWO_53 - (TWO_53 % n);
    let k: number;
    do k = this.next53();
    while (k >= limit);
    return k % n;
  }

  /**
   * A uniformly random ordering of `0 .. n-1` (Fisher-Yates).
   * @throws {@link ValueError} unless `n` is a non-negative integer.
   */
  permutation(n: number): number[] {
    checkCount("permutation", "n", n);
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.integers(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

/** 32-bit rotate left. */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Dense array of `shape` from float64 samples, rounded once to float32 when asked. */
function wrap(op: string, values: Float64Array, shape: readonly number[], dtype: DType): NDArray {
  const data = dtype === "float64" ? values : allocate(op, "float32", shape, values);
  return view(data, shape, contiguousStrides(shape), 0);
}
