/**
 * The optimizer contract and the bookkeeping every optimizer shares: flattening params and
 * gradients, checking that they match each other and the first call, keeping per-entry slots
 * (momentum, moments) and writing the new params into fresh arrays, or into the params themselves.
 *
 * @module
 */
import { flatten, type Tree, type TreeDef, treeDefString, unflatten } from "@ostl/autodiff";
import { contiguous, firstNonFinite, NDArray, ValueError, zeros } from "@ostl/core";
import { arrayLeaves } from "./leaves.js";

/**
 * A gradient-descent optimizer over trees of arrays. `step(params, grads)` returns new params
 * (fresh arrays: the ones passed in are not modified) and advances the optimizer's own state;
 * `update(params, grads)` does the same into the params themselves.
 *
 * @example
 * ```ts
 * import { type NDArray, tensor } from "@ostl/core";
 * import { type Optimizer, sgd } from "@ostl/models";
 * const opt: Optimizer = sgd({ learningRate: 0.1 });
 * const next = opt.step({ w: tensor([1]) }, { w: tensor([2]) });
 * console.log((next.w as NDArray).toFlat(), opt.steps); // [0.8] 1
 * ```
 */
export interface Optimizer {
  /** `"sgd"` or `"adam"`. */
  readonly name: string;
  /** The step size. */
  readonly learningRate: number;
  /** Updates applied so far. */
  readonly steps: number;
  /** New params from the current params and their gradients (same structure and shapes). */
  step<T extends Tree>(params: T, grads: Tree): T;
  /**
   * `step` written into `params` itself, for a caller that owns them (a training loop's own
   * copy): the same values, without a fresh array per leaf. With `gradientScale`, the gradients
   * are taken times it (each entry multiplied first, as a scaled copy would hold them), so that a
   * caller averaging its summed gradients makes no pass of its own. An implementation must honor
   * it.
   */
  update(params: Tree, grads: Tree, gradientScale?: number): void;
  /** Forgets the state (moments, step count). */
  reset(): void;
  /** A copy of the state (step count, per-entry slots), for a checkpoint. */
  state(): OptimizerState;
  /**
   * Takes up a state that {@link Optimizer.state} returned, so that the next updates are the
   * ones this optimizer would have made had it made the earlier ones itself.
   *
   * @throws {@link ValueError} for a state of another optimizer or with slots of other sizes.
   */
  loadState(state: OptimizerState): void;
}

/**
 * What an optimizer carries from one update to the next: its name, the updates applied, the
 * structure and shapes of the params it was first given (null before any update) and its
 * per-entry slots, one list of arrays per leaf (the moments of Adam, SGD's momentum).
 *
 * @example
 * ```ts
 * import { tensor } from "@ostl/core";
 * import { adam, type OptimizerState } from "@ostl/models";
 * const first = adam({ learningRate: 0.1 });
 * first.step({ w: tensor([1, 2]) }, { w: tensor([0.5, -1]) });
 * const saved: OptimizerState = first.state();
 * const resumed = adam({ learningRate: 0.1 });
 * resumed.loadState(saved);
 * const a = first.step({ w: tensor([1, 2]) }, { w: tensor([1, 1]) }).w.toFlat();
 * const b = resumed.step({ w: tensor([1, 2]) }, { w: tensor([1, 1]) }).w.toFlat();
 * console.log(saved.steps, saved.slots[0]!.length, a.every((x, i) => x === b[i])); // 1 2 true
 * ```
 */
export interface OptimizerState {
  readonly name: string;
  readonly steps: number;
  readonly structure: { readonly def: string; readonly shapes: readonly string[] } | null;
  readonly slots: readonly (readonly Float64Array[])[];
}

/**
 * Checks an optimizer option: a finite number in `[min, max)` (or `(min, max)` when `open`).
 *
 * @throws {@link ValueError} naming the optimizer, the option and the value.
 * @example
 * ```ts
 * import { checkHyper } from "@ostl/models";
 * console.log(checkHyper("adam", "beta1", 0.9, 0, 1)); // 0.9
 * // checkHyper("adam", "beta1", 1, 0, 1) throws "adam: option 'beta1' must be a finite number >= 0 and < 1, got 1"
 * ```
 */
export function checkHyper(op: string, name: string, value: number, min: number, max = Infinity, open = false): number {
  const ok = typeof value === "number" && Number.isFinite(value) && (open ? value > min : value >= min) && value < max;
  if (!ok) throw new ValueError(op, `option '${name}' must be a finite number ${open ? ">" : ">="} ${min}${max === Infinity ? "" : ` and < ${max}`}, got ${String(value)}`);
  return value;
}

