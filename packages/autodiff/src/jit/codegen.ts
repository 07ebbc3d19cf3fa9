import * as core from "@ostl/core";
import { contiguousStrides, type DType, NDArray, type TypedArray, WasmKernels, WasmLogistic } from "@ostl/core";
import type { IrConst, IrEquation, IrVar } from "../ir.js";
import { aliasOf, freshOutputs } from "./aliases.js";
import { emitFused, fusionRuns, isElementwise, literal, tableOp } from "./fusion.js";
import type { Dense } from "./loops.js";
import { emitMatmul, type MatrixOperand } from "./matmul-rule.js";
import type { SimplifiedGraph } from "./simplify.js";
import { structureRules } from "./structure-rules.js";
import { operandReading, wasmCapable, type WasmOperand, type WasmRunPlan, wasmFusable, wasmRunFunction, wasmRunPeriod } from "./wasm-fusion.js";
import { copyRunInto, ProgramProducts, type ProductSpec, wasmProductsAvailable } from "./wasm-products.js";

type Atom = IrVar | IrConst;

/**
 * A graph compiled to one JavaScript function: `run(leaves)` takes the argument leaves in flatten
 * order and returns the output leaves (fresh arrays); `source` is the generated code.
 *
 * @example
 * ```ts
 * import { generate, simplify, tanh, tensor, trace } from "@ostl/autodiff";
 * const program = generate(simplify(trace((x) => tanh(x), tensor([0, 1]))));
 * console.log((program.run([tensor([0, 1])])[0] as { toNested(): unknown }).toNested()); // [0, 0.7615941559557649]
 * ```
 */
export interface CompiledProgram {
  readonly source: string;
  /**
   * Runs the program. With `GenerateOptions.outputsInOneArray` and fresh outputs of one dtype,
   * `into` gives the array they are written into, from `into.offset` on (`outputFloats` entries),
   * in place of one allocated by the call.
   */
  run(leaves: readonly (NDArray | number)[], into?: OutputArray): (NDArray | number)[];
  /** Entries of the array a call's fresh outputs share (0 unless `outputsInOneArray`). */
  readonly outputFloats: number;
}

/**
 * Where a program writes its fresh outputs (see {@link CompiledProgram.run}): an array of their
 * dtype, from `offset` on.
 *
 * @example
 * ```ts
 * import { add, generate, simplify, tensor, trace, type OutputArray } from "@ostl/autodiff";
 * const program = generate(simplify(trace((x) => [add(x, 1), add(x, 2)], tensor([0, 0]))), { outputsInOneArray: true });
 * const into: OutputArray = { data: new Float64Array(6), offset: 1 };
 * program.run([tensor([10, 20])], into);
 * console.log(program.outputFloats, [...into.data]); // 4 [0, 11, 21, 12, 22, 0]
 * ```
 */
export interface OutputArray {
  readonly data: TypedArray;
  readonly offset: number;
}

/** What the generated function receives as `rt`: kernels, helpers, constants, fallback ops. */
interface Runtime {
  kernels: typeof core.kernels;
  sigmoidScalar: (x: number) => number;
  softplusScalar: (x: number) => number;
  allocate: (dtype: DType, size: number) => TypedArray;
  view: (data: TypedArray, shape: readonly number[], stride: readonly number[], offset: number) => NDArray;
  copyOut: (data: TypedArray, offset: number, shape: readonly number[]) => NDArray;
  copyOf: (x: NDArray) => NDArray;
  consts: NDArray[];
  /** The WebAssembly side of the program's products of fixed matrices (null when it has none). */
  products: ProgramProducts | null;
  /** The logistic function and softplus over float64 arrays by WebAssembly SIMD kernels (see WasmLogistic). */
  sigmoid: WasmLogistic["sigmoid"];
  softplus: WasmLogistic["softplus"];
  fallbacks: { impl(args: readonly (NDArray | number)[], params: unknown): NDArray; params: unknown }[];
  /** The program's arena: float64 arrays over its WebAssembly memory, by slot (empty without WebAssembly fused loops). */
  arena: Float64Array[];
  /** The fused loops compiled to WebAssembly, `f0`, `f1`, ... (empty without them). */
  wasm: Record<string, unknown>;
  /** Copies an argument's or a fresh output's elements, from `offset` on, into an arena slot. */
  stage: (slot: Float64Array, data: Float64Array, offset: number) => void;
}

/** The SIMD logistic kernels that every program shares (null where WebAssembly SIMD is missing). */
const wasmLogistic = WasmLogistic.create();

/** Float64 sigmoids and softpluses of at least this many entries run as SIMD kernels (fewer: in the fused loop). */
const VECTOR_LOGISTIC = 16;

/** Float64 fused runs of at least this many elements compile to WebAssembly loops where they can (fewer: JavaScript loops). */
const WASM_FUSION = 16;

/**
 * Whether an elementwise equation runs as a kernel over whole arrays instead of in a fused loop:
 * a float64 sigmoid or softplus of at least VECTOR_LOGISTIC entries, by the SIMD kernels, which
 * give `sigmoidScalar`'s and `softplusScalar`'s values bit for bit at a fraction of their cost.
 */
