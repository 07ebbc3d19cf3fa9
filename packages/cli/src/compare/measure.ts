import * as core from "@ostl/core";
import type { Tensor } from "@ostl/autodiff";
import type { GradientAlgorithm, NetworkParams } from "@ostl/ostl";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type TimeSpread, timeSpread } from "./time-spread.js";

/**
 * An algorithm with the parameters and the sequence it runs on: one figure to measure.
 *
 * @example
 * ```ts
 * import { measureRuns, type RunInput } from "@ostl/cli";
 * import { Bptt, Network } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { rnn, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const rng = new PRNG(0);
 * const run: RunInput = { algorithm: new Bptt(net), params: net.init(rng), xs: [rng.normal([2])], targets: [rng.normal([1])] };
 * console.log(measureRuns([run], 3)[0]!.msPerStep.rounds); // 3
 * ```
 */
export interface RunInput {
  readonly algorithm: GradientAlgorithm;
  readonly params: NetworkParams;
  readonly xs: readonly Tensor[];
  readonly targets: readonly Tensor[];
}

/**
 * One pass of an algorithm over its sequence, timed: its gradients, the floats it holds after the
 * last step and the time per step of this pass, gradient included.
 *
 * @example
 * ```ts
 * import { timeRun, type TimedPass } from "@ostl/cli";
 * import { Ostl, Network } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { ssnu, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: ssnu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const rng = new PRNG(0);
 * const pass: TimedPass = timeRun(new Ostl(net), net.init(rng), [rng.normal([2])], [rng.normal([1])]);
 * console.log(pass.msPerStep > 0, pass.memoryFloats); // true 12
 * ```
 */
export interface TimedPass {
  readonly grads: NetworkParams;
  readonly memoryFloats: number;
  /** Milliseconds per step of this one pass. */
  readonly msPerStep: number;
}

/**
 * An algorithm's figures over repeated rounds: the gradients and floats held of its first pass,
 * and the time per step of the timed rounds (median and interquartile range).
 *
 * @example
 * ```ts
 * import { timeRounds, type RunTiming } from "@ostl/cli";
 * import { Bptt, Network } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { rnn, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const rng = new PRNG(0);
 * const [timing]: RunTiming[] = timeRounds([{ algorithm: new Bptt(net), params: net.init(rng), xs: [rng.normal([2])], targets: [rng.normal([1])] }], 4);
 * console.log(timing!.msPerStep.rounds, timing!.msPerStep.q1 <= timing!.msPerStep.median); // 4 true
 * ```
 */
export interface RunTiming {
  readonly grads: NetworkParams;
  /** Floats the algorithm held after the last step (tape or traces). */
  readonly memoryFloats: number;
  /** Milliseconds per step over the timed rounds, gradient included. */
  readonly msPerStep: TimeSpread;
}

/**
 * What one algorithm run on one sequence produced: its figures over the timed rounds, and the
 * live memory it holds.
 *
 * @example
 * ```ts
 * import { measureRuns, type RunMeasurement } from "@ostl/cli";
 * import { Ostl, Network } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { ssnu, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: ssnu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const rng = new PRNG(0);
 * const xs = [rng.uniform([2], 0, 1), rng.uniform([2], 0, 1)];
 * const [m]: RunMeasurement[] = measureRuns([{ algorithm: new Ostl(net), params: net.init(rng), xs, targets: [rng.normal([1]), rng.normal([1])] }], 3);
 * console.log(Object.keys(m!.grads), m!.memoryFloats, m!.peakBytes >= 0); // ["layer0", "readout"] 12 true
 * ```
 */
export interface RunMeasurement extends RunTiming {
  /**
   * Live memory the algorithm holds after the last step (bytes), when a tape is longest: in an
   * untimed pass, live bytes (heap objects, compiled code aside, plus the array buffers that hold
   * tensor data; each after a full garbage collection) after the last step minus those after
   * `reset()` drops the algorithm's tape or traces. Whatever else is alive (caches, compiled
   * code, the other algorithms' passes) is in both and cancels.
   */
  readonly peakBytes: number;
}

/**
 * The timed rounds of each figure in `ostl compare` (`--rounds`), after the untimed first pass.
 *
 * @example
 * ```ts
 * import { TIMED_ROUNDS } from "@ostl/cli";
 * console.log(TIMED_ROUNDS); // 5
 * ```
 */
export const TIMED_ROUNDS = 5;

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
 * Runs each algorithm over its sequence, untimed, all of them at once, then resets them one after
 * the other: what each reset frees, in live bytes, is what that algorithm held after its last step
 * (see {@link RunMeasurement.peakBytes}). One measurement per algorithm, and one before the first
 * reset.
 */
