import * as core from "@ostl/core";
import type { Tensor } from "@ostl/autodiff";
import type { GradientAlgorithm, NetworkParams } from "@ostl/ostl";

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
  /** Peak growth of the JavaScript heap during the run (bytes; needs `node --expose-gc` for a clean baseline). */
  readonly peakBytes: number;
  /** Floats the algorithm held after the last step (tape or traces). */
  readonly memoryFloats: number;
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Runs an algorithm over a sequence and measures time per step and peak heap growth.
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
 * // BPTT's tape holds both steps' states (3 floats each)
 * console.log(m.secondsPerStep > 0, m.memoryFloats); // true 6
 * ```
 */
export function measureRun(algo: GradientAlgorithm, params: NetworkParams, xs: readonly Tensor[], targets: readonly Tensor[]): RunMeasurement {
  collectGarbage();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  const t0 = performance.now();
  algo.begin(params);
  xs.forEach((x, t) => {
    algo.step(x, targets[t]!);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  });
  const grads = algo.gradients();
  const seconds = (performance.now() - t0) / 1000;
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  const memoryFloats = algo.memoryFloats();
  algo.reset();
  return { grads, secondsPerStep: seconds / Math.max(1, xs.length), peakBytes: Math.max(0, peak - baseline), memoryFloats };
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
