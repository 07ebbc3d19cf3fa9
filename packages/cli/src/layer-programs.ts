import { flatten, jit, jvp, type Leaf, shapeOf, type Tensor, type Tree, treeMap, vjp } from "@ostl/autodiff";
import { astype, type DType, type NDArray, OstlError, PRNG } from "@ostl/core";
import { mse } from "@ostl/models";
import { type Cell, Network, type TensorRecord } from "@ostl/ostl";

/**
 * The sizes a layer's programs are compiled for: `hidden` units, `input` features, `batch` rows
 * (`null`: one example, unbatched vectors) and the element type.
 *
 * @example
 * ```ts
 * import type { ProgramSizes } from "@ostl/cli";
 * const sizes: ProgramSizes = { hidden: 4, input: 3, batch: null, dtype: "float64" };
 * console.log(sizes.batch === null ? "one example" : `${sizes.batch} rows`); // one example
 * ```
 */
export interface ProgramSizes {
  readonly hidden: number;
  readonly input: number;
  readonly batch: number | null;
  readonly dtype: DType;
}

/**
 * One compiled program of a layer, checked against the interpreter at a random point.
 *
 * @example
 * ```ts
 * import { layerPrograms, type LayerProgram } from "@ostl/cli";
 * import { rnn } from "@ostl/models";
 * const step: LayerProgram = layerPrograms(rnn(), { hidden: 2, input: 2, batch: null, dtype: "float64" }).programs[0]!;
 * console.log(step.name, step.signature); // step (params, state, x) => { state, y }
 * console.log(step.maxRelativeError <= step.tolerance, step.fallbacks); // true []
 * ```
 */
export interface LayerProgram {
  /** `step` (the forward step), `step-vjp` (its pullback, as BPTT needs it) or `state-jvp` (a batched JVP in the state, as RTRL needs it). */
  readonly name: string;
  /** What the program takes and returns. */
  readonly signature: string;
  /** The generated JavaScript, headed by jit's own header (the traced signature, what simplification removed). */
  readonly source: string;
  /** The ops that have no compile rule for their operands and call their `impl` inside the program (the source's `// fallback:` lines). */
  readonly fallbacks: readonly string[];
  /** max over output leaves of max |compiled − interpreted| / max |interpreted|, at a random point. */
  readonly maxRelativeError: number;
  /** The largest error accepted for the dtype: 1e-12 in float64, 1e-5 in float32. */
  readonly tolerance: number;
}

/**
 * A program that could not be compiled (jit refused the traced function), and why.
 *
 * @example
 * ```ts
 * import type { UncompiledProgram } from "@ostl/cli";
 * const missing: UncompiledProgram = { name: "state-jvp", signature: "(params, state, x, tangents) => ...", reason: "an op without a batched rule" };
 * console.log(missing.name); // state-jvp
 * ```
 */
export interface UncompiledProgram {
  readonly name: string;
  readonly signature: string;
  readonly reason: string;
}

/** A program to compile: its function and the arguments of the random point it is checked at. */
interface ProgramSpec {
  readonly name: string;
  readonly signature: string;
  readonly f: (...args: Tree[]) => Tree;
  readonly args: Tree[];
  /** Whether jit may refuse this program (then it is reported, not thrown). */
  readonly mayBeRefused: boolean;
}

const TOLERANCE: Record<DType, number> = { float64: 1e-12, float32: 1e-5 };

/**
 * Compiles a layer's step with `jit` at the given sizes, as the gradient algorithms need it: the
 * forward step, its vector-Jacobian product (cotangents of params, state and x, for BPTT), and a
 * batched JVP with respect to the state (one direction per state entry of an example, for RTRL).
 * Parameters come from the cell's `init` through a one-layer `Network`; the state, the input,
 * the cotangents and the tangents are seeded normal draws. Each program is run compiled and
 * interpreted at that point and its largest relative error recorded (the caller compares it with
 * `tolerance`). A batched JVP that jit refuses for this cell is returned in `uncompiled`.
 *
 * @throws {@link OstlError} when the cell's `init` breaks the contract, or jit refuses the step or its VJP.
 *
 * @example
 * ```ts
 * import { layerPrograms } from "@ostl/cli";
 * import { ssnu } from "@ostl/models";
 * const { programs, uncompiled } = layerPrograms(ssnu(), { hidden: 3, input: 2, batch: 4, dtype: "float32" });
 * console.log(programs.map((p) => p.name), uncompiled); // ["step", "step-vjp", "state-jvp"] []
 * console.log(programs.every((p) => p.maxRelativeError <= 1e-5 && p.source.includes("for ("))); // true
 * ```
 */