/**
 * What an optimizer implements: the update of one leaf, entry by entry on contiguous typed arrays.
 * `slots` are this leaf's state arrays (as many as `slotCount`, zero at the first step); `t` is the
 * 1-based step number. `out` is a fresh array, or `param` itself for an update in place: read
 * `param[i]` before writing `out[i]`. An update that declares the sixth parameter takes the
 * gradient as `grad[i] * gradientScale` (see `Optimizer.update`); for one that does not, the
 * optimizer passes a scaled copy of the gradient instead.
 *
 * @example
 * ```ts
 * import { ElementwiseOptimizer, type LeafUpdate } from "@ostl/models";
 * import { type NDArray, tensor } from "@ostl/core";
 * // gradient descent with a step size that halves every step, using the step number t
 * const halving: LeafUpdate = (out, p, g, _slots, t) => {
 *   for (let i = 0; i < p.length; i++) out[i] = p[i]! - g[i]! / 2 ** t;
 * };
 * const opt = new ElementwiseOptimizer("halving", 1, 0, halving);
 * const once = opt.step({ w: tensor([1]) }, { w: tensor([1]) });
 * console.log((opt.step(once, { w: tensor([1]) }).w as NDArray).toFlat()); // [0.25]
 * ```
 */
export type LeafUpdate = (out: NDArray["data"], param: NDArray["data"], grad: NDArray["data"], slots: Float64Array[], t: number, gradientScale: number) => void;

/**
 * An optimizer whose update acts entry by entry: built from a name, the number of state slots
 * per entry and the per-leaf update ({@link sgd} and {@link adam} are two of them).
 *
 * @example
 * ```ts
 * import { type NDArray, tensor } from "@ostl/core";
 * import { ElementwiseOptimizer } from "@ostl/models";
 * // sign descent: p <- p - lr * sign(g)
 * const lr = 0.5;
 * const signSgd = new ElementwiseOptimizer("signSgd", lr, 0, (out, p, g) => {
 *   for (let i = 0; i < p.length; i++) out[i] = p[i]! - lr * Math.sign(g[i]!);
 * });
 * const next = signSgd.step({ w: tensor([1, 1]) }, { w: tensor([3, -2]) });
 * console.log((next.w as NDArray).toFlat()); // [0.5, 1.5]
 * ```
 */
export class ElementwiseOptimizer implements Optimizer {
  private count = 0;
  private structure: { def: string; shapes: string[] } | null = null;
  private slots: Float64Array[][] = [];

  /**
   * @param slotStorage makes the zeroed slots of leaves of these sizes at the first step (for each
   *   leaf, `slotCount` arrays of its size); default: arrays of their own. Adam's keeps them in
   *   its kernel's WebAssembly memory.
   */
  constructor(
    readonly name: string,
    readonly learningRate: number,
    slotCount: number,
    private readonly leafUpdate: LeafUpdate,
    private readonly slotStorage: (sizes: readonly number[]) => Float64Array[][] = (sizes) => sizes.map((size) => Array.from({ length: slotCount }, () => new Float64Array(size))),
  ) {
    checkHyper(name, "learningRate", learningRate, 0, Infinity, true);
  }

  get steps(): number {
    return this.count;
  }

  step<T extends Tree>(params: T, grads: Tree): T {
    return this.advance(`${this.name}.step`, params, grads, (leaf) => zeros(leaf.shape, leaf.dtype)) as T;
  }

  /** @throws {@link ValueError} as `step` does, for a leaf that is not a contiguous array of its own (it cannot be written in place), and for a `gradientScale` that is not a finite number. */
  update(params: Tree, grads: Tree, gradientScale?: number): void {
    const op = `${this.name}.update`;
    const scale = gradientScale ?? 1;
    if (typeof scale !== "number" || !Number.isFinite(scale)) throw new ValueError(op, `gradientScale must be a finite number, got ${String(scale)}`);
    const { leaves, paths } = flatten(params);
    leaves.forEach((leaf, i) => {
      if (leaf instanceof NDArray && contiguous(leaf) !== leaf) throw new ValueError(op, `'${paths[i]}' is a view (not contiguous from offset 0): it cannot be updated in place`);
    });
    this.advance(op, params, grads, (leaf) => leaf, scale);
  }

