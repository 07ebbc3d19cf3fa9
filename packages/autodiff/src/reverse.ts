import * as core from "@ostl/core";
import { type DType, OstlError, ShapeError } from "@ostl/core";
import type { OpDef } from "./op.js";
import { addTangents } from "./ops/arithmetic.js";
import { reshape, stack, sumTo } from "./ops/structure.js";
import { bind, concreteOf, shapeOf, type Tensor, type TensorLike, Tracer, Transform, withTransform } from "./tracer.js";
import { assertSameStructure, flatten, type Tree, unflatten } from "./tree.js";

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * A value under reverse mode: its value and its slot on the tape.
 *
 * @example
 * ```ts
 * import { concreteOf, grad, mul, ReverseTracer, sum, tensor } from "@ostl/autodiff";
 * grad((x) => {
 *   const t = x as ReverseTracer;
 *   console.log(t.id, concreteOf(t.value)?.toNested()); // 0 [1, 2]
 *   return sum(mul(x, x));
 * })(tensor([1, 2]));
 * ```
 */
export class ReverseTracer extends Tracer {
  constructor(
    readonly transform: ReverseTransform,
    readonly value: TensorLike,
    readonly id: number,
  ) {
    super();
  }
  get shape(): readonly number[] {
    return shapeOf(this.value);
  }
  get dtype(): DType {
    return typeof this.value === "number" ? "float64" : this.value.dtype;
  }
  concrete() {
    return concreteOf(this.value);
  }
}

interface TapeEntry {
  op: OpDef<never>;
  params: never;
  primals: TensorLike[];
  inputIds: number[];
  out: Tensor;
  outId: number;
}

/**
 * Reverse mode: records each op on a tape; `backward` walks it once from the end.
 *
 * @example
 * ```ts
 * import { grad, mul, ReverseTracer, sum, tensor } from "@ostl/autodiff";
 * grad((x) => {
 *   const y = sum(mul(x, x));
 *   console.log((y as ReverseTracer).transform.tape.map((entry) => entry.op.name)); // ["mul", "sum"]
 *   return y;
 * })(tensor([1, 2]));
 * ```
 */
export class ReverseTransform extends Transform {
  readonly tape: TapeEntry[] = [];
  slots = 0;

  process(op: OpDef<never>, args: readonly TensorLike[], params: never): Tensor {
    const n = args.length;
    const primals = new Array<TensorLike>(n);
    const inputIds = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const a = args[i]!;
      const own = a instanceof ReverseTracer && a.transform === this;
      primals[i] = own ? a.value : a;
      inputIds[i] = own ? a.id : -1;
    }
    if (typeof op.vjp !== "function") throw new OstlError(op.name, "has no reverse-mode (vjp) rule; define one or wrap the function with customVjp");
    const out = bind(op, primals, params);
    const outId = this.slots++;
    this.tape.push({ op, params, primals, inputIds, out, outId });
    return new ReverseTracer(this, out, outId);
  }

  /**
   * Input cotangents for slots `0..inputs-1` given cotangents for some output slots. A value used
   * k times gets k contributions: the first sum is a new array, the later ones are added into it
   * in place (one allocation instead of k - 1). Only sums made here are written to, and only until
   * they are handed to a rule, which may pass them on unchanged.
   */
  backward(seeds: ReadonlyMap<number, Tensor>, inputs: number): (Tensor | null)[] {
    const cts: (Tensor | null)[] = new Array(this.slots).fill(null);
    const owned = new Set<Tensor>();
    const accumulate = (id: number, c: Tensor) => {
      const acc = cts[id];
      if (acc === null || acc === undefined) {
        cts[id] = c;
      } else if (owned.has(acc) && c instanceof core.NDArray && (acc.dtype === c.dtype || acc.dtype === "float64")) {
        core.kernels.add(acc as core.NDArray, acc as core.NDArray, c);
      } else {
        const sum = addTangents(acc, c)!;
        if (sum instanceof core.NDArray) owned.add(sum);
        cts[id] = sum;
      }
    };
    for (const [id, ct] of seeds) accumulate(id, ct);
    for (let n = this.tape.length - 1; n >= 0; n--) {
      const entry = this.tape[n]!;
      const ct = cts[entry.outId];
      if (ct === null || ct === undefined) continue;
      owned.delete(ct);
      const wants = entry.inputIds.map((id) => id >= 0);
      const inCts = entry.op.vjp(ct, entry.primals, entry.out, entry.params, wants);
      entry.inputIds.forEach((id, i) => {
        let c = inCts[i];
        if (id < 0 || c === null || c === undefined) return;
        const shape = shapeOf(entry.primals[i]!);
        if (!sameShape(c.shape, shape)) c = sumTo(c, shape);
        accumulate(id, c);
      });
    }
    return cts.slice(0, inputs);
  }
}

