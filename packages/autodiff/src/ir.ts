import { type DType, NDArray } from "@ostl/core";
import type { OpDef } from "./op.js";
import { bind, concreteOf, shapeOf, type Tensor, type TensorLike, Tracer, Transform, withTransform } from "./tracer.js";
import { flatten, type Tree, type TreeDef, unflatten } from "./tree.js";

/**
 * A variable of a traced graph: an input (named by its pytree path) or an op's output.
 *
 * @example
 * ```ts
 * import { tanh, tensor, trace } from "@ostl/autodiff";
 * const g = trace((p) => tanh(p.W), { W: tensor([1, 2]) });
 * console.log(g.inputs[0]); // { kind: "var", id: 0, name: "0.W", shape: [2], dtype: "float64" }
 * console.log(g.equations[0]!.out.name); // v1
 * ```
 */
export interface IrVar {
  readonly kind: "var";
  readonly id: number;
  /** Input path (`params.W`, `state.s`, `x`) or `v<id>`. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/**
 * A constant captured by a traced function (an array from its closure or a plain number).
 *
 * @example
 * ```ts
 * import { add, mul, tensor, trace } from "@ostl/autodiff";
 * const bias = tensor([1, 2]);
 * const g = trace((x) => add(mul(x, 2), bias), tensor([0, 0]));
 * const [two, b] = [g.equations[0]!.inputs[1]!, g.equations[1]!.inputs[1]!];
 * console.log(two); // { kind: "const", value: 2, shape: [] }
 * console.log(b.kind, b.kind === "const" && b.value === bias); // const true
 * ```
 */
export interface IrConst {
  readonly kind: "const";
  readonly value: NDArray | number;
  readonly shape: readonly number[];
}

/**
 * One recorded op application.
 *
 * @example
 * ```ts
 * import { sum, tensor, trace } from "@ostl/autodiff";
 * const [eq] = trace((x) => sum(x, 0), tensor([[1, 2], [3, 4]])).equations;
 * console.log(eq!.op.name, eq!.params, eq!.inputs.map((a) => a.shape), eq!.out.shape); // sum { axes: [0], keepdims: false } [[2, 2]] [2]
 * ```
 */
export interface IrEquation {
  readonly op: OpDef<unknown>;
  readonly params: unknown;
  readonly inputs: readonly (IrVar | IrConst)[];
  readonly out: IrVar;
}

/**
 * A function recorded as a list of primitive applications: what the structure analysis reads
 * and the derived-gradient docs render. Print it with `toString()`.
 *
 * @example
 * ```ts
 * import { mul, sum, tensor, trace } from "@ostl/autodiff";
 * const g = trace((s, x) => ({ s: mul(s, x), y: sum(s) }), tensor([1, 2]), tensor([3, 4]));
 * console.log(g.inputs.map((v) => v.name), g.outputPaths, g.equations.length); // ["0", "1"] ["s", "y"] 2
 * ```
 */
export interface Graph {
  readonly inputs: readonly IrVar[];
  /** Structure of the traced arguments (their leaves are `inputs`, in order). */
  readonly inputDef: TreeDef;
  readonly equations: readonly IrEquation[];
  readonly outputs: readonly (IrVar | IrConst)[];
  /** Structure of the function's output (its leaves are `outputs`, in order). */
  readonly outputDef: TreeDef;
  /** Output paths in flatten order (`state.s`, `y`). */
  readonly outputPaths: readonly string[];
  /**
   * How many times the traced function read the value of a traced input or intermediate
   * (`concrete()`, `toNested()`); when it did, the graph may hold only the branch those values
   * chose, so it is not valid for other values.
   */
  readonly valueReads: number;
  toString(): string;
}

class IrTracer extends Tracer {
  constructor(
    readonly transform: IrTransform,
    readonly value: TensorLike,
    readonly variable: IrVar,
  ) {
    super();
  }
  get shape() {
    return this.variable.shape;
  }
  get dtype() {
    return this.variable.dtype;
  }
  concrete() {
    this.transform.valueReads += 1;
    return concreteOf(this.value);
  }
}

class IrTransform extends Transform {
  readonly equations: IrEquation[] = [];
  nextId = 0;
  valueReads = 0;

  newVar(value: TensorLike, name?: string): IrVar {
    const id = this.nextId++;
    return { kind: "var", id, name: name ?? `v${id}`, shape: shapeOf(value), dtype: typeof value === "number" ? "float64" : value.dtype };
  }