export function layerPrograms(cell: Cell, sizes: ProgramSizes, seed = 1): { programs: LayerProgram[]; uncompiled: UncompiledProgram[] } {
  const programs: LayerProgram[] = [];
  const uncompiled: UncompiledProgram[] = [];
  for (const spec of programSpecs(cell, sizes, new PRNG(seed))) {
    const compiled = jit(spec.f);
    let source: string;
    try {
      source = compiled.source(...spec.args);
    } catch (error) {
      if (!(spec.mayBeRefused && error instanceof OstlError)) throw error;
      uncompiled.push({ name: spec.name, signature: spec.signature, reason: error.message });
      continue;
    }
    const maxRelativeError = relativeError(compiled(...spec.args), spec.f(...spec.args));
    const fallbacks = [...source.matchAll(/\/\/ fallback: (\S+)/g)].map((m) => m[1]!);
    programs.push({ name: spec.name, signature: spec.signature, source, fallbacks, maxRelativeError, tolerance: TOLERANCE[sizes.dtype] });
  }
  return { programs, uncompiled };
}

/** The three programs of a layer and the random point each is checked at. */
function programSpecs(cell: Cell, sizes: ProgramSizes, key: PRNG): ProgramSpec[] {
  const { hidden, input, batch, dtype } = sizes;
  const network = new Network({ inputSize: input, layers: [{ cell, hiddenSize: hidden }], outputSize: 1, loss: mse });
  const params = treeMap((p: Leaf) => astype(p as NDArray, dtype), network.init(key.split()).layer0!) as TensorRecord;
  const normalLike = (t: Leaf, lead: number[] = []) => key.normal([...lead, ...shapeOf(t)], 0, 1, dtype);
  const state = treeMap((s: Leaf) => normalLike(s), network.initialState(batch ?? undefined, dtype).layer0!) as TensorRecord;
  const x = key.normal(batch === null ? [input] : [batch, input], 0, 1, dtype);
  // a step result { state, y } is a pytree
  const step = (p: TensorRecord, s: TensorRecord, xt: Tensor) => cell.step(p, s, xt) as unknown as Tree;
  const cotangent = treeMap((o: Leaf) => normalLike(o), step(params, state, x));
  // one direction per state entry of one example: the columns of ds_t/ds_{t-1} that RTRL carries
  const directions = flatten(state).leaves.reduce((n, s) => n + (s as NDArray).size / (batch ?? 1), 0);
  const tangents = treeMap((s: Leaf) => normalLike(s, [directions]), state);
  return [
    { name: "step", signature: "(params, state, x) => { state, y }", f: compilable(step), args: [params, state, x], mayBeRefused: false },
    {
      name: "step-vjp",
      signature: "(params, state, x, cotangent of { state, y }) => [d params, d state, d x]",
      f: compilable((p: TensorRecord, s: TensorRecord, xt: Tensor, ct: Tree) => vjp(step, p, s, xt)[1](ct)),
      args: [params, state, x, cotangent],
      mayBeRefused: false,
    },
    {
      name: "state-jvp",
      signature: `(params, state, x, ${directions} state tangents) => [{ state, y }, ${directions} tangents of { state, y }]`,
      f: compilable((p: TensorRecord, s: TensorRecord, xt: Tensor, t: TensorRecord) => jvp((s2: TensorRecord) => step(p, s2, xt), [s], [t], { batch: directions })),
      args: [params, state, x, tangents],
      mayBeRefused: true,
    },
  ];
}

/** A function over records of tensors as jit takes it (a cell's records and step results are pytrees). */
const compilable = <A extends unknown[]>(f: (...args: A) => unknown) => f as unknown as ProgramSpec["f"];

/** The largest, over the output leaves, of max |a − b| / max |b| (max |a − b| where b is all zeros). */
function relativeError(compiled: Tree, interpreted: Tree): number {
  const a = flatten(compiled).leaves as NDArray[];
  const b = flatten(interpreted).leaves as NDArray[];
  let worst = 0;
  b.forEach((reference, i) => {
    const x = a[i]!.toFlat();
    const y = reference.toFlat();
    let diff = 0;
    let scale = 0;
    for (let j = 0; j < y.length; j++) {
      diff = Math.max(diff, Math.abs(x[j]! - y[j]!));
      scale = Math.max(scale, Math.abs(y[j]!));
    }
    worst = Math.max(worst, scale === 0 ? diff : diff / scale);
  });
  return worst;
}
