import * as core from "@ostl/core";
import { type Tensor, add, grad, mul, sum, vjp } from "@ostl/autodiff";
import { timeMs } from "./timing.js";

function chainOfOps(x: Tensor, y: Tensor, chain: number): Tensor {
  let v = x;
  for (let i = 0; i < chain; i++) v = i % 2 === 0 ? add(v, y) : mul(v, y);
  return v;
}

/**
 * Per-op costs on tiny tensors (shape [2]), in nanoseconds.
 *
 * @example
 * ```ts
 * import { measureOpOverhead, type OpOverhead } from "@ostl/cli";
 * const o: OpOverhead = measureOpOverhead(500, 3);
 * console.log(Object.keys(o), o.overheadNs === o.recordedNs - o.plainNs); // ["plainNs", "recordedNs", "overheadNs", "backwardNs"] true
 * ```
 */
export interface OpOverhead {
  /** Evaluating an op on concrete arrays. */
  plainNs: number;
  /** Evaluating it while a reverse-mode tape records it. */
  recordedNs: number;
  /** recordedNs - plainNs: what recording adds per op. */
  overheadNs: number;
  /** Its backward step (the vjp rule) when the tape is walked. */
  backwardNs: number;
}

/**
 * Measures, in one run, what the autodiff engine adds per op on tiny tensors: a chain of
 * alternating add/mul evaluated plainly, recorded on a tape, and recorded plus walked backwards.
 *
 * @example
 * ```ts
 * import { measureOpOverhead } from "@ostl/cli";
 * const o = measureOpOverhead(1000, 3);
 * console.log(o.recordedNs > 0); // true
 * ```
 */
export function measureOpOverhead(chain = 20_000, reps = 15): OpOverhead {
  const x = core.tensor([0.5, -0.5]);
  const y = core.tensor([1.0000001, 0.9999999]);
  const plainMs = timeMs(() => void chainOfOps(x, y, chain), reps);
  const recordMs = timeMs(() => void vjp((v: Tensor) => chainOfOps(v, y, chain), x), reps);
  const bothMs = timeMs(() => void grad((v: Tensor) => sum(chainOfOps(v, y, chain)))(x), reps);
  const perOp = (ms: number) => (ms * 1e6) / chain;
  const plainNs = perOp(plainMs);
  const recordedNs = perOp(recordMs);
  return { plainNs, recordedNs, overheadNs: recordedNs - plainNs, backwardNs: perOp(bothMs) - recordedNs };
}
