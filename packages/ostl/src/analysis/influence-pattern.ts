/**
 * Entry-level sparsity patterns of a whole network's influence recurrence, from the value-level
 * patterns of each layer's traced step: which previous-state entries and which parameter entries
 * each state entry can depend on within one step, and the SnAp patterns built from them.
 *
 * @module
 */
import { OstlError } from "@ostl/core";
import type { Tree } from "@ostl/autodiff";
import { layerKey, type Network } from "../model/network.js";
import { TreeLayout } from "../model/tree-layout.js";
import { dependencyPatterns, layerStructure, type Pattern } from "./structure.js";
import { StepInputs } from "./step-inputs.js";

/** A set of entries as a bitset of 32-bit words. */
type Bits = Uint32Array;

const bitsFor = (size: number): Bits => new Uint32Array((size + 31) >>> 5);
const setBit = (b: Bits, i: number) => (b[i >>> 5]! |= 1 << (i & 31));
const hasBit = (b: Bits, i: number) => (b[i >>> 5]! & (1 << (i & 31))) !== 0;

function orInto(into: Bits, from: Bits): void {
  for (let w = 0; w < into.length; w++) into[w]! |= from[w]!;
}

function intersects(a: Bits, b: Bits): boolean {
  for (let w = 0; w < a.length; w++) if ((a[w]! & b[w]!) !== 0) return true;
  return false;
}

function members(b: Bits, size: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < size; i++) if (hasBit(b, i)) out.push(i);
  return out;
}

/**
 * Marks in `into` the entries of a value (at `offset`, `shape`) that entry `i` of an output of
 * `n` entries reaches under `pattern`: `diag` entry i of a value of the output's shape, `row` row
 * i of a matrix of n rows, anything else (`dense`, `diagT`, or a shape the pattern does not fit)
 * every entry.
 */
function markEntries(into: Bits, pattern: Pattern, i: number, n: number, offset: number, shape: readonly number[]): void {
  const size = shape.reduce((a, d) => a * d, 1);
  if (pattern === "none") return;
  if (pattern === "diag" && shape.length === 1 && shape[0] === n) setBit(into, offset + i);
  else if (pattern === "row" && shape.length === 2 && shape[0] === n) for (let j = 0; j < shape[1]!; j++) setBit(into, offset + i * shape[1]! + j);
  else for (let k = 0; k < size; k++) setBit(into, offset + k);
}

/**
 * Which entries each state entry of a network can depend on within one step, proven from the
 * value-level patterns of every layer's traced step (`dependencyPatterns`): sound, so a pattern
 * may hold entries whose derivative happens to be zero, never miss one.
 * - `temporal[k]`: the previous-state entries that state entry k reads (the pattern of J);
 * - `immediate[k]`: the parameter entries that reach state entry k within the step (the pattern
 *   of I = ∂S_t/∂θ), through the layers below at the same step too.
 * Entries are numbered in flatten order of the network's state and of its recurrent params (the
 * order of `entriesOf`).
 *
 * @example
 * ```ts
 * import { influencePattern, Network } from "@ostl/ostl";
 * import { mse, ssnu } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: ssnu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const p = influencePattern(net);
 * // state entries s0..s2, y0..y2; params W (3 x 2) then b (3): s0 reads its own s and y, and W's row 0 (b reaches y only)
 * console.log(p.stateSize, p.paramSize, p.temporalOf(0), p.immediateOf(0), p.immediateOf(3)); // 6 9 [0, 3] [0, 1] [0, 1, 6]
 * ```
 */
export class InfluencePattern {
  readonly stateSize: number;
  readonly paramSize: number;
  private readonly temporal: Bits[];
  private readonly immediate: Bits[];

