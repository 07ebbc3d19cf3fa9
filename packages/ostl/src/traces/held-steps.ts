/** Steps a {@link HeldSteps} may hold back: one pass over its matrices per block of this many. */
const BLOCK_STEPS = 8;

/**
 * The bookkeeping of an accumulator that holds a few steps' vectors back and applies them as one
 * block, in one pass over its n x m matrices ({@link DeferredTrace}, {@link DeferredOuterSum}):
 * how many steps a block has, how many are held, and applying a partial block padded with steps
 * that change nothing before anything is read. Blocks of eight steps are used only when their
 * buffers fit in the floats the accumulator allows (`budget`); otherwise each step is applied at
 * once.
 *
 * @example
 * ```ts
 * import { HeldSteps } from "@ostl/ostl";
 * // counts the steps each block applies
 * class Counter extends HeldSteps {
 *   readonly blocks: number[] = [];
 *   constructor() { super(1, 8); }
 *   step(): void { this.stored(); }
 *   protected pad(): void {}
 *   protected apply(): void { this.blocks.push(this.held); }
 * }
 * const c = new Counter();
 * for (let t = 0; t < 10; t++) c.step();
 * c.flush();
 * console.log(c.blockSteps, c.blocks); // 8 [8, 2]
 * ```
 */
export abstract class HeldSteps {
  /** Steps per block: 8, or 1 (applied at once) when a block's held vectors would exceed the budget. */
  readonly blockSteps: number;
  /** Steps stored and not applied yet: the next step's vectors go at this index. */
  protected held = 0;

  /**
   * @param floatsPerStep floats one held step takes.
   * @param budget the most floats a block's buffers may take.
   */
  protected constructor(floatsPerStep: number, budget: number) {
    this.blockSteps = BLOCK_STEPS * floatsPerStep <= budget ? BLOCK_STEPS : 1;
  }

  /** Counts a step whose vectors were stored at index `held`; applies the block once it is complete. */
  protected stored(): void {
    if (++this.held === this.blockSteps) this.flush();
  }

  /** Applies the held steps (a partial block padded with steps that change nothing). */
  flush(): void {
    if (this.held === 0) return;
    if (this.blockSteps > 1) this.pad(this.held);
    this.apply(this.blockSteps > 1 ? this.blockSteps : this.held);
    this.held = 0;
  }

  /** Fills the block's steps from index `from` on with steps that change nothing. */
  protected abstract pad(from: number): void;

  /** Applies the first `steps` steps of the block buffers. */
  protected abstract apply(steps: number): void;
}
