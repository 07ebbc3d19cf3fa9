import * as core from "@ostl/core";
import { contiguousStrides, type DType, NDArray, type TypedArray } from "@ostl/core";
import type { IrConst, IrEquation, IrVar } from "../ir.js";
import { opTable, type OpName } from "../op-table.js";
import { aliasOf } from "./aliases.js";
import { elementwiseRules } from "./elementwise-rules.js";
import { broadcastStridesTo, type Dense, emitLoop, type LoopOperand } from "./loops.js";
import { emitMatmul, type MatrixOperand } from "./matmul-rule.js";
import type { SimplifiedGraph } from "./simplify.js";
import { structureRules } from "./structure-rules.js";

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
  run(leaves: readonly (NDArray | number)[]): (NDArray | number)[];
}

/** What the generated function receives from this module: kernels, helpers, constants, fallback ops. */
interface Runtime {
  kernels: typeof core.kernels;
  sigmoidScalar: (x: number) => number;
  softplusScalar: (x: number) => number;
  allocate: (dtype: DType, size: number) => TypedArray;
  view: (data: TypedArray, shape: readonly number[], stride: readonly number[], offset: number) => NDArray;
  output: (data: TypedArray, offset: number, shape: readonly number[]) => NDArray;
  copyOf: (x: NDArray) => NDArray;
  consts: NDArray[];
  fallbacks: { impl(args: readonly (NDArray | number)[], params: unknown): NDArray; params: unknown }[];
}

const runtime: Omit<Runtime, "consts" | "fallbacks"> = {
  kernels: core.kernels,
  sigmoidScalar: core.sigmoidScalar,
  softplusScalar: core.softplusScalar,
  allocate: (dtype, size) => core.allocate("jit", dtype, [size]),
  view: (data, shape, stride, offset) => new NDArray({ data, shape: [...shape], stride: [...stride], offset } as never),
  output: (data, offset, shape) => {
    const out = core.zeros(shape, data instanceof Float64Array ? "float64" : "float32");
    const o = out.data;
    for (let k = 0; k < o.length; k++) o[k] = data[offset + k]!;
    return out;
  },
  copyOf: (x) => core.copy(x),
};

const literal = (x: number, dtype: DType): string => {
  const v = dtype === "float32" ? Math.fround(x) : x;
  return Object.is(v, -0) ? "-0" : String(v);
};
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const tableOp = (eq: IrEquation): OpName | null => {
  const name = eq.op.name as OpName;
  return opTable[name] === eq.op ? name : null;
};
const isElementwise = (eq: IrEquation) => {
  const name = tableOp(eq);
  return name !== null && elementwiseRules[name] !== undefined;
};

/**
 * Generates the program of a simplified graph (see the `jit` README section for what the code
 * looks like). Buffers for every intermediate value are allocated once, when the program is made.
 *
 * @example
 * ```ts
 * import { add, generate, mul, simplify, tanh, tensor, trace } from "@ostl/autodiff";
 * const x = tensor([1, 2]);
 * const program = generate(simplify(trace((a, b) => tanh(add(mul(a, b), 1)), x, x)));
 * console.log(program.source.split("\n").filter((line) => line.includes("for (")).length); // 1
 * ```
 */
