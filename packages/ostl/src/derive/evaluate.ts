/**
 * Numbers from derived expressions: evaluates the cell equations and every Jacobian block, as
 * expression trees, at a point (parameters, previous state, input), and checks the blocks
 * against the engine's Jacobians. What a page prints from these trees is checked on its own,
 * parsed back from its plain form (see readback.ts).
 *
 * @module
 */
import type { Tensor } from "@ostl/autodiff";
import { type NDArray, PRNG, tensor } from "@ostl/core";
import type { ConditionalNode, ConstantNode, FunctionNode, MathNode, OperatorNode, ParenthesisNode, SymbolNode } from "mathjs";
import type { Cell, TensorRecord } from "../model/cell.js";
import type { Derivation, JacobianBlock } from "./model.js";
import { DELTA, functionName, type Index, indexArgs, LITERAL_ZERO, SUM, sumParts } from "./expr.js";
import { scalarFunction } from "./functions.js";
import { engineJacobian, engineOutput, indexTuples, relativeError } from "./engine.js";

/**
 * Where to evaluate: parameters, previous state and input of one (unbatched) step.
 *
 * @example
 * ```ts
 * import { deriveCell, DerivationEvaluator, type DerivationPoint } from "@ostl/ostl/derive";
 * import { PRNG } from "@ostl/core";
 * import { rnn } from "@ostl/models";
 * const cell = rnn();
 * const { params, state } = cell.init(new PRNG(0), { inputSize: 3, hiddenSize: 4 });
 * const point: DerivationPoint = { params, state, x: new PRNG(1).normal([3]) };
 * const at = new DerivationEvaluator(deriveCell(cell), point);
 * ```
 */
export interface DerivationPoint {
  readonly params: TensorRecord;
  readonly state: TensorRecord;
  readonly x: Tensor;
}

const OPERATORS: Readonly<Record<string, (...a: number[]) => number>> = {
  add: (a, b) => a! + b!,
  subtract: (a, b) => a! - b!,
  multiply: (a, b) => a! * b!,
  divide: (a, b) => a! / b!,
  pow: (a, b) => a! ** b!,
  unaryMinus: (a) => -a!,
  unaryPlus: (a) => a!,
  larger: (a, b) => Number(a! > b!),
  largerEq: (a, b) => Number(a! >= b!),
  smaller: (a, b) => Number(a! < b!),
  smallerEq: (a, b) => Number(a! <= b!),
  equal: (a, b) => Number(a === b),
  unequal: (a, b) => Number(a !== b),
};

/**
 * Evaluates a derivation's expressions at a point: quantities (inputs read from the point, named
 * values from their equations, memoized) and Jacobian blocks entry by entry.
 *
 * @example
 * ```ts
 * import { deriveCell, DerivationEvaluator } from "@ostl/ostl/derive";
 * import { PRNG } from "@ostl/core";
 * import { rnn } from "@ostl/models";
 * const cell = rnn();
 * const d = deriveCell(cell);
 * const { params, state } = cell.init(new PRNG(0), { inputSize: 3, hiddenSize: 4 });
 * const at = new DerivationEvaluator(d, { params, state, x: new PRNG(1).normal([3]) });
 * const h0 = at.quantity("next:h", [0]); // h_t[0], as the rendered equations compute it
 * console.log(Math.abs(h0 - cell.step(params, state, at.point.x).state.h!.toFlat()[0]!) < 1e-15); // true
 * ```
 */
export class DerivationEvaluator {
  private readonly memo = new Map<string, number>();

  constructor(
    readonly derivation: Derivation,
    readonly point: DerivationPoint,
  ) {}

  /** The value of quantity `key` at integer indices. */
  quantity(key: string, idx: readonly number[]): number {
    const memoKey = `${key}[${idx.join(",")}]`;
    const known = this.memo.get(memoKey);
    if (known !== undefined) return known;
    const value = this.compute(key, idx);
    this.memo.set(memoKey, value);
    return value;
  }

  private compute(key: string, idx: readonly number[]): number {
    const [kind, name] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
    const read = (t: Tensor | undefined) => (t as NDArray).get(...idx);
    if (kind === "param") return read(this.point.params[name]);
    if (kind === "previous") return read(this.point.state[name]);
    if (kind === "input") return read(this.point.x);
    if (kind === "const") return this.derivation.quantities.get(key)!.value!.get(...idx);
    if (kind === "jac") return this.block(this.derivation.blocks.find((b) => b.id === name)!, idx);
    const eq = this.derivation.equations.find((e) => e.key === key);
    if (eq === undefined) throw new Error(`no equation for quantity '${key}'`);
    return this.evaluate(eq.rhs, new Map(eq.indices.map((i, a) => [i, idx[a]!])));
  }

  /**
   * Entry of a block at full indices (output entry, then source entry), reading the block as
   * shown: a diagonal or row block is zero off its diagonal or row.
   */
  block(b: JacobianBlock, idx: readonly number[]): number {
    const k = b.outIndices.length;
    if (b.expr === null) return 0;
    if ((b.form === "diagonal" || b.form === "row") && idx[k] !== idx[0]) return 0;
    const src = b.form === "full" ? idx.slice(k) : b.form === "diagonal" ? [] : idx.slice(k + 1);
    const free = b.form === "full" ? b.srcIndices : b.srcIndices.slice(1);
    const env = new Map<Index, number>(b.outIndices.map((i, a) => [i, idx[a]!]));
    free.forEach((i, a) => env.set(i, src[a]!));
    return this.evaluate(b.expr, env);
  }