function vectorized(eq: IrEquation): boolean {
  const name = tableOp(eq);
  return wasmLogistic !== null && (name === "sigmoid" || name === "softplus") && eq.out.dtype === "float64" && sizeOf(eq.out.shape) >= VECTOR_LOGISTIC && eq.inputs[0]!.kind === "var";
}

const helpers: Omit<Runtime, "consts" | "fallbacks" | "products" | "arena" | "wasm"> = {
  sigmoid: (x, xOffset, out, outOffset, n) => wasmLogistic!.sigmoid(x, xOffset, out, outOffset, n),
  softplus: (x, xOffset, out, outOffset, n) => wasmLogistic!.softplus(x, xOffset, out, outOffset, n),
  kernels: core.kernels,
  sigmoidScalar: core.sigmoidScalar,
  softplusScalar: core.softplusScalar,
  allocate: (dtype, size) => core.allocate("jit", dtype, [size]),
  // the generated code passes array literals, made anew at each call: the view keeps them
  view: (data, shape, stride, offset) => new NDArray({ data, shape, stride, offset } as never),
  copyOut: (data, offset, shape) => {
    const out = core.zeros(shape, data instanceof Float64Array ? "float64" : "float32");
    const o = out.data;
    for (let k = 0; k < o.length; k++) o[k] = data[offset + k]!;
    return out;
  },
  copyOf: (x) => core.copy(x),
  stage: (slot, data, offset) => copyRunInto(slot, data, offset),
};

const sizeOf = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);
/** An offset expression plus another. */
const plusOffset = (offset: string, extra: string) => (offset === "0" ? extra : `${offset} + ${extra}`);
const isNumber = (a: Atom) => a.kind === "const" && typeof a.value === "number";

/** Writes the source of one program: `setup` runs once when it is made, `body` on every call. */
class ProgramWriter {
  readonly setup: string[] = [];
  readonly body: string[] = [];
  readonly consts: NDArray[] = [];
  readonly fallbacks: Runtime["fallbacks"] = [];
  /** Where each value lives. */
  private readonly places = new Map<number, Dense>();
  /** 2-D transposes that matrix products read in place, by output id. */
  private readonly transposed = new Map<number, MatrixOperand>();
  private readonly readers = new Map<number, IrEquation[]>();
  private readonly outputIds: ReadonlySet<number>;
  private readonly outputs: ReturnType<typeof freshOutputs>;
  private readonly constNames = new Map<NDArray, Dense>();
  private names = 0;
  /** Names the program's kernels may read: its buffers, views, constants and arguments. */
  readonly programNames = new Set<string>();
  private kernelCount = 0;
  /**
   * Places whose arrays stay the same from call to call (arguments the caller declared fixed,
   * constants, and runs of their elements), with the expression of the array the caller passed.
   */
  private readonly fixed = new Map<Dense, string>();
  /** Products run as WebAssembly kernels, and the matrices they read (by place, offset and layout). */
  readonly productSpecs: ProductSpec[] = [];
  readonly matrixSpecs: { readonly layout: "rows" | "columns"; readonly rows: number; readonly cols: number }[] = [];
  private readonly matrixSlots = new Map<string, number>();

  /** Sizes of the arena's slots (float64 entries), when fused runs compile to WebAssembly. */
  readonly arenaSizes: number[] = [];
  /** The arena slot each program buffer in the arena is, by name. */
  private readonly arenaNames = new Map<string, number>();
  /** Constants copied into the arena (once, when the program is made), by slot. */
  readonly arenaConsts: { readonly slot: number; readonly value: NDArray }[] = [];
  private readonly constSlots = new Map<NDArray, number>();
  /** The arena slot holding a per-call value (an argument's, a fresh output's) for the rest of the call, by variable. */
  private readonly staged = new Map<number, number>();
  /** The sizes of the buffers allocated once, when the program is made, by name. */
  private readonly setupSizes = new Map<string, number>();
  /** The fused runs compiled to WebAssembly, function `f{j}` for plan j. */
  readonly wasmPlans: WasmRunPlan[] = [];

  /** Per dtype, the array of each call that fresh outputs are regions of (`outputsInOneArray`), and its size so far. */
  private readonly sharedOutputs = new Map<DType, { readonly name: string; readonly start: string; size: number }>();

  constructor(
    private readonly graph: SimplifiedGraph,
    private readonly reuseOutputs: boolean,
    private readonly fixedInputs: ReadonlySet<number>,
    private readonly wasmProducts: boolean,
    private readonly outputsInOneArray = false,
    /** Whether float64 buffers live in the arena and fused runs compile to WebAssembly where they can. */
    private readonly arena = false,
  ) {
    this.outputIds = new Set(graph.outputs.flatMap((a) => (a.kind === "var" ? [a.id] : [])));
    this.outputs = freshOutputs(graph);
    for (const eq of graph.equations) {
      for (const a of eq.inputs) if (a.kind === "var") this.readers.set(a.id, [...(this.readers.get(a.id) ?? []), eq]);
    }
  }