export function generate(graph: SimplifiedGraph): CompiledProgram {
  const setup: string[] = [];
  const body: string[] = [];
  const consts: NDArray[] = [];
  const fallbacks: Runtime["fallbacks"] = [];
  const places = new Map<number, Dense>();
  const views = new Map<number, MatrixOperand>();
  const outputIds = new Set(graph.outputs.flatMap((a) => (a.kind === "var" ? [a.id] : [])));
  const uses = new Map<number, IrEquation[]>();
  for (const eq of graph.equations) for (const a of eq.inputs) if (a.kind === "var") uses.set(a.id, [...(uses.get(a.id) ?? []), eq]);

  // an output whose elements an equation of the program writes (directly, or under aliases) is
  // written into a buffer allocated on each call and handed to the caller as it is
  const aliases = new Map(graph.equations.flatMap((eq) => {
    const alias = aliasOf(eq);
    return alias === null ? [] : [[eq.out.id, alias.input.id] as const];
  }));
  const rootOf = (id: number): number => (aliases.has(id) ? rootOf(aliases.get(id)!) : id);
  const inputIds = new Set(graph.inputs.map((v) => v.id));
  const outputRoots = [...outputIds].map(rootOf);
  const freshOutputs = new Set(outputRoots.filter((root) => !inputIds.has(root) && outputRoots.filter((r) => r === root).length === 1 && graph.outputs.filter((a) => a.kind === "var" && rootOf(a.id) === root).length === 1));

  const constPlace = (c: IrConst): Dense => {
    const value = (c.value as NDArray).isContiguous() ? (c.value as NDArray) : core.copy(c.value as NDArray);
    consts.push(value);
    const j = consts.length - 1;
    setup.push(`const c${j} = rt.consts[${j}].data;`);
    return { data: `c${j}`, offset: String(value.offset), shape: c.shape };
  };
  const placeOf = (a: Atom): Dense => (a.kind === "var" ? places.get(a.id)! : constPlace(a));
  /** The buffer an equation writes: allocated once, or on every call for an output handed to the caller as it is. */
  const newBuffer = (v: IrVar): Dense => {
    const perCall = freshOutputs.has(v.id);
    (perCall ? body : setup).push(`const b${v.id} = rt.allocate("${v.dtype}", ${v.shape.reduce((p, d) => p * d, 1)});`);
    const place = { data: `b${v.id}`, offset: "0", shape: v.shape, perCall };
    places.set(v.id, place);
    return place;
  };

  // inputs: a contiguous array is read where it lies; another is copied into a buffer made on first need
  const params = graph.inputs.map((_v, i) => `a${i}`);
  graph.inputs.forEach((v, i) => {
    if (v.shape.length === 0 && v.dtype === "float64") {
      setup.push(`const b${v.id} = rt.allocate("float64", 1);`);
      body.push(`if (typeof a${i} === "number") b${v.id}[0] = a${i}; else b${v.id}[0] = a${i}.data[a${i}.offset];`);
      places.set(v.id, { data: `b${v.id}`, offset: "0", shape: [] });
      return;
    }
    setup.push(`let d${v.id} = null;`);
    body.push(
      `let b${v.id} = a${i}.data, o${v.id} = a${i}.offset;`,
      `if (!a${i}.isContiguous()) {`,
      `  d${v.id} ??= rt.view(rt.allocate("${v.dtype}", ${v.shape.reduce((p, d) => p * d, 1)}), ${JSON.stringify(v.shape)}, ${JSON.stringify(contiguousStrides(v.shape))}, 0);`,
      `  kernels.assign(d${v.id}, a${i});`,
      `  b${v.id} = d${v.id}.data; o${v.id} = 0;`,
      "}",
    );
    places.set(v.id, { data: `b${v.id}`, offset: `o${v.id}`, shape: v.shape, perCall: true });
  });

  const matrix = (a: Atom, promoteRow: boolean): MatrixOperand => {
    if (a.kind === "var" && views.has(a.id)) return views.get(a.id)!;
    const at = placeOf(a);
    const s = at.shape;
    if (s.length === 1) return promoteRow ? { at, rows: 1, cols: s[0]!, rowStride: 0, colStride: 1 } : { at, rows: s[0]!, cols: 1, rowStride: 1, colStride: 0 };
    return { at, rows: s[0]!, cols: s[1]!, rowStride: s[1]!, colStride: 1 };
  };
  const viewSource = (m: MatrixOperand): string => {
    const args = `${m.at.data}, [${m.rows}, ${m.cols}], [${m.rowStride}, ${m.colStride}], ${m.at.offset}`;
    if (m.at.perCall === true) return `rt.view(${args})`;
    const name = `m${setup.length}`;
    setup.push(`const ${name} = rt.view(${args});`);
    return name;
  };

  const compileMatmul = (eq: IrEquation): boolean => {
    const [a, b] = eq.inputs as [Atom, Atom];
    if (a.shape.length > 2 || b.shape.length > 2 || a.kind === "const" && typeof a.value === "number" || b.kind === "const" && typeof b.value === "number") return false;
    const out = newBuffer(eq.out);
    body.push(...emitMatmul(matrix(a, true), matrix(b, false), { out, view: viewSource, float64: eq.out.dtype === "float64" }));
    return true;
  };

  // a 2-D transpose read only by matrix products is not materialised: the products read its source transposed
  const readThrough = (eq: IrEquation): boolean => {
    const perm = (eq.params as { perm: readonly number[] }).perm;
    const [x] = eq.inputs;
    const readers = uses.get(eq.out.id) ?? [];
    if (x!.kind !== "var" || perm.length !== 2 || perm[0] !== 1 || outputIds.has(eq.out.id)) return false;
    if (!readers.every((r) => tableOp(r) === "matmul" && r.inputs.every((i) => i.shape.length <= 2))) return false;
    const at = places.get(x!.id)!;
    const [rows, cols] = [at.shape[1]!, at.shape[0]!];
    views.set(eq.out.id, { at, rows, cols, rowStride: 1, colStride: rows });
    body.push(`// ${eq.out.name} = transpose ${x!.name}: read transposed by the matrix product`);
    return true;
  };

  const fallback = (eq: IrEquation, why: string) => {
    fallbacks.push({ impl: (args, p) => eq.op.impl(args, p), params: eq.params });
    const j = fallbacks.length - 1;
    const args = eq.inputs.map((a) => {
      if (a.kind === "const") {
        if (typeof a.value === "number") return literal(a.value, eq.out.dtype);
        consts.push(a.value);
        return `rt.consts[${consts.length - 1}]`;
      }
      const input = graph.inputs.findIndex((v) => v.id === a.id);
      if (input >= 0) return `a${input}`;
      return ndOfPlace(places.get(a.id)!);
    });
    const out = newBuffer(eq.out);
    body.push(`// fallback: ${eq.op.name} ${why}; calls its impl (allocates its result per call)`);
    body.push(`kernels.assign(${ndOfPlace(out)}, rt.fallbacks[${j}].impl([${args.join(", ")}], rt.fallbacks[${j}].params));`);
  };
  /** An NDArray over a place: made once for a program buffer, per call over an argument's array. */
  const ndOfPlace = (p: Dense): string => {
    const args = `${p.data}, ${JSON.stringify(p.shape)}, ${JSON.stringify(contiguousStrides(p.shape))}, ${p.offset}`;
    if (p.perCall === true) return `rt.view(${args})`;
    const name = `n${setup.length}`;
    setup.push(`const ${name} = rt.view(${args});`);
    return name;
  };

  const emitGroup = (group: IrEquation[]) => {
    const shape = group[0]!.out.shape;
    const dtype = group[0]!.out.dtype;
    const members = new Set(group.map((e) => e.out.id));
    const operands: LoopOperand[] = [];
    const operandOf = new Map<string, number>();
    const read = (a: Atom): number | string => {
      if (a.kind === "var" && members.has(a.id)) return `t${a.id}`;
      if (a.kind === "const" && typeof a.value === "number") return literal(a.value, dtype);
      const at = placeOf(a);
      const key = `${at.data}@${at.offset}`;
      if (!operandOf.has(key)) operandOf.set(key, operands.push({ at, strides: broadcastStridesTo(at.shape, shape) }) - 1);
      return operandOf.get(key)!;
    };
    const reads = group.map((eq) => eq.inputs.map(read));
    const stores = group.map((eq) => {
      const needed = outputIds.has(eq.out.id) || (uses.get(eq.out.id) ?? []).some((r) => !members.has(r.out.id));
      return needed ? operands.push({ at: newBuffer(eq.out), strides: contiguousStrides(shape) }) - 1 : -1;
    });
    body.push(`// fused: ${group.map((e) => `${e.out.name} = ${e.op.name}`).join(", ")}`);
    body.push(
      ...emitLoop(shape, operands, (index) =>
        group.flatMap((eq, g) => {
          const args = reads[g]!.map((r) => (typeof r === "number" ? index(r) : r));
          const expr = elementwiseRules[tableOp(eq)!]!(args, eq.params);
          const value = dtype === "float32" ? `Math.fround(${expr})` : expr;
          return [`const t${eq.out.id} = ${value};`, ...(stores[g]! >= 0 ? [`${index(stores[g]!)} = t${eq.out.id};`] : [])];
        }),
      ),
    );
  };

  const equations = graph.equations;
  for (let i = 0; i < equations.length; ) {
    const eq = equations[i]!;
    if (isElementwise(eq)) {
      let j = i + 1;
      while (j < equations.length && isElementwise(equations[j]!) && sameShape(equations[j]!.out.shape, eq.out.shape) && equations[j]!.out.dtype === eq.out.dtype) j++;
      emitGroup(equations.slice(i, j));
      i = j;
      continue;
    }
    i++;
    const name = tableOp(eq);
    const inputs = eq.inputs as Atom[];
    const alias = aliasOf(eq);
    if (alias !== null && !views.has(alias.input.id)) {
      const at = places.get(alias.input.id)!;
      places.set(eq.out.id, { ...at, offset: alias.offset === 0 ? at.offset : at.offset === "0" ? String(alias.offset) : `${at.offset} + ${alias.offset}`, shape: eq.out.shape });
      body.push(`// ${eq.out.name} = ${eq.op.name} ${alias.input.name}: read in place`);
      continue;
    }
    if (name === "transpose" && readThrough(eq)) continue;
    if (name === "matmul" && compileMatmul(eq)) continue;
    const rule = name === null ? undefined : structureRules[name];
    const numeric = inputs.some((a) => a.kind === "const" && typeof a.value === "number");
    if (rule !== undefined && !numeric) {
      const ins = inputs.map(placeOf);
      body.push(`// ${eq.out.name} = ${eq.op.name}`, ...rule(eq, ins, newBuffer(eq.out)));
      continue;
    }
    fallback(eq, name === null ? "is not in the op table" : "has no compile rule for these operands");
  }

  const results = graph.outputs.map((a) => {
    if (a.kind === "const") {
      if (typeof a.value === "number") return literal(a.value, "float64");
      consts.push(a.value);
      return `rt.copyOf(rt.consts[${consts.length - 1}])`;
    }
    const p = places.get(a.id)!;
    if (freshOutputs.has(rootOf(a.id))) return `rt.view(${p.data}, ${JSON.stringify(a.shape)}, ${JSON.stringify(contiguousStrides(a.shape))}, ${p.offset})`;
    return `rt.output(${p.data}, ${p.offset}, ${JSON.stringify(a.shape)})`;
  });
  const source = [
    `"use strict";`,
    "const { kernels, sigmoidScalar, softplusScalar } = rt;",
    ...setup,
    `return function program(${params.join(", ")}) {`,
    ...body.map((l) => `  ${l}`),
    `  return [${results.join(", ")}];`,
    "};",
  ].join("\n");
  const make = new Function("rt", source) as (rt: Runtime) => (...leaves: (NDArray | number)[]) => (NDArray | number)[];
  const program = make({ ...runtime, consts, fallbacks });
  return { source, run: (leaves) => program(...leaves) };
}