/**
 * A pullback: maps an output cotangent (structure of the output) to one cotangent per primal.
 *
 * @example
 * ```ts
 * import { mul, tensor, vjp, type Pullback, type Tensor } from "@ostl/autodiff";
 * const [, pullback]: [Tensor, Pullback<[Tensor]>] = vjp((x: Tensor) => mul(x, 3), tensor([1, 2]));
 * console.log(pullback(tensor([1, 10]))[0].toNested()); // [3, 30]
 * ```
 */
export type Pullback<A extends Tree[]> = (ct: Tree) => A;

/**
 * Reverse mode: evaluates `f(...primals)` and returns `[out, pullback]`; `pullback(ct)` gives one
 * cotangent per primal (same structures), zeros for inputs the output does not depend on. The
 * pullback may be called many times. A cotangent leaf may be the number `0`: a zero cotangent of
 * any shape, which costs nothing to propagate.
 *
 * @example
 * ```ts
 * import { vjp, mul, tensor } from "@ostl/autodiff";
 * const [y, pullback] = vjp((a, b) => mul(a, b), tensor([2]), tensor([5]));
 * const [da, db] = pullback(tensor([1]));
 * console.log(y.toNested(), da.toNested(), db.toNested()); // [10] [5] [2]
 * ```
 */
export function vjp<A extends Tree[], R extends Tree>(f: (...args: A) => R, ...primals: A): [R, Pullback<A>] {
  return vjpSelected(f, primals, primals.map(() => true), "vjp");
}

/** vjp with respect to the selected positional arguments only; the others are constants and get `null`. */
function vjpSelected<A extends Tree[], R extends Tree>(f: (...args: A) => R, primals: A, selected: readonly boolean[], op: string): [R, Pullback<A>] {
  const flats = primals.map((p) => flatten(p));
  return withTransform(
    (level) => new ReverseTransform(level),
    (transform) => {
      const args = primals.map((p, i) => {
        if (!selected[i]) return p;
        const flat = flats[i]!;
        return unflatten(flat.def, flat.leaves.map((leaf) => new ReverseTracer(transform, leaf, transform.slots++)));
      }) as A;
      const inputs = transform.slots;
      const out = f(...args);
      const o = flatten(out);
      const outValues = o.leaves.map((leaf) => (leaf instanceof ReverseTracer && leaf.transform === transform ? leaf.value : leaf));
      const pullback = (ct: Tree): A => {
        const c = flatten(ct);
        assertSameStructure(op, "output cotangents", o.def, c.def);
        const seeds = new Map<number, Tensor>();
        o.leaves.forEach((leaf, i) => {
          const seed = c.leaves[i]!;
          if (seed === 0) return; // the number 0 stands for a zero cotangent of any shape: nothing to propagate
          if (!sameShape(shapeOf(seed), shapeOf(outValues[i]!))) {
            throw new ShapeError(op, `cotangent ${i} has shape [${shapeOf(seed).join(",")}], output has [${shapeOf(outValues[i]!).join(",")}]`);
          }
          if (leaf instanceof ReverseTracer && leaf.transform === transform) {
            // one value may appear at several output positions: its cotangents add up
            const s = typeof seed === "number" ? core.tensor(seed) : seed;
            const previous = seeds.get(leaf.id);
            seeds.set(leaf.id, previous === undefined ? s : addTangents(previous, s)!);
          }
        });
        const cts = transform.backward(seeds, inputs);
        let slot = 0;
        return primals.map((_p, i) => {
          if (!selected[i]) return null;
          const flat = flats[i]!;
          return unflatten(flat.def, flat.leaves.map((leaf) => cts[slot++] ?? zerosLike(leaf)));
        }) as unknown as A;
      };
      return [unflatten(o.def, outValues) as R, pullback];
    },
  );
}

function zerosLike(x: TensorLike): Tensor {
  return core.zeros(shapeOf(x), typeof x === "number" ? "float64" : x.dtype);
}

