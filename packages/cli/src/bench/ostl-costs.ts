import * as core from "@ostl/core";
import { type Cell, type GradientAlgorithm, Network, type NetworkParams, Ostl, Rtrl, StepPrograms } from "@ostl/ostl";
import { mse } from "@ostl/models";
import { pairedRatio } from "./timing.js";

function singleLayer(cell: Cell, n: number, m: number) {
  const network = new Network({ inputSize: m, layers: [{ cell, hiddenSize: n }], outputSize: 10, loss: mse });
  const rng = new core.PRNG(1);
  const params = network.init(rng.split());
  const xs = Array.from({ length: 64 }, () => rng.uniform([m], 0, 1));
  const target = rng.normal([10]);
  return { network, params, xs, target };
}

/**
 * Time per OSTL training step and per forward-only step, measured interleaved in one run, and
 * their ratio (the median of adjacent pairs' ratios, so not exactly ostlMs / forwardMs).
 *
 * @example
 * ```ts
 * import { ostlOverForward, type StepRatio } from "@ostl/cli";
 * import { ssnu } from "@ostl/models";
 * const r: StepRatio = ostlOverForward(ssnu(), 8, 8, 3, 5);
 * console.log(r.ostlMs > 0, r.forwardMs > 0, r.ratio > 0); // true true true
 * ```
 */
export interface StepRatio {
  forwardMs: number;
  ostlMs: number;
  /** Median over adjacent round pairs of OSTL time / forward time. */
  ratio: number;
}

/**
 * One round of `stepsPerRound` training steps of `algo`: one sequence from `begin` to
 * `gradients()`, so the traces' allocation and the final read-out are included, spread over the
 * sequence. Returns milliseconds per step.
 */
function trainingRound(algo: GradientAlgorithm, params: NetworkParams, xs: readonly core.NDArray[], target: core.NDArray, stepsPerRound: number): number {
  algo.begin(params);
  const t0 = performance.now();
  for (let t = 0; t < stepsPerRound; t++) algo.step(xs[t % xs.length]!, target);
  algo.gradients();
  return (performance.now() - t0) / stepsPerRound;
}

/**
 * One layer of `cell` (n units, m inputs, batch 1): the time of an OSTL training step (traces,
 * learning signal, gradient accumulation) over the time of a forward-only step (the network's
 * compiled step and its loss, `StepPrograms.stepLoss`), measured in paired adjacent rounds (see pairedRatio) after ten untimed pairs.
 * Each OSTL round is one sequence of `stepsPerRound` steps from `begin` to `gradients()`.
 *
 * @example
 * ```ts
 * import { ostlOverForward } from "@ostl/cli";
 * import { ssnu } from "@ostl/models";
 * const r = ostlOverForward(ssnu(), 16, 16, 3, 10);
 * console.log(r.ratio > 0); // true
 * ```
 */
export function ostlOverForward(cell: Cell, n: number, m: number, rounds = 15, stepsPerRound = 100): StepRatio {
  const { network, params, xs, target } = singleLayer(cell, n, m);
  // the fastest forward we have: the network's compiled step with its loss
  const step = StepPrograms.of(network).stepLoss;
  const forward = () => {
    let state = network.initialState();
    const t0 = performance.now();
    for (let t = 0; t < stepsPerRound; t++) state = step(params, state, xs[t % xs.length]!, target).state;
    return (performance.now() - t0) / stepsPerRound;
  };
  const ostl = new Ostl(network);
  const r = pairedRatio(() => trainingRound(ostl, params, xs, target, stepsPerRound), forward, rounds, 10);
  return { forwardMs: r.baselineMs, ostlMs: r.measuredMs, ratio: r.ratio };
}

/**
 * Time per OSTL training step and per RTRL training step on the same one-layer network, and their
 * ratio (the median of adjacent pairs' ratios).
 *
 * @example
 * ```ts
 * import { ostlOverRtrl, type RtrlRatio } from "@ostl/cli";
 * import { lstm } from "@ostl/models";
 * const r: RtrlRatio = ostlOverRtrl(lstm(), 3, 2, 3, 2);
 * console.log(r.ostlMs > 0, r.rtrlMs > 0, r.ratio > 0); // true true true
 * ```
 */
export interface RtrlRatio {
  rtrlMs: number;
  ostlMs: number;
  /** Median over adjacent round pairs of OSTL time / RTRL time. */
  ratio: number;
}

/**
 * One layer of `cell` (n units, m inputs, batch 1): the time of an OSTL training step over the
 * time of an RTRL training step, measured in paired adjacent rounds (see pairedRatio) after two
 * untimed pairs. Each round is one sequence of `stepsPerRound` steps from `begin` to `gradients()`.
 * With one layer both are exact and carry the same influence (dense traces are RTRL's recurrence
 * restricted to the layer's params), so a ratio above 1 means OSTL computes it the slower way.
 *
 * @example
 * ```ts
 * import { ostlOverRtrl } from "@ostl/cli";
 * import { lstm } from "@ostl/models";
 * const r = ostlOverRtrl(lstm(), 4, 3, 3, 3);
 * console.log(r.ratio > 0); // true
 * ```
 */
export function ostlOverRtrl(cell: Cell, n: number, m: number, rounds = 7, stepsPerRound = 5): RtrlRatio {
  const { network, params, xs, target } = singleLayer(cell, n, m);
  const ostl = new Ostl(network);
  const rtrl = new Rtrl(network);
  const r = pairedRatio(() => trainingRound(ostl, params, xs, target, stepsPerRound), () => trainingRound(rtrl, params, xs, target, stepsPerRound), rounds, 2);
  return { rtrlMs: r.baselineMs, ostlMs: r.measuredMs, ratio: r.ratio };
}

/**
 * Floats an algorithm holds after T steps (its tape or traces).
 *
 * @example
 * ```ts
 * import { floatsAfter } from "@ostl/cli";
 * import { Bptt, Ostl } from "@ostl/ostl";
 * import { ssnu } from "@ostl/models";
 * // sSNU, n = m = 4: BPTT records 8 state floats and 26 for the backward step per step; OSTL keeps 2·(4·4 + 4) trace floats
 * console.log(floatsAfter((net) => new Bptt(net), ssnu(), 4, 4, 10), floatsAfter((net) => new Ostl(net), ssnu(), 4, 4, 10)); // 340 24
 * ```
 */
export function floatsAfter(make: (net: Network) => GradientAlgorithm, cell: Cell, n: number, m: number, T: number): number {
  const { network, params, xs, target } = singleLayer(cell, n, m);
  const algo = make(network);
  algo.begin(params as NetworkParams);
  for (let t = 0; t < T; t++) algo.step(xs[t % xs.length]!, target);
  const floats = algo.memoryFloats();
  algo.reset();
  return floats;
}

/**
 * How an algorithm's memory grows with sequence length: floats held after `long` steps over floats
 * held after `short` steps (1 for OSTL; long/short for BPTT's tape).
 *
 * @example
 * ```ts
 * import { memoryGrowth } from "@ostl/cli";
 * import { Ostl } from "@ostl/ostl";
 * import { ssnu } from "@ostl/models";
 * console.log(memoryGrowth((net) => new Ostl(net), ssnu(), 8, 8, 10, 100)); // 1
 * ```
 */
export function memoryGrowth(make: (net: Network) => GradientAlgorithm, cell: Cell, n: number, m: number, short: number, long: number): number {
  return floatsAfter(make, cell, n, m, long) / floatsAfter(make, cell, n, m, short);
}