  /** Checks params and gradients, counts the step and writes each leaf's update into `into(leaf)`, the gradients taken times `scale`. */
  private advance(op: string, params: Tree, grads: Tree, into: (leaf: NDArray) => NDArray, scale = 1): Tree {
    const p = arrayLeaves(op, params);
    const g = arrayLeaves(op, grads);
    this.checkStructure(op, p.def, g.def, p.paths, p.leaves, g.leaves);
    if (this.structure === null) {
      this.structure = { def: treeDefString(p.def), shapes: p.leaves.map((l) => l.shape.join(",")) };
      this.slots = this.slotStorage(p.leaves.map((l) => l.size));
    } else {
      const shapes = p.leaves.map((l) => l.shape.join(","));
      const changed = shapes.findIndex((s, i) => s !== this.structure!.shapes[i]);
      if (treeDefString(p.def) !== this.structure.def || changed >= 0) {
        const where = changed >= 0 ? `'${p.paths[changed]}' has shape [${shapes[changed]}], it had [${this.structure.shapes[changed]}]` : `structure ${treeDefString(p.def)}, it was ${this.structure.def}`;
        throw new ValueError(op, `the params differ from the first step's (${where}): call reset() to optimize other params`);
      }
    }
    this.count++;
    // an update that does not take the scale gets a scaled copy
    const scales = this.leafUpdate.length >= 6;
    const next = p.leaves.map((leaf, i) => {
      const out = into(leaf);
      const grad = g.leaves[i]!.data;
      this.leafUpdate(out.data, leaf.data, scales || scale === 1 ? grad : grad.map((x) => x * scale), this.slots[i]!, this.count, scales ? scale : 1);
      return out;
    });
    return unflatten(p.def, next);
  }

  reset(): void {
    this.count = 0;
    this.structure = null;
    this.slots = [];
  }

  state(): OptimizerState {
    const structure = this.structure === null ? null : { def: this.structure.def, shapes: [...this.structure.shapes] };
    return { name: this.name, steps: this.count, structure, slots: this.slots.map((leaf) => leaf.map((slot) => slot.slice())) };
  }

  loadState(state: OptimizerState): void {
    const op = `${this.name}.loadState`;
    if (state.name !== this.name) throw new ValueError(op, `the state is of optimizer '${state.name}', not '${this.name}'`);
    if (!Number.isInteger(state.steps) || state.steps < 0) throw new ValueError(op, `steps must be a non-negative integer, got ${String(state.steps)}`);
    if (state.structure === null) {
      if (state.slots.length > 0) throw new ValueError(op, `a state without params' structure has no slots, got ${state.slots.length}`);
      this.reset();
      this.count = state.steps;
      return;
    }
    // one size per leaf, from its shape ("" is a scalar)
    const sizes = state.structure.shapes.map((s) => (s === "" ? 1 : s.split(",").reduce((n, d) => n * Number(d), 1)));
    const slots = this.slotStorage(sizes);
    if (state.slots.length !== sizes.length) this.mismatch(op, `${state.slots.length} leaves of slots for ${sizes.length} params`);
    slots.forEach((leaf, i) => {
      const given = state.slots[i]!;
      if (given.length !== leaf.length) this.mismatch(op, `param ${i} has ${given.length} slots, ${this.name} keeps ${leaf.length}`);
      leaf.forEach((slot, k) => {
        if (given[k]!.length !== slot.length) this.mismatch(op, `slot ${k} of param ${i} has ${given[k]!.length} entries, its shape [${state.structure!.shapes[i]}] has ${slot.length}`);
        slot.set(given[k]!);
      });
    });
    this.slots = slots;
    this.structure = { def: state.structure.def, shapes: [...state.structure.shapes] };
    this.count = state.steps;
  }

  private mismatch(op: string, what: string): never {
    throw new ValueError(op, `the state does not fit: ${what}`);
  }

  private checkStructure(op: string, pDef: TreeDef, gDef: TreeDef, paths: readonly string[], p: readonly NDArray[], g: readonly NDArray[]): void {
    if (treeDefString(pDef) !== treeDefString(gDef)) throw new ValueError(op, `gradients have structure ${treeDefString(gDef)}, the params ${treeDefString(pDef)}`);
    p.forEach((leaf, i) => {
      const gi = g[i]!;
      if (leaf.shape.join(",") !== gi.shape.join(",")) throw new ValueError(op, `gradient '${paths[i]}' has shape [${gi.shape.join(",")}], the param [${leaf.shape.join(",")}]`);
      const k = firstNonFinite(gi.data);
      if (k >= 0) throw new ValueError(op, `gradient '${paths[i]}' contains ${gi.data[k]} at entry ${k} (step ${this.count + 1})`);
    });
  }
}