  atom(x: TensorLike): IrVar | IrConst {
    if (x instanceof IrTracer && x.transform === this) return x.variable;
    return { kind: "const", value: typeof x === "number" ? x : (concreteOf(x) ?? (x as NDArray)), shape: shapeOf(x) };
  }

  process(op: OpDef<never>, args: readonly TensorLike[], params: never): Tensor {
    const values = args.map((a) => (a instanceof IrTracer && a.transform === this ? a.value : a));
    const out = bind(op, values, params);
    const variable = this.newVar(out);
    this.equations.push({ op: op as OpDef<unknown>, params, inputs: args.map((a) => this.atom(a)), out: variable });
    return new IrTracer(this, out, variable);
  }
}

function formatAtom(a: IrVar | IrConst): string {
  if (a.kind === "var") return a.name;
  if (typeof a.value === "number") return String(a.value);
  return a.value.size === 1 ? String(a.value.toFlat()[0]) : `const[${a.shape.join(",")}]`;
}

function formatParams(params: unknown): string {
  if (params === null || typeof params !== "object") return "";
  const entries = Object.entries(params as Record<string, unknown>);
  if (entries.length === 0) return "";
  const show = (v: unknown): string => (Array.isArray(v) ? `[${v.join(",")}]` : typeof v === "object" && v !== null && "name" in v ? String((v as { name: unknown }).name) : String(v));
  return `{${entries.map(([k, v]) => `${k}=${show(v)}`).join(" ")}}`;
}

const typeOf = (v: IrVar) => `${v.dtype === "float64" ? "f64" : "f32"}[${v.shape.join(",")}]`;

/**
 * Records `f(...args)` as a {@link Graph}: every primitive applied, its inputs, params and shapes.
 * Inputs are named by their pytree paths, prefixed with the argument's position: `0.W` for
 * field `W` of the first argument, `1` for a second argument that is a tensor.
 *
 * @example
 * ```ts
 * import { trace, tanh, matmul, add, tensor, type Tensor } from "@ostl/autodiff";
 * const layer = (p: { W: Tensor; b: Tensor }, x: Tensor) => tanh(add(matmul(p.W, x), p.b));
 * const g = trace(layer, { W: tensor([[1, 2]]), b: tensor([0]) }, tensor([1, 1]));
 * console.log(g.toString());
 * // { lambda 0.W:f64[1,2] 0.b:f64[1] 1:f64[2] .
 * //   v3:f64[1] = matmul 0.W 1
 * //   v4:f64[1] = add v3 0.b
 * //   v5:f64[1] = tanh v4
 * //   in (v5) }
 * ```
 */
export function trace<A extends Tree[]>(f: (...args: A) => Tree, ...args: A): Graph {
  return withTransform(
    (level) => new IrTransform(level),
    (transform) => {
      const flat = flatten(args as Tree);
      const inputs = flat.leaves.map((leaf, i) => transform.newVar(leaf, flat.paths[i]));
      const tracers = flat.leaves.map((leaf, i) => new IrTracer(transform, leaf, inputs[i]!));
      let k = 0;
      const rebuilt = args.map((arg) => {
        const sub = flatten(arg);
        return unflatten<Tensor>(sub.def, tracers.slice(k, (k += sub.leaves.length)));
      }) as A;
      const out = flatten(f(...rebuilt));
      const outputs = out.leaves.map((leaf) => transform.atom(leaf));
      const equations = transform.equations;
      return {
        inputs,
        inputDef: flat.def,
        equations,
        outputs,
        outputDef: out.def,
        outputPaths: out.paths,
        valueReads: transform.valueReads,
        toString() {
          const lines = equations.map((e) => `  ${e.out.name}:${typeOf(e.out)} = ${e.op.name}${formatParams(e.params)} ${e.inputs.map(formatAtom).join(" ")}`);
          const head = `{ lambda ${inputs.map((v) => `${v.name}:${typeOf(v)}`).join(" ")} .`;
          const outs = outputs.map((o, i) => `${out.paths[i] === "" ? "" : `${out.paths[i]}=`}${formatAtom(o)}`);
          return [head, ...lines, `  in (${outs.join(", ")}) }`].join("\n");
        },
      };
    },
  );
}