  constructor(network: Network) {
    const stateLayout = new TreeLayout(network.initialState() as Tree);
    const params: Record<string, unknown> = {};
    for (let l = 0; l < network.depth; l++) params[layerKey(l)] = network.layerExample(l).params;
    const paramLayout = new TreeLayout(params as Tree);
    this.stateSize = stateLayout.size;
    this.paramSize = paramLayout.size;
    this.temporal = new Array<Bits>(this.stateSize);
    this.immediate = new Array<Bits>(this.stateSize);
    // the previous layer's y entries: what each one reads (previous state, params)
    let below: { temporal: Bits; immediate: Bits }[] = [];
    for (let l = 0; l < network.depth; l++) {
      const structure = layerStructure(network, l);
      const graph = structure.graph;
      const inputs = StepInputs.of(graph);
      const patterns = dependencyPatterns(graph);
      const n = network.spec.layers[l]!.hiddenSize;
      const example = network.layerExample(l);
      const layerOutputs = new Map<string, { temporal: Bits; immediate: Bits }[]>();
      graph.outputPaths.forEach((path, o) => {
        const deps = patterns[o]!;
        const rows = Array.from({ length: n }, (_, i) => {
          const temporal = bitsFor(this.stateSize);
          const immediate = bitsFor(this.paramSize);
          for (const b of structure.stateNames) {
            const at = stateLayout.paths.indexOf(`${layerKey(l)}.${b}`);
            markEntries(temporal, deps.get(inputs.state(b)) ?? "none", i, n, stateLayout.offsets[at]!, stateLayout.shapes[at]!);
          }
          for (const name of Object.keys(example.params)) {
            const at = paramLayout.paths.indexOf(`${layerKey(l)}.${name}`);
            markEntries(immediate, deps.get(inputs.param(name)) ?? "none", i, n, paramLayout.offsets[at]!, paramLayout.shapes[at]!);
          }
          if (l > 0 && inputs.x >= 0) {
            // through x = y of the layer below at the same step
            const reach = bitsFor(below.length);
            markEntries(reach, deps.get(inputs.x) ?? "none", i, n, 0, [below.length]);
            below.forEach((entry, j) => {
              if (!hasBit(reach, j)) return;
              orInto(temporal, entry.temporal);
              orInto(immediate, entry.immediate);
            });
          }
          return { temporal, immediate };
        });
        layerOutputs.set(path, rows);
      });
      for (const name of structure.stateNames) {
        const at = stateLayout.paths.indexOf(`${layerKey(l)}.${name}`);
        const rows = layerOutputs.get(`state.${name}`)!;
        if (stateLayout.sizes[at] !== rows.length) throw new OstlError("InfluencePattern", `layer ${l}: state field '${name}' has ${stateLayout.sizes[at]} entries, expected the hidden size ${n}`);
        rows.forEach((row, i) => {
          this.temporal[stateLayout.offsets[at]! + i] = row.temporal;
          this.immediate[stateLayout.offsets[at]! + i] = row.immediate;
        });
      }
      below = layerOutputs.get("y")!;
    }
  }

  /** The previous-state entries state entry k reads, in order. */
  temporalOf(k: number): number[] {
    return members(this.temporal[k]!, this.stateSize);
  }

  /** The parameter entries that reach state entry k within one step, in order. */
  immediateOf(k: number): number[] {
    return members(this.immediate[k]!, this.paramSize);
  }

  /**
   * The SnAp-n pattern (Menick et al., ICLR 2021): for each parameter entry p, the state entries
   * it can reach within n steps, the pattern of I, J I, …, J^{n-1} I. Parameters with the same
   * rows share one column: `rows[column[p]]`.
   */
  snap(n: number): { readonly column: Int32Array; readonly rows: readonly Int32Array[] } {
    if (!Number.isInteger(n) || n < 1) throw new OstlError("InfluencePattern.snap", `n must be a positive integer, got ${n}`);
    const { column, columns } = this.immediateColumns();
    let reached = columns;
    for (let step = 1; step < n; step++) {
      const next = this.extend(reached);
      if (next.every((bits, c) => bits.every((w, i) => w === reached[c]![i]))) break;
      reached = next;
    }
    return { column, rows: reached.map((bits) => Int32Array.from(members(bits, this.stateSize))) };
  }

  /**
   * The dependency depth: the least n at which SnAp-n's pattern stops growing, so that SnAp-n
   * holds every entry RTRL's influence can have, and equals RTRL.
   */
  depth(): number {
    let reached = this.immediateColumns().columns;
    for (let n = 1; ; n++) {
      const next = this.extend(reached);
      if (next.every((bits, c) => bits.every((w, i) => w === reached[c]![i]))) return n;
      reached = next;
    }
  }

  /** The distinct columns of I's pattern (sets of state entries) and, per parameter entry, its column. */
  private immediateColumns(): { column: Int32Array; columns: Bits[] } {
    const byKey = new Map<string, number>();
    const columns: Bits[] = [];
    const column = new Int32Array(this.paramSize);
    const rowsOf = Array.from({ length: this.paramSize }, () => bitsFor(this.stateSize));
    this.immediate.forEach((bits, k) => {
      for (const p of members(bits, this.paramSize)) setBit(rowsOf[p]!, k);
    });
    rowsOf.forEach((bits, p) => {
      const key = bits.join(",");
      let c = byKey.get(key);
      if (c === undefined) byKey.set(key, (c = columns.push(bits) - 1));
      column[p] = c;
    });
    return { column, columns };
  }

  /** One more step of reach: each column's rows, and every state entry that reads one of them. */
  private extend(columns: readonly Bits[]): Bits[] {
    return columns.map((bits) => {
      const next = bits.slice();
      this.temporal.forEach((reads, k) => {
        if (intersects(reads, bits)) setBit(next, k);
      });
      return next;
    });
  }
}

const patterns = new WeakMap<Network, InfluencePattern>();

/**
 * The {@link InfluencePattern} of a network, made once per network.
 *
 * @example
 * ```ts
 * import { influencePattern, Network } from "@ostl/ostl";
 * import { mse, rnn, ssnu } from "@ostl/models";
 * const diagonal = new Network({ inputSize: 2, layers: [{ cell: ssnu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const dense = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * // an sSNU unit's two fields reach each other in two steps; an RNN's units all reach each other in two
 * console.log(influencePattern(diagonal).depth(), influencePattern(dense).depth(), influencePattern(dense) === influencePattern(dense)); // 2 2 true
 * ```
 */
export function influencePattern(network: Network): InfluencePattern {
  let pattern = patterns.get(network);
  if (pattern === undefined) patterns.set(network, (pattern = new InfluencePattern(network)));
  return pattern;
}