  /** A name for a setup-time value. */
  private fresh(prefix: string): string {
    return this.named(`${prefix}${this.names++}`);
  }

  /** Records a program-level name, and returns it. */
  private named(name: string): string {
    this.programNames.add(name);
    return name;
  }

  /**
   * Moves the code that `emit` adds to the body into a function of its own, declared once in the
   * setup and called from the body with the program-level names it reads as parameters (comments
   * stay in the body). V8 optimizes a loop over typed arrays that are a function's parameters
   * better than one in a long function over arrays held in the closure: a 10 x 256 readout's
   * reverse pass took 11.2 µs as one function and 8.9 µs as kernels of their own (best of 8
   * rounds of 5,000 calls, three runs each).
   */
  kernel(emit: () => void): void {
    const start = this.body.length;
    emit();
    const lines = this.body.splice(start);
    // comments and the per-call allocation of an output stay in the body
    const staysInBody = (l: string) => l.startsWith("//") || /^const \w+ = rt\.allocate\(/.test(l);
    const kept = lines.filter(staysInBody);
    const code = lines.filter((l) => !staysInBody(l));
    if (!code.some((l) => l.includes("for ("))) {
      this.body.push(...lines);
      return;
    }
    const text = code.join("\n");
    const reads = [...new Set(text.match(/\b[a-z]\d+\b/g) ?? [])].filter((n) => this.programNames.has(n));
    const name = `k${this.kernelCount++}`;
    // the code goes in a block of its own, so that its declarations may shadow a parameter
    this.setup.push(`function ${name}(${reads.join(", ")}) {`, "  {", ...code.map((l) => `    ${l}`), "  }", "}");
    this.body.push(...kept, `${name}(${reads.join(", ")});`);
  }

  place(a: Atom): Dense {
    if (a.kind === "var") return this.places.get(a.id)!;
    const value = a.value as NDArray;
    let place = this.constNames.get(value);
    if (place === undefined) {
      const dense = value.isContiguous() ? value : core.copy(value);
      const name = this.fresh("c");
      this.setup.push(`const ${name} = rt.consts[${this.consts.push(dense) - 1}].data;`);
      place = { data: name, offset: String(dense.offset), shape: a.shape };
      this.constNames.set(value, place);
      this.fixed.set(place, name);
    }
    return place;
  }

  /**
   * The buffer an equation writes: allocated once, or on every call for an output handed over as
   * it is (unless outputs are reused). With `outputsInOneArray`, such an output is a region of the
   * call's one array of its dtype, unless `atOffsetZero` asks for an array of its own (a writer
   * that indexes from 0).
   */
  buffer(v: IrVar, atOffsetZero = false): Dense {
    const perCall = !this.reuseOutputs && this.outputs.fresh.has(v.id);
    if (perCall && this.outputsInOneArray && !atOffsetZero) {
      let shared = this.sharedOutputs.get(v.dtype);
      if (shared === undefined) {
        const j = this.sharedOutputs.size;
        this.sharedOutputs.set(v.dtype, (shared = { name: this.named(`q${j}`), start: this.named(`e${j}`), size: 0 }));
      }
      const place = { data: shared.name, offset: shared.size === 0 ? shared.start : `${shared.start} + ${shared.size}`, shape: v.shape, perCall: true };
      shared.size += sizeOf(v.shape);
      this.places.set(v.id, place);
      return place;
    }
    if (!perCall) this.setupSizes.set(`b${v.id}`, sizeOf(v.shape));
    if (!perCall && this.arena && v.dtype === "float64") {
      const slot = this.arenaSlot(sizeOf(v.shape));
      this.setup.push(`const ${this.named(`b${v.id}`)} = rt.arena[${slot}];`);
      this.arenaNames.set(`b${v.id}`, slot);
    } else {
      (perCall ? this.body : this.setup).push(`const ${this.named(`b${v.id}`)} = rt.allocate("${v.dtype}", ${sizeOf(v.shape)});`);
    }
    const place = { data: `b${v.id}`, offset: "0", shape: v.shape, perCall };
    this.places.set(v.id, place);
    return place;
  }

  /** A new slot of the arena, of `size` float64 entries. */
  private arenaSlot(size: number): number {
    return this.arenaSizes.push(size) - 1;
  }

  /**
   * Where a fused run compiled to WebAssembly reads an operand: a buffer in the arena where it
   * lies; a constant from its copy in the arena; an argument or a fresh output from an arena slot
   * it is copied into (`before`), once per call.
   */
  private arenaRead(a: Atom, before: string[]): { slot: number; offset: number } {
    if (a.kind === "const") {
      const value = a.value as NDArray;
      let slot = this.constSlots.get(value);
      if (slot === undefined) {
        slot = this.arenaSlot(sizeOf(a.shape));
        this.constSlots.set(value, slot);
        this.arenaConsts.push({ slot, value });
      }
      return { slot, offset: 0 };
    }
    const at = this.places.get(a.id)!;
    const resident = this.arenaNames.get(at.data);
    if (resident !== undefined && /^\d+$/.test(at.offset)) return { slot: resident, offset: Number(at.offset) };
    let slot = this.staged.get(a.id);
    if (slot === undefined) {
      slot = this.stagingSlot(sizeOf(a.shape));
      this.staged.set(a.id, slot);
      const argument = this.fixed.get(at);
      if (argument === undefined) before.push(`rt.stage(s${slot}, ${at.data}, ${at.offset});`);
      else {
        // a fixed argument (the params): copied in again only when a call brings another array or offset
        const [held, heldOffset] = [this.named(`h${slot}`), this.named(`g${slot}`)];
        this.setup.push(`let ${held} = null, ${heldOffset} = -1;`);
        before.push(
          `if (${at.data} !== ${held} || ${at.offset} !== ${heldOffset}) {`,
          `  rt.stage(s${slot}, ${at.data}, ${at.offset});`,
          // an argument that was not contiguous lies in a buffer of the program's: copied every time
          `  ${held} = ${at.data} === ${argument} ? ${at.data} : null;`,
          `  ${heldOffset} = ${at.offset};`,
          "}",
        );
      }
    }
    return { slot, offset: 0 };
  }

  /** An arena slot of `size` entries for per-call values, named `s{slot}` in the program. */
  private stagingSlot(size: number): number {
    const slot = this.arenaSlot(size);
    this.setup.push(`const ${this.named(`s${slot}`)} = rt.arena[${slot}];`);
    return slot;
  }

  /** The arena slot a fused run compiled to WebAssembly stores a value into: its buffer, or for a fresh output a slot copied out after the run (`after`). */
  private arenaWrite(v: IrVar, after: string[]): number {
    const at = this.buffer(v);
    const resident = this.arenaNames.get(at.data);
    if (resident !== undefined && at.offset === "0") return resident;
    const slot = this.stagingSlot(sizeOf(v.shape));
    this.staged.set(v.id, slot);
    after.push(`${at.data}.set(s${slot}, ${at.offset});`);
    return slot;
  }

  /**
   * Compiles a fused run into a WebAssembly loop over the arena when it can (see `wasmFusable`);
   * false otherwise, for a JavaScript loop.
   */
  wasmRun(run: readonly IrEquation[]): boolean {
    if (!this.arena || !wasmFusable(run, WASM_FUSION)) return false;
    const { shape } = run[0]!.out;
    const members = new Set(run.map((e) => e.out.id));
    const index = new Map(run.map((eq, g) => [eq.out.id, g]));
    const [before, after] = [[] as string[], [] as string[]];
    const reads = run.map((eq) =>
      eq.inputs.map((a): WasmOperand => {
        if (a.kind === "var" && index.has(a.id)) return { kind: "member", index: index.get(a.id)! };
        if (a.kind === "const" && typeof a.value === "number") return { kind: "number", value: a.value };
        return { kind: operandReading(a.shape, shape).kind as "flat" | "one" | "row", ...this.arenaRead(a, before) };
      }),
    );
    const stores = run.map((eq) => (this.readLater(eq.out, members) ? this.arenaWrite(eq.out, after) : null));
    const j = this.wasmPlans.push({ size: sizeOf(shape), period: wasmRunPeriod(run), reads, stores, ops: run.map((eq) => tableOp(eq)!) }) - 1;
    this.setup.push(`const ${this.named(`f${j}`)} = rt.wasm.f${j};`);
    this.body.push(`// fused, WebAssembly: ${run.map((e) => `${e.out.name} = ${e.op.name}`).join(", ")}`, ...before, `f${j}();`, ...after);
    return true;
  }

  /** The per-call allocation of the arrays that fresh outputs share (see `buffer`), to open the body. */
  sharedOutputAllocations(): string[] {
    // the caller's array applies when the outputs share one array
    const given = this.sharedOutputs.size === 1;
    return [...this.sharedOutputs].flatMap(([dtype, { name, start, size }]) => [
      `const ${name} = ${given ? "into !== undefined ? into.data : " : ""}rt.allocate("${dtype}", ${size});`,
      `const ${start} = ${given ? "into !== undefined ? into.offset : " : ""}0;`,
    ]);
  }

  /** Entries of the array fresh outputs share, when they share one. */
  sharedOutputFloats(): number {
    return this.sharedOutputs.size === 1 ? [...this.sharedOutputs.values()][0]!.size : 0;
  }

  readLater(v: IrVar, members: ReadonlySet<number>): boolean {
    return this.outputIds.has(v.id) || (this.readers.get(v.id) ?? []).some((r) => !members.has(r.out.id));
  }

  /** An `NDArray` over a place: made once over a program buffer, per call over an argument's array. */
  private array(p: Dense, shape: readonly number[] = p.shape, strides: readonly number[] = contiguousStrides(shape)): string {
    const args = `${p.data}, ${JSON.stringify(shape)}, ${JSON.stringify(strides)}, ${p.offset}`;
    if (p.perCall === true) return `rt.view(${args})`;
    const name = this.fresh("n");
    this.setup.push(`const ${name} = rt.view(${args});`);
    return name;
  }

  /** Arguments: a number or 0-d float64 into a one-element buffer; a contiguous array read where it lies, another copied into a buffer made on first need. */
  bindInputs(): string[] {
    return this.graph.inputs.map((v, i) => {
      const a = this.named(`a${i}`);
      if (v.shape.length === 0 && v.dtype === "float64") {
        this.setup.push(`const ${this.named(`b${v.id}`)} = rt.allocate("float64", 1);`);
        this.body.push(`b${v.id}[0] = typeof ${a} === "number" ? ${a} : ${a}.data[${a}.offset];`);
        this.places.set(v.id, { data: `b${v.id}`, offset: "0", shape: [] });
        return a;
      }
      const strides = JSON.stringify(contiguousStrides(v.shape));
      this.setup.push(`let ${this.named(`d${v.id}`)} = null;`);
      this.named(`b${v.id}`);
      this.named(`o${v.id}`);
      this.body.push(
        `let b${v.id} = ${a}.data, o${v.id} = ${a}.offset;`,
        `if (!${a}.isContiguous()) {`,
        `  d${v.id} ??= rt.view(rt.allocate("${v.dtype}", ${sizeOf(v.shape)}), ${JSON.stringify(v.shape)}, ${strides}, 0);`,
        `  kernels.assign(d${v.id}, ${a});`,
        `  b${v.id} = d${v.id}.data; o${v.id} = 0;`,
        "}",
      );
      const place: Dense = { data: `b${v.id}`, offset: `o${v.id}`, shape: v.shape, perCall: true };
      this.places.set(v.id, place);
      if (this.fixedInputs.has(i) && v.dtype === "float64") this.fixed.set(place, `${a}.data`);
      return a;
    });
  }

  /** An operand of a matrix product, a 1-D one promoted to a row (left) or a column (right). */
  private matrix(a: Atom, side: "left" | "right"): MatrixOperand {
    if (a.kind === "var" && this.transposed.has(a.id)) return this.transposed.get(a.id)!;
    const at = this.place(a);
    const [d0, d1] = at.shape;
    if (d1 !== undefined) return { at, rows: d0!, cols: d1, rowStride: d1, colStride: 1 };
    return side === "left" ? { at, rows: 1, cols: d0!, rowStride: 0, colStride: 1 } : { at, rows: d0!, cols: 1, rowStride: 1, colStride: 0 };
  }

  /** Compiles a 1-D or 2-D matrix product; `false` for batched products (more axes). */
  matmul(eq: IrEquation): boolean {
    const [a, b] = eq.inputs as [Atom, Atom];
    if (a.shape.length > 2 || b.shape.length > 2) return false;
    const left = this.matrix(a, "left");
    const right = this.matrix(b, "right");
    if (eq.out.dtype === "float64" && this.batchedWasmProduct(left, right, eq.out)) return true;
    const wasm = eq.out.dtype === "float64" && this.wasmProductLayout(left, right) !== null;
    // the JavaScript product loops index their output from 0
    const out = this.buffer(eq.out, !wasm);
    const view = (m: MatrixOperand) => this.array(m.at, [m.rows, m.cols], [m.rowStride, m.colStride]);
    const scratch = (size: number): Dense => {
      const name = this.fresh("w");
      this.setup.push(`const ${name} = rt.allocate("float64", ${size});`);
      return { data: name, offset: "0", shape: [size] };
    };
    if (wasm) {
      this.wasmProduct(left, right, out);
      return true;
    }
    this.body.push(`// ${eq.out.name} = matmul`, ...emitMatmul(left, right, { out, view, scratch, float64: eq.out.dtype === "float64" }));
    return true;
  }

  /**
   * out = X B for a batch: X (rows of k, each a contiguous run) times a fixed matrix on the
   * right, B = Wᵀ for a stored n x k W (out's row r = W X[r], the rows kernel) or B = W itself for
   * a stored k x n W (out's row r = Wᵀ X[r], the columns kernel): one product of the program's
   * copy of W per row of X, each row's sums those of the unbatched product, so a batch row equals
   * the step of its example alone bit for bit. False where this does not apply.
   */
  private batchedWasmProduct(x: MatrixOperand, w: MatrixOperand, out: IrVar): boolean {
    if (!this.wasmProducts || !this.fixed.has(w.at) || x.rows < 2 || x.colStride !== 1 || x.rowStride !== x.cols) return false;
    const byRows = w.rowStride === 1 && w.colStride === w.rows && w.cols >= 4;
    const byColumns = w.colStride === 1 && w.rowStride === w.cols && w.rows >= 4;
    if (!byRows && !byColumns) return false;
    const [n, k] = [w.cols, w.rows];
    // the vector form of one row: the kernels' operands as for W b
    const matrix: MatrixOperand = byRows ? { at: w.at, rows: n, cols: k, rowStride: k, colStride: 1 } : { at: w.at, rows: n, cols: k, rowStride: 1, colStride: n };
    const target = this.buffer(out);
    const j = this.wasmProductCall(matrix, byRows ? "rows" : "columns");
    this.body.push(`for (let r = 0; r < ${x.rows}; r++) p${j}(${x.at.data}, ${plusOffset(x.at.offset, `r * ${k}`)}, ${target.data}, ${plusOffset(target.offset, `r * ${n}`)});`);
    return true;
  }

  /**
   * out = A b as a WebAssembly kernel over the program's copy of A, when A is a fixed matrix (an
   * argument declared fixed, or a constant) stored row-major, read by rows or transposed, and b a
   * vector: the matrix is copied only when a call brings a different array.
   */
  private wasmProduct(a: MatrixOperand, b: MatrixOperand, out: Dense): void {
    const j = this.wasmProductCall(a, this.wasmProductLayout(a, b)!);
    this.body.push(`p${j}(${b.at.data}, ${b.at.offset}, ${out.data}, ${out.offset});`);
  }

  /**
   * Declares a product of the fixed matrix A (n x k as read) in `layout` and returns its index j:
   * the body then holds the program's copy of the matrix (copied only when a call brings a
   * different array) and may call `p{j}(b, bOffset, out, outOffset)`.
   */
  private wasmProductCall(a: MatrixOperand, layout: "rows" | "columns"): number {
    const argument = this.fixed.get(a.at)!;
    // the matrix as stored: A itself (n x k) for rows, W (k x n) for A = Wᵀ
    const [rows, cols] = layout === "rows" ? [a.rows, a.cols] : [a.cols, a.rows];
    const key = `${a.at.data}|${a.at.offset}|${layout}|${rows}|${cols}`;
    let matrix = this.matrixSlots.get(key);
    if (matrix === undefined) {
      matrix = this.matrixSpecs.push({ layout, rows, cols }) - 1;
      this.matrixSlots.set(key, matrix);
      this.setup.push(`const ${this.named(`m${matrix}`)} = rt.products.matrix(${matrix});`);
    }
    const product = this.productSpecs.push({ layout, n: a.rows, k: a.cols, matrix }) - 1;
    this.setup.push(`const ${this.named(`p${product}`)} = rt.products.product(${product});`);
    this.body.push(`// matmul: WebAssembly kernel (${layout}) over the program's copy of the fixed matrix ${a.at.data}`, `m${matrix}.hold(${argument}, ${a.at.data}, ${a.at.offset});`);
    return product;
  }

  /** The layout of the WebAssembly kernel that computes A b, or null when it does not apply (see wasmProduct). */
  private wasmProductLayout(a: MatrixOperand, b: MatrixOperand): "rows" | "columns" | null {
    if (!this.wasmProducts || !this.fixed.has(a.at) || b.cols !== 1 || b.rowStride !== 1) return null;
    return a.colStride === 1 && a.rowStride === a.cols && a.rows >= 4 ? "rows" : a.rowStride === 1 && a.colStride === a.rows && a.cols >= 4 ? "columns" : null;
  }

  /** A 2-D transpose read only by 2-D matrix products is not written: they read its input with the strides swapped. */
  readTransposed(eq: IrEquation): boolean {
    const [x] = eq.inputs;
    const perm = (eq.params as { perm: readonly number[] }).perm;
    if (x!.kind !== "var" || perm.length !== 2 || perm[0] !== 1 || this.outputIds.has(eq.out.id)) return false;
    const byProducts = (this.readers.get(eq.out.id) ?? []).every((r) => tableOp(r) === "matmul" && r.inputs.every((i) => i.shape.length <= 2));
    if (!byProducts) return false;
    const at = this.places.get(x!.id)!;
    this.transposed.set(eq.out.id, { at, rows: at.shape[1]!, cols: at.shape[0]!, rowStride: 1, colStride: at.shape[1]! });
    this.body.push(`// ${eq.out.name} = transpose ${x!.name}: read transposed by the matrix product`);
    return true;
  }

  /** An output that is a run of its input's elements takes the input's place. */
  alias(eq: IrEquation): boolean {
    const alias = aliasOf(eq);
    if (alias === null || this.transposed.has(alias.input.id)) return false;
    const at = this.places.get(alias.input.id)!;
    const offset = alias.offset === 0 ? at.offset : at.offset === "0" ? String(alias.offset) : `${at.offset} + ${alias.offset}`;
    const place = { ...at, offset, shape: eq.out.shape };
    this.places.set(eq.out.id, place);
    const argument = this.fixed.get(at);
    if (argument !== undefined) this.fixed.set(place, argument);
    this.body.push(`// ${eq.out.name} = ${eq.op.name} ${alias.input.name}: read in place`);
    return true;
  }

  /** Whether a place is the whole of a buffer the program allocated once (an arena slot or an array of its own). */
  private wholeBuffer(at: Dense): boolean {
    return at.offset === "0" && this.setupSizes.get(at.data) === sizeOf(at.shape);
  }

  /** Whether an operand is the whole of a buffer (see wholeBuffer) or a constant array of `dtype` that fills its data exactly. */
  private wholeSource(a: Atom, dtype: DType): boolean {
    if (a.kind === "var") return this.wholeBuffer(this.places.get(a.id)!);
    if (typeof a.value === "number" || a.value.dtype !== dtype) return false;
    const at = this.place(a);
    return at.offset === "0" && (a.value.isContiguous() ? a.value.data.length : sizeOf(a.shape)) === sizeOf(a.shape);
  }

  /**
   * A concatenation of whole buffers along an axis with no longer axis before it: each piece is a
   * run of the output, copied by `TypedArray.prototype.set` (a block copy) instead of a loop. A
   * constant array counts as a whole buffer when its data is exactly its elements.
   */
  private concatOfWholeBuffers(eq: IrEquation): boolean {
    const axis = (eq.params as { axis: number }).axis;
    if (eq.out.shape.slice(0, axis).some((d) => d !== 1) || !eq.inputs.every((a) => this.wholeSource(a, eq.out.dtype))) return false;
    const out = this.buffer(eq.out);
    let at = 0;
    const lines = eq.inputs.map((a) => {
      const line = `${out.data}.set(${this.place(a).data}, ${plusOffset(out.offset, String(at))});`;
      at += sizeOf(a.shape);
      return line;
    });
    this.body.push(`// ${eq.out.name} = concat: block copies`, ...lines);
    return true;
  }

  /** The op's own `impl`, called inside the program on arrays over the program's buffers. */
  fallback(eq: IrEquation, why: string): void {
    const j = this.fallbacks.push({ impl: (args, p) => eq.op.impl(args, p), params: eq.params }) - 1;
    const args = eq.inputs.map((a) => {
      if (a.kind === "var") return this.array(this.places.get(a.id)!);
      return typeof a.value === "number" ? literal(a.value, eq.out.dtype) : `rt.consts[${this.consts.push(a.value) - 1}]`;
    });
    const out = this.array(this.buffer(eq.out));
    this.body.push(
      `// fallback: ${eq.op.name} ${why}; calls its impl (allocates its result per call)`,
      `kernels.assign(${out}, rt.fallbacks[${j}].impl([${args.join(", ")}], rt.fallbacks[${j}].params));`,
    );
  }

  equation(eq: IrEquation): void {
    const name = tableOp(eq);
    if (vectorized(eq)) {
      const x = this.place(eq.inputs[0]!);
      const out = this.buffer(eq.out);
      this.body.push(`// ${eq.out.name} = ${name}: WebAssembly SIMD kernel`, `rt.${name}(${x.data}, ${x.offset}, ${out.data}, ${out.offset}, ${sizeOf(eq.out.shape)});`);
      return;
    }
    if (this.alias(eq)) return;
    if (name === "transpose" && this.readTransposed(eq)) return;
    if (name === "matmul" && this.matmul(eq)) return;
    if (name === "concat" && this.concatOfWholeBuffers(eq)) return;
    const rule = name === null ? undefined : structureRules[name];
    if (rule !== undefined && !eq.inputs.some(isNumber)) {
      const inputs = eq.inputs.map((a) => this.place(a));
      this.body.push(`// ${eq.out.name} = ${eq.op.name}`, ...rule(eq, inputs, this.buffer(eq.out)));
      return;
    }
    this.fallback(eq, name === null ? "is not in the op table" : "has no compile rule for these operands");
  }

  /** The returned leaves: fresh buffers as they are (or, reused, an array made once over the program's buffer), anything else copied. */
  results(): string[] {
    return this.graph.outputs.map((a) => {
      if (a.kind === "const") {
        return typeof a.value === "number" ? literal(a.value, "float64") : `rt.copyOf(rt.consts[${this.consts.push(a.value) - 1}])`;
      }
      const p = this.places.get(a.id)!;
      if (this.outputs.fresh.has(this.outputs.rootOf(a.id))) return this.array({ ...p, perCall: !this.reuseOutputs }, a.shape);
      if (!this.reuseOutputs) return `rt.copyOut(${p.data}, ${p.offset}, ${JSON.stringify(a.shape)})`;
      // reused outputs: copied into a buffer of the program's own, allocated once
      const size = sizeOf(a.shape);
      const copy: Dense = { data: this.fresh("r"), offset: "0", shape: a.shape };
      this.setup.push(`const ${copy.data} = rt.allocate("${a.dtype}", ${size});`);
      this.body.push(this.wholeBuffer(p) ? `${copy.data}.set(${p.data});` : `for (let k = 0; k < ${size}; k++) ${copy.data}[k] = ${p.data}[${p.offset} + k];`);
      return this.array(copy, a.shape);
    });
  }
}

/**
 * Options of {@link generate}.
 *
 * @example
 * ```ts
 * import { generate, simplify, tanh, tensor, trace, type GenerateOptions } from "@ostl/autodiff";
 * const options: GenerateOptions = { reuseOutputs: true };
 * const program = generate(simplify(trace((x) => tanh(x), tensor([0, 1]))), options);
 * const [first] = program.run([tensor([0, 1])]);
 * const [second] = program.run([tensor([1, 2])]);
 * console.log(first === second); // true
 * ```
 */
export interface GenerateOptions {
  /**
   * Return the program's own output buffers, allocated once, instead of fresh arrays: each call
   * overwrites the previous call's outputs, and nothing is allocated per call. Default false.
   */
  readonly reuseOutputs?: boolean;
  /**
   * Indices of inputs (leaves, in flatten order) whose arrays the caller does not change in place
   * between calls: a float64 matrix among them that a matrix-vector product reads is kept in the
   * program's WebAssembly memory and multiplied there (SIMD), copied again only when a call
   * brings a different array or offset; so is a float64 one that a WebAssembly loop reads.
   * Default none.
   */
  readonly fixedInputs?: readonly number[];
  /**
   * Make the fresh outputs of a call regions of one array per dtype, allocated once per call,
   * instead of an array each: views at offsets, for a caller that reads them through their
   * offsets (every op does). A forward step that hands over a dozen arrays then allocates one.
   * Default false.
   */
  readonly outputsInOneArray?: boolean;
  /**
   * Compile float64 fused runs of 16 elements or more into WebAssembly SIMD loops where every op
   * has a lane-wise rule (`wasmElementwiseRules`): the program's float64 buffers then live in one
   * WebAssembly memory, and arguments those loops read are copied in. The results equal the
   * JavaScript loops' bit for bit. Default true (where WebAssembly SIMD runs).
   */
  readonly wasmLoops?: boolean;
}

/**
 * Generates the program of a simplified graph (the `jit` section of the README shows what the
 * code looks like). Buffers for intermediate values are allocated once, when the program is made.
 *
 * @example
 * ```ts
 * import { add, generate, mul, simplify, tanh, tensor, trace } from "@ostl/autodiff";
 * const x = tensor([1, 2]);
 * const program = generate(simplify(trace((a, b) => tanh(add(mul(a, b), 1)), x, x)));
 * console.log(program.source.split("\n").filter((line) => line.includes("for (")).length); // 1
 * ```
 */
export function generate(graph: SimplifiedGraph, options: GenerateOptions = {}): CompiledProgram {
  // with WebAssembly loops, runs split where that changes (sigmoid and softplus among them); else
  // float64 sigmoids and softpluses run as kernels of their own
  const wasmRuns = fusionRuns(graph.equations, () => false, wasmCapable);
  const arena = (options.wasmLoops ?? true) && wasmProductsAvailable() && wasmRuns.some((run) => wasmFusable(run, WASM_FUSION));
  return (arena ? programOf(graph, wasmRuns, options, true) : null) ?? programOf(graph, fusionRuns(graph.equations, vectorized), options, false)!;
}

/** The program of `runs`, with fused loops in WebAssembly over an arena or not; null where the arena's module cannot run here. */
function programOf(graph: SimplifiedGraph, runs: readonly IrEquation[][], options: GenerateOptions, arena: boolean): CompiledProgram | null {
  const writer = new ProgramWriter(graph, options.reuseOutputs ?? false, new Set(options.fixedInputs ?? []), wasmProductsAvailable(), options.outputsInOneArray ?? false, arena);
  const params = writer.bindInputs();
  for (const run of runs) {
    writer.kernel(() => {
      if (!isElementwise(run[0]!)) writer.equation(run[0]!);
      else if (writer.wasmRun(run)) return;
      else if (run.length === 1 && vectorized(run[0]!)) writer.equation(run[0]!);
      else writer.body.push(...emitFused(run, writer));
    });
  }
  const results = writer.results();
  const source = [
    `"use strict";`,
    "const { kernels, sigmoidScalar, softplusScalar } = rt;",
    ...writer.setup,
    "return function program(leaves, into) {",
    ...(params.length === 0 ? [] : [`  const ${params.map((a, i) => `${a} = leaves[${i}]`).join(", ")};`]),
    ...[...writer.sharedOutputAllocations(), ...writer.body].map((l) => `  ${l}`),
    `  return [${results.join(", ")}];`,
    "};",
  ].join("\n");
  const make = new Function("rt", source) as (rt: Runtime) => CompiledProgram["run"];
  const products = writer.productSpecs.length === 0 ? null : ProgramProducts.create(writer.productSpecs, writer.matrixSpecs);
  let [views, wasm]: [Float64Array[], Record<string, unknown>] = [[], {}];
  if (arena) {
    // a guard slot after the last: a loop over an odd size reads one element past its operands
    const sizes = [...writer.arenaSizes, 2];
    const { addresses } = WasmKernels.layout(sizes);
    const plans = writer.wasmPlans;
    const made = new WasmKernels(() => ({ functions: plans.map((plan) => wasmRunFunction(plan, addresses)), names: plans.map((_, j) => `f${j}`) })).instantiate(sizes);
    if (made === null) return null;
    for (const { slot, value } of writer.arenaConsts) made.views[slot]!.set(core.copy(value).data);
    [views, wasm] = [made.views, made.exports];
  }
  return { source, run: make({ ...helpers, consts: writer.consts, products, fallbacks: writer.fallbacks, arena: views, wasm }), outputFloats: writer.sharedOutputFloats() };
}
