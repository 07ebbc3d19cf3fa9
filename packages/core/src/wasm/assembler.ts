/**
 * A small WebAssembly binary writer: just the instructions the trace kernels use (integer address
 * arithmetic, blocks and loops, f64 and f64x2 loads, stores, adds and multiplies), as named
 * functions that append their bytes, so that a kernel reads as its instruction sequence. The
 * encoding follows the WebAssembly core specification (binary format, section 5) and its SIMD
 * proposal (standardised in version 2.0).
 *
 * @module
 */

/**
 * Value types of locals and parameters, by their binary codes.
 *
 * @example
 * ```ts
 * import { valueType } from "@ostl/core";
 * console.log(valueType.i32, valueType.f64, valueType.v128); // 127 124 123
 * ```
 */
export const valueType = { i32: 0x7f, f64: 0x7c, v128: 0x7b } as const;
type ValueType = (typeof valueType)[keyof typeof valueType];

/** Unsigned LEB128. */
function unsigned(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** Signed LEB128 of a 32-bit integer. */
function signed(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

/** A vector of items: its length, then the items. */
const vector = (items: readonly number[][]) => [...unsigned(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...unsigned(body.length), ...body];
const name = (text: string) => vector([...new TextEncoder().encode(text)].map((b) => [b]));

/**
 * The body of one function: declare locals, then append instructions. Each method appends one
 * instruction (or a short fixed sequence) and returns the builder.
 *
 * @example
 * ```ts
 * import { FunctionBuilder, valueType, wasmModule } from "@ostl/core";
 * // (i32) -> i32: returns its argument plus 2
 * const f = new FunctionBuilder([valueType.i32], [valueType.i32]);
 * f.get(0).i32(2).add();
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * const instance = new WebAssembly.Instance(new WebAssembly.Module(wasmModule([f], ["addTwo"])), { env: { memory } });
 * console.log((instance.exports.addTwo as (x: number) => number)(40)); // 42
 * ```
 */
export class FunctionBuilder {
  private readonly code: number[] = [];
  private readonly locals: ValueType[] = [];

  constructor(
    readonly params: readonly ValueType[],
    readonly results: readonly ValueType[] = [],
  ) {}

  /** A new local of `type`; returns its index. */
  local(type: ValueType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  /** local.get */
  get(index: number): this {
    return this.emit(0x20, ...unsigned(index));
  }

  /** local.set */
  set(index: number): this {
    return this.emit(0x21, ...unsigned(index));
  }

  /** i32.const */
  i32(value: number): this {
    return this.emit(0x41, ...signed(value));
  }

  /** i32.add */
  add(): this {
    return this.emit(0x6a);
  }

  /** i32.mul */
  mul(): this {
    return this.emit(0x6c);
  }

  /** i32.and */
  and(): this {
    return this.emit(0x71);
  }

  /** i32.lt_u */
  ltU(): this {
    return this.emit(0x49);
  }

  /** i32.ge_u */
  geU(): this {
    return this.emit(0x4f);
  }

  /** i32.eqz */
  eqz(): this {
    return this.emit(0x45);
  }

  /** block … end with no result; `body` appends the inside. */
  block(body: () => void): this {
    this.emit(0x02, 0x40);
    body();
    return this.emit(0x0b);
  }

  /** loop … end with no result; a branch of depth 0 inside restarts it. */
  loop(body: () => void): this {
    this.emit(0x03, 0x40);
    body();
    return this.emit(0x0b);
  }

  /** br_if to the enclosing block or loop `depth` levels out. */
  brIf(depth: number): this {
    return this.emit(0x0d, ...unsigned(depth));
  }

  /** br to the enclosing block or loop `depth` levels out. */
  br(depth: number): this {
    return this.emit(0x0c, ...unsigned(depth));
  }

  /** i32.load at the address on the stack plus `offset` bytes. */
  i32Load(offset = 0): this {
    return this.emit(0x28, 2, ...unsigned(offset));
  }

  /** f64.load at the address on the stack plus `offset` bytes. */
  f64Load(offset = 0): this {
    return this.emit(0x2b, 3, ...unsigned(offset));
  }

  /** f64.store (address, value). */
  f64Store(offset = 0): this {
    return this.emit(0x39, 3, ...unsigned(offset));
  }

  /** f64.add */
  f64Add(): this {
    return this.emit(0xa0);
  }

  /** f64.mul */
  f64Mul(): this {
    return this.emit(0xa2);
  }

  /** v128.load (16 bytes) at the address on the stack plus `offset`. */
  v128Load(offset = 0): this {
    return this.emit(0xfd, ...unsigned(0x00), 4, ...unsigned(offset));
  }

  /** v128.store (address, value). */
  v128Store(offset = 0): this {
    return this.emit(0xfd, ...unsigned(0x0b), 4, ...unsigned(offset));
  }

  /** v128.const with every bit zero (two f64 lanes of +0). */
  v128Zero(): this {
    return this.emit(0xfd, ...unsigned(0x0c), ...new Array<number>(16).fill(0));
  }

  /** v128.load64_splat: one f64 at the address plus `offset`, in both lanes. */
  f64x2LoadSplat(offset = 0): this {
    return this.emit(0xfd, ...unsigned(0x0a), 3, ...unsigned(offset));
  }

  /** f64x2.extract_lane: lane `lane` (0 or 1) of the v128 on the stack, as an f64. */
  f64x2ExtractLane(lane: 0 | 1): this {
    return this.emit(0xfd, ...unsigned(33), lane);
  }

  /** f64x2.splat: the f64 on the stack in both lanes. */
  f64x2Splat(): this {
    return this.emit(0xfd, ...unsigned(20));
  }

  /** f64x2.sub */
  f64x2Sub(): this {
    return this.emit(0xfd, ...unsigned(241));
  }

  /** f64x2.div */
  f64x2Div(): this {
    return this.emit(0xfd, ...unsigned(243));
  }

  /** f64x2.sqrt */
  f64x2Sqrt(): this {
    return this.emit(0xfd, ...unsigned(239));
  }

  /** v128.const: the 16 bytes of two f64 lanes. */
  f64x2Const(low: number, high: number = low): this {
    const bytes = new Uint8Array(new Float64Array([low, high]).buffer);
    return this.emit(0xfd, ...unsigned(0x0c), ...bytes);
  }

  /** v128.const: the 16 bytes of two i64 lanes. */
  i64x2Const(low: bigint, high: bigint = low): this {
    const bytes = new Uint8Array(new BigInt64Array([low, high]).buffer);
    return this.emit(0xfd, ...unsigned(0x0c), ...bytes);
  }

  /** f64x2.abs */
  f64x2Abs(): this {
    return this.emit(0xfd, ...unsigned(236));
  }

  /** f64x2.neg */
  f64x2Neg(): this {
    return this.emit(0xfd, ...unsigned(237));
  }

  /** f64x2.trunc (toward zero) */
  f64x2Trunc(): this {
    return this.emit(0xfd, ...unsigned(122));
  }

  /** f64x2.lt: all ones in a lane where a < b. */
  f64x2Lt(): this {
    return this.emit(0xfd, ...unsigned(73));
  }

  /** f64x2.ne: all ones in a lane where a ≠ b (NaN included). */
  f64x2Ne(): this {
    return this.emit(0xfd, ...unsigned(72));
  }

  /** f64x2.gt: all ones in a lane where a > b. */
  f64x2Gt(): this {
    return this.emit(0xfd, ...unsigned(74));
  }

  /** f64x2.le: all ones in a lane where a <= b. */
  f64x2Le(): this {
    return this.emit(0xfd, ...unsigned(75));
  }

  /** f64x2.ge: all ones in a lane where a >= b. */
  f64x2Ge(): this {
    return this.emit(0xfd, ...unsigned(76));
  }

  /** f64x2.eq: all ones in a lane where a = b. */
  f64x2Eq(): this {
    return this.emit(0xfd, ...unsigned(71));
  }

  /** f64x2.min (NaN where either is NaN; -0 below +0). */
  f64x2Min(): this {
    return this.emit(0xfd, ...unsigned(244));
  }

  /** f64x2.max (NaN where either is NaN; +0 above -0). */
  f64x2Max(): this {
    return this.emit(0xfd, ...unsigned(245));
  }

  /** v128.not */
  v128Not(): this {
    return this.emit(0xfd, ...unsigned(77));
  }

  /** v128.and */
  v128And(): this {
    return this.emit(0xfd, ...unsigned(78));
  }

  /** v128.or */
  v128Or(): this {
    return this.emit(0xfd, ...unsigned(80));
  }

  /** v128.bitselect (a, b, mask): a's bits where the mask's are set, b's elsewhere. */
  bitselect(): this {
    return this.emit(0xfd, ...unsigned(82));
  }

  /** i64x2.sub */
  i64x2Sub(): this {
    return this.emit(0xfd, ...unsigned(209));
  }

  /** i64x2.shl by the i32 on the stack. */
  i64x2Shl(): this {
    return this.emit(0xfd, ...unsigned(203));
  }

  /** i8x16.shuffle (a, b): byte j of the result is byte `lanes[j]` of a (0–15) or of b (16–31). */
  i8x16Shuffle(lanes: readonly number[]): this {
    return this.emit(0xfd, ...unsigned(13), ...lanes);
  }

  /** f64x2.add */
  f64x2Add(): this {
    return this.emit(0xfd, ...unsigned(240));
  }

  /** f64x2.mul */
  f64x2Mul(): this {
    return this.emit(0xfd, ...unsigned(242));
  }

  private emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  /** The function's entry in the code section: its locals, run-length grouped, then its instructions and `end`. */
  body(): number[] {
    const groups: number[][] = [];
    for (const type of this.locals) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === type) last[0]!++;
      else groups.push([1, type]);
    }
    const bytes = [...vector(groups.map(([count, type]) => [...unsigned(count!), type!])), ...this.code, 0x0b];
    return [...unsigned(bytes.length), ...bytes];
  }
}

/**
 * A module of `functions`, exported under `names`, that imports its memory as `env.memory` (so
 * that the caller keeps typed-array views over it).
 *
 * @example
 * ```ts
 * import { FunctionBuilder, valueType, wasmModule } from "@ostl/core";
 * // (address) -> (): doubles the f64 at that address
 * const f = new FunctionBuilder([valueType.i32]);
 * f.get(0).get(0).f64Load().get(0).f64Load().f64Add().f64Store();
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * const { double } = new WebAssembly.Instance(new WebAssembly.Module(wasmModule([f], ["double"])), { env: { memory } }).exports as { double(at: number): void };
 * const values = new Float64Array(memory.buffer, 0, 2);
 * values[1] = 1.5;
 * double(8);
 * console.log([...values]); // [0, 3]
 * ```
 */
export function wasmModule(functions: readonly FunctionBuilder[], names: readonly string[]): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector(f.results.map((t) => [t]))]);
  const memoryImport = [...name("env"), ...name("memory"), 0x02, 0x00, 0x01];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(functions.map((_f, i) => unsigned(i)))),
    ...section(7, vector(names.map((n, i) => [...name(n), 0x00, ...unsigned(i)]))),
    ...section(10, vector(functions.map((f) => f.body()))),
  ]);
}