function heldBytes(runs: readonly RunInput[]): number[] {
  for (const { algorithm, params, xs, targets } of runs) {
    algorithm.reset();
    algorithm.begin(params);
    xs.forEach((x, t) => algorithm.step(x, targets[t]!));
  }
  let before = liveBytes();
  return runs.map(({ algorithm }) => {
    algorithm.reset();
    const after = liveBytes();
    const freed = Math.max(0, before - after);
    before = after;
    return freed;
  });
}

/**
 * Times algorithms over repeated rounds: a first pass of each, untimed (it compiles the steps, and
 * its gradients and floats held are the ones returned), then `rounds` rounds that each time one
 * pass of every algorithm, in turn, from a reset: a load spike hits the algorithms of a round
 * alike. The order alternates from round to round, so no algorithm always comes first.
 *
 * @example
 * ```ts
 * import { compareGroup, timeRounds } from "@ostl/cli";
 * import { Bptt, Network, Ostl } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { ssnu, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: ssnu(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const rng = new PRNG(0);
 * const params = net.init(rng);
 * const xs = [rng.uniform([2], 0, 1), rng.uniform([2], 0, 1)];
 * const targets = [rng.normal([1]), rng.normal([1])];
 * const [bptt, ostl] = timeRounds([new Bptt(net), new Ostl(net)].map((algorithm) => ({ algorithm, params, xs, targets })), 5);
 * // one layer: OSTL's gradient is BPTT's
 * console.log(bptt!.msPerStep.rounds, ostl!.msPerStep.median > 0, compareGroup(ostl!.grads, bptt!.grads, "layer0").relError < 1e-12); // 5 true true
 * ```
 */
export function timeRounds(runs: readonly RunInput[], rounds: number): RunTiming[] {
  const first = runs.map(({ algorithm, params, xs, targets }) => timeRun(algorithm, params, xs, targets));
  const samples = runs.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    const order = runs.map((_, i) => (round % 2 === 0 ? i : runs.length - 1 - i));
    for (const i of order) {
      const { algorithm, params, xs, targets } = runs[i]!;
      algorithm.reset();
      samples[i]!.push(timeRun(algorithm, params, xs, targets).msPerStep);
    }
  }
  return first.map((pass, i) => ({ grads: pass.grads, memoryFloats: pass.memoryFloats, msPerStep: timeSpread(samples[i]!) }));
}

/**
 * Measures algorithms on their sequences: times them over `rounds` rounds (see {@link timeRounds}),
 * then, in an untimed pass, the live memory each holds after its last step (see
 * {@link RunMeasurement.peakBytes}).
 *
 * @example
 * ```ts
 * import { measureRuns } from "@ostl/cli";
 * import { Bptt, Network } from "@ostl/ostl";
 * import { PRNG } from "@ostl/core";
 * import { rnn, mse } from "@ostl/models";
 * const net = new Network({ inputSize: 2, layers: [{ cell: rnn(), hiddenSize: 3 }], outputSize: 1, loss: mse });
 * const rng = new PRNG(0);
 * const [m] = measureRuns([{ algorithm: new Bptt(net), params: net.init(rng), xs: [rng.normal([2]), rng.normal([2])], targets: [rng.normal([1]), rng.normal([1])] }], 3);
 * // BPTT's tape holds both steps' states (3 floats each) and what their backward steps read (7 each); live bytes are measured, never negative
 * console.log(m!.msPerStep.median > 0, m!.memoryFloats, m!.peakBytes >= 0); // true 20 true
 * ```
 */
export function measureRuns(runs: readonly RunInput[], rounds: number): RunMeasurement[] {
  const timings = timeRounds(runs, rounds);
  const bytes = heldBytes(runs);
  return timings.map((timing, i) => ({ ...timing, peakBytes: bytes[i]! }));
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
 * console.log(m.msPerStep > 0, Object.keys(m.grads)); // true ["layer0", "readout"]
 * ```
 */
export function timeRun(algo: GradientAlgorithm, params: NetworkParams, xs: readonly Tensor[], targets: readonly Tensor[]): TimedPass {
  const t0 = performance.now();
  algo.begin(params);
  xs.forEach((x, t) => algo.step(x, targets[t]!));
  const grads = algo.gradients();
  const ms = performance.now() - t0;
  return { grads, msPerStep: ms / Math.max(1, xs.length), memoryFloats: algo.memoryFloats() };
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