/**
 * Options of {@link grad} and {@link valueAndGrad}.
 *
 * @example
 * ```ts
 * import { grad, mul, tensor, type GradOptions } from "@ostl/autodiff";
 * const options: GradOptions = { argnums: [0, 1] };
 * const [da, db] = grad((a, b) => mul(a, b), options)(tensor(2), tensor(5));
 * console.log(da.toNested(), db.toNested()); // 5 2
 * ```
 */
export interface GradOptions {
  /** Which positional arguments to differentiate: one index (the result is that argument's gradient) or several (a tuple). Default 0. */
  argnums?: number | readonly number[];
}

function selection(op: string, argnums: number | readonly number[], count: number): boolean[] {
  const list = typeof argnums === "number" ? [argnums] : argnums;
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= count) throw new OstlError(op, `argnums ${a} is out of range for ${count} arguments`);
  }
  return Array.from({ length: count }, (_, i) => list.includes(i));
}

/**
 * Value and gradient of a scalar function: `valueAndGrad(f)(...args)` returns `[f(...args), grads]`
 * where `grads` has the structure of the differentiated argument(s).
 *
 * @example
 * ```ts
 * import { valueAndGrad, sum, mul, tensor, type Tensor } from "@ostl/autodiff";
 * const [value, g] = valueAndGrad((p: { w: Tensor }) => sum(mul(p.w, p.w)))({ w: tensor([1, 2]) });
 * console.log(value.toNested(), (g as { w: Tensor }).w.toNested()); // 5 [2, 4]
 * ```
 */
export function valueAndGrad<A extends Tree[] = Tensor[]>(f: (...args: A) => Tensor, options: GradOptions = {}): (...args: A) => [Tensor, Tree] {
  const argnums = options.argnums ?? 0;
  const name = f.name === "" ? "the function" : `'${f.name}'`;
  return (...args) => {
    const selected = selection("grad", argnums, args.length);
    const [out, pullback] = vjpSelected(f, args, selected, "grad");
    if (!(out instanceof core.NDArray || out instanceof Tracer) || out.shape.length !== 0) {
      const shape = out instanceof core.NDArray || out instanceof Tracer ? `shape [${out.shape.join(",")}]` : typeof out;
      throw new ShapeError("grad", `${name} returned ${shape}; grad needs a scalar (shape []) output: reduce it (sum, mean) or use vjp/jacrev`);
    }
    const seed = core.ones([], out.dtype);
    const cts = pullback(seed) as unknown as Tree[];
    const grads = typeof argnums === "number" ? cts[argnums]! : argnums.map((a) => cts[a]!);
    return [out, grads];
  };
}

/**
 * Gradient of a scalar function with respect to argument(s) `argnums` (default 0), with the
 * same pytree structure as those arguments.
 *
 * @example
 * ```ts
 * import { grad, sum, mul, tensor } from "@ostl/autodiff";
 * console.log(grad((x) => sum(mul(x, x)))(tensor([1, 2])).toNested()); // [2, 4]
 * ```
 */
export function grad<A extends Tree[] = Tensor[]>(f: (...args: A) => Tensor, options: GradOptions = {}): (...args: A) => any {
  const vg = valueAndGrad(f, options);
  return (...args) => vg(...args)[1];
}

/**
 * Jacobian by reverse mode (one pullback per output entry, one tape): for `f: [...xs] → [...ys]`
 * returns a tensor of shape `[...ys, ...xs]`.
 *
 * @example
 * ```ts
 * import { jacrev, mul, tensor } from "@ostl/autodiff";
 * console.log(jacrev((x) => mul(x, x))(tensor([1, 2])).toNested()); // [[2, 0], [0, 4]]
 * ```
 */
export function jacrev(f: (...args: Tensor[]) => Tensor, options: { argnum?: number } = {}): (...args: Tensor[]) => Tensor {
  const argnum = options.argnum ?? 0;
  return (...args) => {
    const x = args[argnum];
    if (x === undefined) throw new OstlError("jacrev", `argument ${argnum} is missing (got ${args.length} arguments)`);
    const [y, pullback] = vjp((xi: Tensor) => f(...args.map((a, i) => (i === argnum ? xi : a))), x);
    const m = y.size;
    const rows: Tensor[] = [];
    for (let k = 0; k < m; k++) {
      const seed = core.zeros([m], y.dtype);
      seed.data[k] = 1;
      rows.push(pullback(reshape(seed, y.shape))[0]);
    }
    if (m === 0) return core.zeros([...y.shape, ...x.shape], x.dtype);
    return reshape(stack(rows), [...y.shape, ...x.shape]);
  };
}

