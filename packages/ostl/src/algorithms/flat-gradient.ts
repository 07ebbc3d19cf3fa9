import * as core from "@ostl/core";
import { type Tree, ValueReadError } from "@ostl/autodiff";
import { AlgorithmBase } from "./algorithm.js";
import { ReadoutGradient } from "./readout-gradient.js";
import { recurrentParams } from "./rtrl.js";
import { TreeLayout } from "../model/tree-layout.js";
import type { Network, NetworkArrays, NetworkParams, NetworkState } from "../model/network.js";

/**
 * The gradient sums of an algorithm that carries the recurrent params as one flat vector (UORO,
 * SnAp): Σ_t over every recurrent param entry in flatten order (float64, allocated with the
 * first step's sizes), and the readout's exact sum.
 *
 * @example
 * ```ts
 * import { FlatGradient, Network } from "@ostl/ostl";
 * import { PRNG, tensor } from "@ostl/core";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 1, layers: [{ cell: rnn(), hiddenSize: 1 }], outputSize: 1, loss: mse });
 * const params = net.init(new PRNG(0));
 * const sums = new FlatGradient();
 * sums.recurrent(3).set([1, 2, 3]); // U, W, b of the one unit
 * sums.readout.add(tensor([0.5]), tensor([2]));
 * const g = sums.values(net, params);
 * console.log(g.layer0!.W!.toNested(), g.readout!.W!.toNested()); // [[2]] [[1]]
 * ```
 */
export class FlatGradient {
  readonly readout = new ReadoutGradient();
  private sum: Float64Array | null = null;

  /** The recurrent sum of `size` entries (zeros when new, or of another size). */
  recurrent(size: number): Float64Array {
    if (this.sum === null || this.sum.length !== size) this.sum = new Float64Array(size);
    return this.sum;
  }

  /** Both sums as a gradient tree of `params`' structure and dtype (copies). */
  values(network: Network, params: NetworkParams): NetworkArrays {
    const dtype = (params.readout!.W as core.NDArray).dtype;
    const layout = new TreeLayout(recurrentParams(network, params) as Tree);
    const recurrent = layout.split(core.astype(core.fromTyped(this.recurrent(layout.size).slice(), [layout.size]), dtype)) as NetworkArrays;
    return { ...recurrent, readout: this.readout.values() };
  }

  /** Zeroes both sums. */
  clear(): void {
    this.sum?.fill(0);
    this.readout.clear();
  }
}

/**
 * The bookkeeping of an algorithm whose gradient is a {@link FlatGradient} (UORO, SnAp): the
 * gradients, their clearing, the end of a step and `reset`; a subclass forgets its own carried
 * values in `forget`.
 *
 * @example
 * ```ts
 * import { FlatGradientAlgorithm, Network, Snap, Uoro } from "@ostl/ostl";
 * import { mse, rnn } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * console.log(new Snap(net) instanceof FlatGradientAlgorithm, new Uoro(net) instanceof FlatGradientAlgorithm); // true true
 * ```
 */
export abstract class FlatGradientAlgorithm extends AlgorithmBase {
  protected readonly sums = new FlatGradient();
  /** The programs of the step, made at the first step; interpreted ones once the step proved uncompilable. */
  private programs: { readonly value: unknown; readonly compiled: boolean } | null = null;

  /**
   * Runs `first` with the step's programs, made by `make(true)` (compiled) on first use. When the
   * programs are traced at the first step and the step reads the values of its traced arguments
   * (jit's `ValueReadError`), they are made again with `make(false)` (interpreted) and kept.
   * Returns the programs and what `first` returned.
   */
  protected withPrograms<P, R>(make: (compiled: boolean) => P, first: (programs: P) => R): { programs: P; out: R } {
    const held = (this.programs ??= { value: make(true), compiled: true });
    try {
      return { programs: held.value as P, out: first(held.value as P) };
    } catch (error) {
      if (!(error instanceof ValueReadError) || !held.compiled) throw error;
      const interpreted = make(false);
      this.programs = { value: interpreted, compiled: false };
      return { programs: interpreted, out: first(interpreted) };
    }
  }

  gradients(): NetworkArrays {
    this.requireStepsForGradients();
    return this.sums.values(this.network, this.params!);
  }

  takeGradients(): NetworkArrays {
    const g = this.gradients();
    this.sums.clear();
    return g;
  }

  /** Forgets everything, as when new. */
  reset(): void {
    this.params = null;
    this.current = null;
    this.count = 0;
    this.sums.clear();
    this.forget();
  }

  /** Drops the values the algorithm carries from step to step. */
  protected abstract forget(): void;

  /** Ends a step: the readout's terms added, the state moved on, the step counted; returns the loss. */
  protected endStep(logitsCotangent: core.NDArray, y: core.NDArray, state: NetworkState, loss: core.NDArray): number {
    this.sums.readout.add(logitsCotangent, y);
    this.current = state;
    this.count++;
    return loss.item();
  }
}
