import * as core from "@ostl/core";
import type { Tensor } from "@ostl/autodiff";
import type { GradientAlgorithm, NetworkParams } from "@ostl/ostl";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * What one algorithm run on one sequence produced.
 *
 * @example
 * ```ts
 * import { measureRun, type RunMeasurement } from "@ostl/cli";
 * import { Ostl, Network } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { ssnu, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: ssnu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const rng = new PRNG(0);
 * const xs = [rng.uniform([2], 0, 1), rng.uniform([2], 0, 1)];
 * const m: RunMeasurement = measureRun(new Ostl(net), net.init(rng), xs, [rng.normal([1]), rng.normal([1])]);
 * console.log(Object.keys(m.grads), m.memoryFloats, m.peakBytes >= 0); // ["layer0", "readout"] 12 true
 * ```
 */
export interface RunMeasurement {
  readonly grads: NetworkParams;
  readonly secondsPerStep: number;
  /**
   * Live memory the algorithm holds after the last step (bytes), when a tape is longest: in a
   * second, untimed pass, live bytes (heap objects, compiled code aside, plus the array buffers
   * that hold tensor data; each after a full garbage collection) after the last step minus those
   * after `reset()` drops the algorithm's tape or traces. Whatever else the pass left alive
   * (caches, compiled code) is in both and cancels.
   */
  readonly peakBytes: number;
  /** Floats the algorithm held after the last step (tape or traces). */
  readonly memoryFloats: number;
}

let gc: (() => void) | null = null;

/** A full garbage collection: V8's `gc`, exposed at run time when node was started without `--expose-gc`. */
function collectGarbage(): void {
  if (gc === null) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed !== undefined) gc = exposed;
    else {
      setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc") as () => void;
    }
  }
  gc();
}

/** Live bytes after a full collection: heap objects (compiled code aside) and the array buffers that hold tensor data. */
function liveBytes(): number {
  // array buffers are freed by a sweeper after a collection; the next collection completes it
  collectGarbage();
  collectGarbage();
  const objects = getHeapSpaceStatistics().reduce((sum, space) => (space.space_name.startsWith("code") ? sum : sum + space.space_used_size), 0);
  return objects + process.memoryUsage().arrayBuffers;
}

/**
 * Runs an algorithm over a sequence twice: timed (time per step, gradients, floats held), then
 * untimed, for the growth of live memory (see {@link RunMeasurement.peakBytes}).
 *
 * @example
 * ```ts
 * import { measureRun } from "@ostl/cli";
 * import { Bptt, Network } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { rnn, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const rng = new PRNG(0);
 * const m = measureRun(new Bptt(net), net.init(rng), [rng.normal([2]), rng.normal([2])], [rng.normal([1]), rng.normal([1])]);
 * // BPTT's tape holds both steps' states (3 floats each) and what their backward steps read (7 each); live bytes are measured, never negative
 * console.log(m.secondsPerStep > 0, m.memoryFloats, m.peakBytes >= 0); // true 20 true
 * ```
 */
export function measureRun(algo: GradientAlgorithm, params: NetworkParams, xs: readonly Tensor[], targets: readonly Tensor[]): RunMeasurement {
  const timed = timeRun(algo, params, xs, targets);
  algo.reset();
  algo.begin(params);
  xs.forEach((x, t) => algo.step(x, targets[t]!));
  const held = liveBytes();
  algo.reset();
  const released = liveBytes();
  return { ...timed, peakBytes: Math.max(0, held - released) };
}

/**
 * Runs an algorithm over a sequence once, timed: its gradients, time per step and the floats it
 * holds after the last step (no memory measurement, so no garbage collection).
 *
 * @example
 * ```ts
 * import { timeRun } from "@ostl/cli";
 * import { Ostl, Network } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { ssnu, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: ssnu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const rng = new PRNG(0);
 * const m = timeRun(new Ostl(net), net.init(rng), [rng.normal([2]), rng.normal([2])], [rng.normal([1]), rng.normal([1])]);
 * console.log(m.secondsPerStep > 0, Object.keys(m.grads)); // true ["layer0", "readout"]
 * ```
 */
export function timeRun(algo: GradientAlgorithm, params: NetworkParams, xs: readonly Tensor[], targets: readonly Tensor[]): Omit<RunMeasurement, "peakBytes"> {
  const t0 = performance.now();
  algo.begin(params);
  xs.forEach((x, t) => algo.step(x, targets[t]!));
  const grads = algo.gradients();
  const seconds = (performance.now() - t0) / 1000;
  return { grads, secondsPerStep: seconds / Math.max(1, xs.length), memoryFloats: algo.memoryFloats() };
}

/** All params of one group (`layer0`, `readout`) flattened in key order. */
function groupVector(params: NetworkParams, group: string): core.NDArray {
  const rec = params[group]!;
  return core.concat(Object.keys(rec).sort().map((k) => core.reshape(rec[k] as core.NDArray, [-1])));
}

/**
 * Relative error ||g - ref|| / max(||ref||, 1e-12) and cosine similarity of one parameter group.
 *
 * @example
 * ```ts
 * import { compareGroup } from "@ostl/cli";
 * import { tensor } from "@ostl/core";
 * console.log(compareGroup({ layer0: { W: tensor([1, 0]) } }, { layer0: { W: tensor([1, 0]) } }, "layer0")); // { relError: 0, cosine: 1 }
 * console.log(compareGroup({ layer0: { W: tensor([0, 2]) } }, { layer0: { W: tensor([1, 0]) } }, "layer0").cosine); // 0
 * ```
 */
export function compareGroup(got: NetworkParams, ref: NetworkParams, group: string): { relError: number; cosine: number } {
  const g = groupVector(got, group);
  const r = groupVector(ref, group);
  const dot = (a: core.NDArray, b: core.NDArray) => core.sum(core.mul(a, b)).item();
  const nr = Math.sqrt(dot(r, r));
  const ng = Math.sqrt(dot(g, g));
  const d = core.sub(g, r);
  return { relError: Math.sqrt(dot(d, d)) / Math.max(nr, 1e-12), cosine: ng === 0 || nr === 0 ? (ng === nr ? 1 : 0) : dot(g, r) / (ng * nr) };
}