  /** The value of an expression with free indices bound by `env`. */
  evaluate(node: MathNode, env: ReadonlyMap<Index, number>): number {
    switch (node.type) {
      case "ConstantNode":
        return (node as ConstantNode).value as unknown as number;
      case "ParenthesisNode":
        return this.evaluate((node as ParenthesisNode).content, env);
      case "SymbolNode":
        return this.index((node as SymbolNode).name, env);
      case "ConditionalNode": {
        const c = node as ConditionalNode;
        return this.evaluate(c.condition, env) !== 0 ? this.evaluate(c.trueExpr, env) : this.evaluate(c.falseExpr, env);
      }
      case "OperatorNode": {
        const o = node as OperatorNode;
        const f = OPERATORS[o.fn];
        if (f === undefined) throw new Error(`cannot evaluate operator '${o.fn}'`);
        return f(...o.args.map((a) => this.evaluate(a, env)));
      }
      case "FunctionNode":
        return this.call(node as FunctionNode, env);
      default:
        throw new Error(`cannot evaluate a ${node.type}`);
    }
  }

  private index(name: string, env: ReadonlyMap<Index, number>): number {
    if (name === LITERAL_ZERO) return 0;
    const v = env.get(name);
    if (v === undefined) throw new Error(`unbound index '${name}'`);
    return v;
  }

  private call(node: FunctionNode, env: ReadonlyMap<Index, number>): number {
    const name = functionName(node)!;
    if (name === SUM) {
      const { index, size, body } = sumParts(node);
      const inner = new Map(env);
      let total = 0;
      for (let l = 0; l < size; l++) total += this.evaluate(body, inner.set(index, l));
      return total;
    }
    if (name === DELTA) {
      const [a, b] = indexArgs(node).map((i) => this.index(i, env));
      return a === b ? 1 : 0;
    }
    if (name.includes(":") && !this.derivation.surrogates.has(name)) return this.quantity(name, indexArgs(node).map((i) => this.index(i, env)));
    const args = node.args.map((a) => this.evaluate(a, env));
    const surrogate = this.derivation.surrogates.get(name);
    if (surrogate !== undefined) return (surrogate.derivative(tensor([args[0]!])) as NDArray).toFlat()[0]!;
    const f = scalarFunction(name);
    if (f === undefined) throw new Error(`cannot evaluate function '${name}'`);
    return f.evaluate(...args);
  }
}

/**
 * A seeded random point for a derivation: every parameter, state entry and input standard normal.
 *
 * @example
 * ```ts
 * import { deriveCell, randomPoint } from "@ostl/ostl/derive";
 * import { lstm } from "@ostl/models";
 * const cell = lstm();
 * const point = randomPoint(cell, deriveCell(cell), 7);
 * console.log(Object.keys(point.state), point.x.shape); // ["h", "c"] [3]
 * ```
 */
export function randomPoint(cell: Cell, d: Pick<Derivation, "inputSize" | "hiddenSize">, seed = 1): DerivationPoint {
  const key = new PRNG(seed);
  const { params, state } = cell.init(key.split(), { inputSize: d.inputSize, hiddenSize: d.hiddenSize });
  const normal = (r: TensorRecord) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, key.normal(v.shape)]));
  return { params: normal(params), state: normal(state), x: key.normal([d.inputSize]) };
}

/**
 * The result of {@link checkDerivation}: the worst relative error, per block and per output value.
 *
 * @example
 * ```ts
 * import { checkDerivation, deriveCell } from "@ostl/ostl/derive";
 * import { snu } from "@ostl/models";
 * const cell = snu();
 * const check = checkDerivation(deriveCell(cell), cell);
 * console.log(check.values.map((v) => v.key)); // ["next:s", "next:y"]
 * ```
 */
export interface DerivationCheck {
  readonly maxError: number;
  /** Each Jacobian block against the engine's Jacobian. */
  readonly blocks: readonly { readonly id: string; readonly error: number }[];
  /** The next state and output as the rendered equations compute them, against the engine's step. */
  readonly values: readonly { readonly key: string; readonly error: number }[];
}

/**
 * Evaluates every block of a derivation at a point and compares it, entry by entry, with the
 * engine's Jacobian of the step (forward mode), and the next state and output computed from the
 * rendered equations with the engine's step: per block and value, the largest absolute difference
 * over the largest engine entry.
 *
 * @example
 * ```ts
 * import { deriveCell, checkDerivation } from "@ostl/ostl/derive";
 * import { lstm } from "@ostl/models";
 * const cell = lstm();
 * console.log(checkDerivation(deriveCell(cell), cell).maxError < 1e-12); // true
 * ```
 */
export function checkDerivation(d: Derivation, cell: Cell, point: DerivationPoint = randomPoint(cell, d)): DerivationCheck {
  const evaluator = new DerivationEvaluator(d, point);
  const blocks = d.blocks.map((b) => {
    const engine = engineJacobian(cell, point, b, b.source);
    const tuples = indexTuples(engine.shape);
    return { id: b.id, error: relativeError(tuples.map((idx) => evaluator.block(b, idx)), tuples.map((idx) => engine.get(...idx))) };
  });
  const outputs = [...d.structure.stateNames.map((name) => ({ output: name, outputKey: `next:${name}` })), ...(d.outputField === null ? [{ output: "y", outputKey: "output:y" }] : [])];
  const values = outputs.map((o) => {
    const v = engineOutput(cell, point, o);
    const tuples = indexTuples(v.shape);
    return { key: o.outputKey, error: relativeError(tuples.map((idx) => evaluator.quantity(o.outputKey, idx)), tuples.map((idx) => v.get(...idx))) };
  });
  return { maxError: Math.max(0, ...blocks.map((b) => b.error), ...values.map((v) => v.error)), blocks, values };
}
