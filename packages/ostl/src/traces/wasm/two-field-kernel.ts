import { FunctionBuilder, valueType, WasmKernels } from "@ostl/core";

/** Byte addresses of the kernel's buffers (see {@link WasmTwoFieldTrace}). */
interface TwoFieldAddresses {
  readonly trace0: number;
  readonly trace1: number;
  readonly sum: number;
  readonly D: number;
  readonly Dy: number;
  readonly I0: number;
  readonly I1: number;
  readonly Iy: number;
  readonly L: number;
}

/**
 * `twoFields()` for n units, two at a time in f64x2 lanes, the size and the addresses constants of
 * the function: per unit, from the old traces e_0 and e_1,
 *   g += L ((I^y + D^{y0} e_0) + D^{y1} e_1);  e_a = (I^a + D^{a0} e_0) + D^{a1} e_1
 * summed in the order of the JavaScript kernel (`materializedTraceUpdate` with two fields), so the
 * two agree bit for bit. With n odd the last lane pair computes one unit past n, into the padding
 * of the traces and the sum; its reads past D fall on the next buffer.
 */
function twoFieldsFunction(n: number, at: TwoFieldAddresses): FunctionBuilder {
  const { i32, v128 } = valueType;
  const f = new FunctionBuilder([]);
  const i = f.local(i32);
  const [o0, o1] = [f.local(v128), f.local(v128)];
  const row = 8 * n;
  f.i32(0).set(i);
  f.loop(() => {
    f.get(i).v128Load(at.trace0).set(o0);
    f.get(i).v128Load(at.trace1).set(o1);
    // g += L ((Iy + Dy0 e0) + Dy1 e1)
    f.get(i).get(i).v128Load(at.sum);
    f.get(i).v128Load(at.L);
    f.get(i).v128Load(at.Iy).get(i).v128Load(at.Dy).get(o0).f64x2Mul().f64x2Add();
    f.get(i).v128Load(at.Dy + row).get(o1).f64x2Mul().f64x2Add();
    f.f64x2Mul().f64x2Add().v128Store(at.sum);
    // e_a = (I_a + D_a0 e0) + D_a1 e1, D_ab at (2 a + b) rows
    for (const [trace, I, a] of [[at.trace0, at.I0, 0], [at.trace1, at.I1, 1]] as const) {
      f.get(i);
      f.get(i).v128Load(I).get(i).v128Load(at.D + 2 * a * row).get(o0).f64x2Mul().f64x2Add();
      f.get(i).v128Load(at.D + (2 * a + 1) * row).get(o1).f64x2Mul().f64x2Add();
      f.v128Store(trace);
    }
    f.get(i).i32(16).add().set(i);
    f.get(i).i32(16 * Math.ceil(n / 2)).ltU().brIf(0);
  });
  return f;
}

/** One kernel module per unit count. */
const modules = new Map<number, WasmKernels>();

/**
 * The traces and gradient of a diag-structured parameter of a layer with two state fields (an
 * SNU's or LSTM's bias), in a WebAssembly memory of their own, and the SIMD kernel that applies a
 * step: `run(D, Dy, I0, I1, Iy, L)` copies the step's packed diagonals (D 4 x n, `D[(a·2 + b)·n +
 * i]`; D^y 2 x n), immediate terms and learning signal in, then updates `trace0`, `trace1` and
 * `sum` in place, with `materializedTraceUpdate`'s values bit for bit. `create` returns null where
 * WebAssembly SIMD is not available.
 *
 * @example
 * ```ts
 * import { WasmTwoFieldTrace } from "@ostl/ostl";
 * const bias = WasmTwoFieldTrace.create(2)!;
 * // D = I, D^y = (1, 0), I^0 = (1, 2), I^1 = 0, I^y = 0, L = (1, 1): ε^0 = (1, 2), g = 0 (old traces)
 * bias.run([1, 1, 0, 0, 0, 0, 1, 1], [1, 1, 0, 0], [1, 2], [0, 0], [0, 0], [1, 1]);
 * bias.run([1, 1, 0, 0, 0, 0, 1, 1], [1, 1, 0, 0], [0, 0], [0, 0], [0, 0], [1, 1]);
 * console.log([...bias.trace0], [...bias.sum]); // [1, 2] [1, 2]
 * ```
 */
export class WasmTwoFieldTrace {
  readonly trace0: Float64Array;
  readonly trace1: Float64Array;
  readonly sum: Float64Array;
  private readonly inputs: readonly [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  private readonly kernel: () => void;

  private constructor(views: readonly Float64Array[], kernel: () => void) {
    const [trace0, trace1, sum, D, Dy, I0, I1, Iy, L] = views as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    [this.trace0, this.trace1, this.sum] = [trace0, trace1, sum];
    this.inputs = [D, Dy, I0, I1, Iy, L];
    this.kernel = kernel;
  }

  /** Buffers and kernel for n units, or null where WebAssembly SIMD is not available. */
  static create(n: number): WasmTwoFieldTrace | null {
    const sizes = [n, n, n, 4 * n, 2 * n, n, n, n, n];
    let kernels = modules.get(n);
    if (kernels === undefined) {
      modules.set(
        n,
        (kernels = new WasmKernels(() => {
          const [trace0, trace1, sum, D, Dy, I0, I1, Iy, L] = WasmKernels.layout(sizes).addresses as [number, number, number, number, number, number, number, number, number];
          return { functions: [twoFieldsFunction(n, { trace0, trace1, sum, D, Dy, I0, I1, Iy, L })], names: ["twoFields"] };
        })),
      );
    }
    const made = kernels.instantiate(sizes);
    return made === null ? null : new WasmTwoFieldTrace(made.views, made.exports.twoFields as () => void);
  }

  /** Applies one step (each argument of the length the layout says). */
  run(D: ArrayLike<number>, Dy: ArrayLike<number>, I0: ArrayLike<number>, I1: ArrayLike<number>, Iy: ArrayLike<number>, L: ArrayLike<number>): void {
    const [d, dy, i0, i1, iy, l] = this.inputs;
    d.set(D);
    dy.set(Dy);
    i0.set(I0);
    i1.set(I1);
    iy.set(Iy);
    l.set(L);
    this.kernel();
  }
}
